"""The command line's frame, shared by every command: the Chinese help layout, and the one place where an error
becomes a sentence and an exit status (`QhunionGroup.main`, which both the installed script and Typer's test
runner go through).

Click and Typer say their framework words in English (“Usage:”, “[required]”, “<str>”, “No such option”);
`ChineseHelp` and `usage_message` say them in Chinese. Only typer, the standard library and `textwidth` are
imported here,
so `qhunion --help` stays instant.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer import _click
from typer.core import TyperGroup

from qhunion import errors
from qhunion.textwidth import text_width as width
from qhunion.textwidth import wrap

_state = {"debug": bool(os.environ.get("QHUNION_DEBUG"))}

HEADINGS = {"Arguments": "参数", "Options": "选项", "Commands": "命令"}
PHRASES = {
    "Show this message and exit.": "显示本帮助并退出",
    "[OPTIONS]": "[选项]",
    "COMMAND [ARGS]...": "命令 [参数]...",
}
TYPES = {"str": "文字", "path": "路径", "file": "文件", "int": "整数", "float": "数字", "directory": "文件夹",
         "int range": "整数", "integer": "整数", "bool": "是/否"}
_TYPE = re.compile(r"<([^<>]*)>")
_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]$")


def _type_word(m: re.Match[str]) -> str:
    inner = m.group(1)
    if inner.startswith("list["):  # a list argument is named by its metavar (文件); its type says nothing more
        return ""
    return f"<{TYPES.get(inner, inner)}>"


def _term(term: str) -> str:
    return _TYPE.sub(_type_word, term).replace("  ", " ").rstrip()


def _extra(part: str) -> str:
    part = part.strip()
    if part == "required":
        return "必填"
    if part.startswith("default: "):
        return f"默认：{part.removeprefix('default: ')}"
    if m := re.fullmatch(r"x>=(\d+)", part):
        return f"不小于 {m[1]}"
    return part


def _help(text: str) -> str:
    text = PHRASES.get(text, text)
    m = _EXTRA.search(text)
    if m and any(w in m[1] for w in ("required", "default: ", "x>=")):
        said = "；".join(_extra(p) for p in m[1].split(";"))
        text = f"{text[:m.start()]}  [{said}]" if m.start() else f"[{said}]"
    return text


def _usage(args: str) -> str:
    for english, chinese in PHRASES.items():
        args = args.replace(english, chinese)
    return re.sub(r"\{([^{}]+)\}", r"\1", args)  # Typer marks a required argument {like this}


class ChineseHelp(_click.HelpFormatter):
    """Click's plain help layout with its framework words in Chinese."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _usage(args), "用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """Click's layout, measured in screen columns: a Chinese character takes two."""
        rows = [(_term(a), _help(b)) for a, b in rows]
        first_col = min(max((width(a) for a, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, text in rows:
            self.write(indent + term)
            if not text:
                self.write("\n")
                continue
            if width(term) <= first_col - col_spacing:
                self.write(" " * (first_col - width(term)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap(text, max(self.width - first_col, 10)).split("\n")
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * (first_col + self.current_indent) + line + "\n")


class ChineseContext(_click.Context):
    formatter_class = ChineseHelp


def _chinese(command: _click.Command) -> None:
    command.context_class = ChineseContext
    for sub in getattr(command, "commands", {}).values():
        _chinese(sub)


class QhunionGroup(TyperGroup):
    """The app's group: help in Chinese, and every error said once, here, as a sentence and a status."""

    def main(  # type: ignore[override]
        self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
        standalone_mode: bool = True, **extra: Any,
    ) -> Any:
        _chinese(self)
        if os.environ.get("_QHUNION_COMPLETE"):  # a shell asking for completions (see `--completion`)
            from typer._completion_classes import completion_init

            completion_init()
        given = list(sys.argv[1:] if args is None else args)
        status = run(lambda: super(QhunionGroup, self).main(
            global_first(given), prog_name or "qhunion", complete_var, standalone_mode=False, **extra))
        if standalone_mode:
            sys.exit(status)
        return status


GLOBAL_FLAGS = ("--debug", "--quiet", "-q")  # the app's own switches, taken wherever they are written


def command_group(name: str, help: str) -> typer.Typer:
    """A group of commands in this frame: Chinese help, no locals in an error (survey rows hold names and
    phone numbers), no Rich markup in help, no Typer completion options (they speak English; `qhunion
    --completion` does it in Chinese), and a bare command shows its help."""
    return typer.Typer(
        name=name, help=help, cls=QhunionGroup, no_args_is_help=True, add_completion=False,
        pretty_exceptions_show_locals=False, rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


def global_first(args: list[str]) -> list[str]:
    """`qhunion classify x --debug` as `qhunion --debug classify x`: people add a switch at the end of the line
    they just ran (before a “--”, after which everything is a file name)."""
    end = args.index("--") if "--" in args else len(args)
    flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
    return [*flags, *(a for a in args[:end] if a not in GLOBAL_FLAGS), *args[end:]]


def run(call: Any) -> int:
    """Runs the parsed command and returns its exit status; every error becomes a sentence on stderr."""
    try:
        status = call()
    except errors.QhunionError as exc:
        say(exc.sentence(), exc)
        return exc.status
    except _click.exceptions.NoArgsIsHelpError as exc:
        return _plain_help(exc.ctx)
    except _click.exceptions.UsageError as exc:
        if exc.ctx is not None and exc.message == "Missing command.":
            return _plain_help(exc.ctx)
        say(usage_message(exc), exc)
        return errors.USAGE
    except (typer.Abort, KeyboardInterrupt, EOFError):
        say("已中断", None)
        return errors.INTERRUPTED
    except Exception as exc:  # the last line of defence: never a traceback for users
        say("程序内部出错，请加 --debug 重新运行并把输出发给技术人员", exc)
        return errors.INTERNAL
    except BaseException as exc:  # a Rust panic from calamine is a BaseException; io.py converts its own
        if type(exc).__name__ != "PanicException":
            raise
        say("读取表格的组件出错，请加 --debug 重新运行并把输出发给技术人员", exc)
        return errors.INTERNAL
    if status == errors.INTERRUPTED:  # Typer turns Ctrl+C into Exit(130) before it reaches the handlers above
        say("已中断", None)
    return status if isinstance(status, int) else errors.OK


def _plain_help(ctx: _click.Context | None) -> int:
    """A bare `qhunion` or `qhunion ledger`: the help, as --help prints it."""
    if ctx is not None:
        from qhunion.render import console

        console.write(ctx.get_help() + "\n")
    return errors.OK


def fail(message: str) -> NoReturn:
    """Refuse a command line that asks for what cannot be done, with one sentence (exit 2, said by `run`)."""
    raise errors.UsageProblem(message)


def escape(text: str) -> str:
    """File names and cell values may hold [brackets], which Rich would read as markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def say(message: str, exc: BaseException | None) -> None:
    from qhunion.render import console

    if _state["debug"] and exc is not None:
        import traceback

        traceback.print_exception(exc)
    from qhunion.normalise.privacy import mask
    from qhunion.readers.sheet import shown

    # A sentence may quote what the user typed (--round, --map) or a file's name: no escape sequence reaches
    # the terminal raw, and no phone or ID number in a name is shown whole (issue 14). Every error is said
    # here, so this is the one place that masks them.
    console.err().print(f"[red]错误：[/red]{escape(mask(shown(message)))}")


def _hint(exc: Exception) -> str:
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or ""
    if isinstance(hint, list | tuple):
        hint = " / ".join(hint)
    if not hint and param is not None:
        hint = " / ".join(param.opts) if param.param_type_name == "option" else str(param.metavar or "文件")
    return str(hint)


def _given(exc: Exception) -> str | None:
    """The value the user gave, from the validation error Typer wraps (its English message is not shown)."""
    cause = exc.__cause__
    found = getattr(cause, "errors", None)
    if callable(found):
        try:
            first = found()[0]
        except (IndexError, TypeError):
            return None
        value = first.get("input")
        return None if value is None else str(value)
    return None


def usage_message(exc: Exception) -> str:
    """Click's English usage errors, said in Chinese; a detail Click gives in English is not repeated."""
    ce = _click.exceptions
    hint = _hint(exc)
    message = str(getattr(exc, "message", exc))
    if isinstance(exc, ce.NoSuchOption):
        near = f"，是不是 {' / '.join(exc.possibilities)}？" if exc.possibilities else ""
        return f"没有 {exc.option_name} 这个选项{near}（用 --help 查看可用的选项）"
    if isinstance(exc, ce.MissingParameter):
        return f"缺少参数：{hint or '必需的参数'}（用 --help 查看用法）"
    if isinstance(exc, ce.BadParameter):
        given = _given(exc)
        shown = f"“{given}”" if given is not None else ""
        param = getattr(exc, "param", None)
        choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
        if choices:
            said = " / ".join(str(getattr(c, "value", c)) for c in choices)
            return f"{hint} 的值{shown}无效，可选：{said}"
        if _ascii(message):
            return f"{hint} 的值{shown}无效{_expected(param, given)}（用 --help 查看用法）"
        return f"{hint} 的值{shown}无效：{message}"
    if m := re.match(r"Option '([^']+)' requires (an argument|\d+ arguments)", message):
        return f"选项 {m[1]} 后面缺少值（用 --help 查看用法）"
    if m := re.match(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", message):
        return f"多余的参数：{m[1]}（用 --help 查看用法）"
    if m := re.match(r"No such command '([^']*)'", message):
        close = re.findall(r"'([^']*)'", message.split("Did you mean", 1)[1]) if "Did you mean" in message else []
        also = f"，是不是 {' / '.join(close)}？" if close else ""
        return f"没有 {m[1]} 这个命令{also}（用 qhunion --help 查看全部命令）"
    if not _ascii(str(message)):
        return str(message)
    return "用法有误，用 --help 查看用法"


def _expected(param: Any, given: str | None) -> str:
    """What a number option wants, said from its own declaration (Typer's reason is English)."""
    descriptor: Any = getattr(param, "type_descriptor", None)
    if getattr(descriptor, "annotation", None) not in (int, float):
        return ""
    low = getattr(param, "min", None)
    try:
        float(given or "")
    except ValueError:
        return "：应为整数" if descriptor.annotation is int else "：应为数字"
    return f"：不能小于 {low}" if low is not None else ""


def _ascii(text: str) -> bool:
    return all(ord(c) < 128 for c in text)
