"""Issue 12 and 13's house rules: one error path, one rendering path, no import circles, and Chinese all the
way — in every help screen and in the messages for the common mistakes."""

from __future__ import annotations

import ast
import csv
import functools
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import qhunion
from qhunion import errors
from rule_cases.surveys import run, write_survey

PACKAGE = Path(qhunion.__file__).parent
README = Path(__file__).parents[1] / "README.md"


# ── no import circles ────────────────────────────────────────────────────────────────────────────────
@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Module (dotted below ``qhunion``; a package by its own name) → the package's modules it imports, at
    the top or inside a function (a lazy import still ties the two together); imports only for type checking
    are left out. Importing a submodule runs its package's ``__init__`` too, so that is an edge as well."""
    modules = {".".join(p.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE}

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}  # being set up already

        def with_parents(target: str, own: set[str] = own) -> set[str]:
            parts = target.split(".")
            return ({".".join(parts[:i]) for i in range(1, len(parts) + 1)} - own) & set(modules)


        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
        found: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                raise AssertionError(f"{name}: relative import; the package imports by absolute names")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "qhunion":
                base = node.module.removeprefix("qhunion").removeprefix(".")
                for alias in node.names:
                    found |= with_parents(f"{base}.{alias.name}".lstrip(".")) or with_parents(base)
                found |= with_parents(base)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("qhunion."):
                        found |= with_parents(alias.name.removeprefix("qhunion."))
        graph[name] = found - {name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import circle once, as the path that closes it."""
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt == path[0]:
                if frozenset(path) not in seen:
                    seen.add(frozenset(path))
                    found.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each circle from its smallest module only
                walk(nxt, [*path, nxt])

    for start in sorted(graph):
        walk(start, [start])
    return found


def test_circles_are_found_by_the_walk() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = import_graph()
    assert {"cli", "io", "readers.guard", "cli_ledger", "ledger", "ledger.schema"} <= set(graph)
    assert circles(graph) == []


def test_no_step_imports_a_step_that_imports_it_back() -> None:
    """The same walk one level up: a subpackage (readers, recognise, normalise, decide, render, xlsx, report,
    ledger) or a top-level module is one step of the flow, and no two steps import each other, even through
    others — so the layout reads in one direction."""
    steps: dict[str, set[str]] = {}
    for module, imported in import_graph().items():
        step = module.split(".")[0]
        steps.setdefault(step, set())
        for other in imported:
            steps.setdefault(other.split(".")[0], set())
            if other.split(".")[0] != step:
                steps[step].add(other.split(".")[0])
    assert {"readers", "recognise", "decide", "ledger", "rules", "cli"} <= set(steps)
    assert circles(steps) == []


# ── one error path ───────────────────────────────────────────────────────────────────────────────────
def test_readme_exit_table_is_the_one_in_errors() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## 退出状态"):].split("\n\n")[1]
    rows = {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.*) \|$", table, re.M)}
    assert rows == errors.STATUSES


def test_every_domain_error_is_one_of_ours_with_its_status() -> None:
    from qhunion.decide.ruleset import RuleSetError
    from qhunion.ledger import LedgerError, LedgerForbidden, LedgerMissing, UnknownImport, UnknownRound
    from qhunion.ledger.bundle import BundleError
    from qhunion.ledger.pg import GrantError
    from qhunion.outputs import OutputError
    from qhunion.readers.sheet import BadEncoding, UnreadableFile
    from qhunion.recognise.headers import MapError
    from qhunion.summary import SummaryError, UnknownRegion

    expected = {UnreadableFile: 3, BadEncoding: 2, OutputError: 4, RuleSetError: 2, SummaryError: 2,
                UnknownRegion: 2, MapError: 2, BundleError: 3, GrantError: 2, LedgerError: 6, LedgerMissing: 3,
                UnknownImport: 2, UnknownRound: 2, LedgerForbidden: 5}
    for cls, status in expected.items():
        assert issubclass(cls, errors.QhunionError), cls
        assert cls.status == status, cls
        assert status in errors.STATUSES
    assert UnreadableFile("/x/表.xlsx", "读不了").reason == "读不了"  # the reason stays the reason
    assert UnreadableFile("/x/表.xlsx", "读不了").sentence() == "表.xlsx：读不了"
    assert OutputError(Path("/x/a.xlsx"), "磁盘已满").sentence() == "无法写出 /x/a.xlsx：磁盘已满"


def test_a_missing_ledger_is_said_the_same_by_the_test_runner_and_the_installed_script(tmp_path: Path) -> None:
    missing = tmp_path / "无.db"
    status, out, err = run("summary", "--db", missing)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-m", "qhunion", "summary", "--db", str(missing)], capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=60, check=False)
    assert status == done.returncode == 3
    assert err.strip() == done.stderr.strip() and "找不到账本" in err
    assert out == done.stdout == ""


def test_an_unknown_option_is_chinese_through_the_test_runner() -> None:
    status, _, err = run("check", "--nope")
    assert status == 2 and "没有 --nope 这个选项" in err and "No such option" not in err


# ── one rendering path ───────────────────────────────────────────────────────────────────────────────
def test_ledger_verify_prints_csv(tmp_path: Path) -> None:
    survey = write_survey(tmp_path / "城北区.xlsx")
    db = tmp_path / "l.db"
    assert run("classify", survey, "--db", db, "--no-workbook", "-f", "json")[0] in (0, 1)
    status, out, _ = run("ledger", "verify", "--db", db, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert status == 0 and rows and {r["check"] for r in rows} >= {"integrity", "one_current"}
    assert all(r["ok"] == "True" for r in rows)
    status, out, _ = run("ledger", "list", "--db", db, "-o", tmp_path / "导入.csv")
    assert status == 0 and out == ""
    assert "城北区.xlsx" in (tmp_path / "导入.csv").read_text(encoding="utf-8-sig")


def test_rules_makes_every_format_it_offers() -> None:
    """Issue 13: `rules -f csv` was offered and failed; now it is one long table (section, row, column, value)."""
    status, out, _ = run("rules", "--help")
    assert status == 0 and "csv" in out
    status, out, _ = run("rules", "-f", "csv")
    assert status == 0 and out.lstrip("\ufeff").startswith("section,row,column,value")
    status, out, _ = run("rules", "-f", "json")
    assert status == 0 and json.loads(out)


def test_check_output_follows_its_extension(tmp_path: Path) -> None:
    survey = write_survey(tmp_path / "城北区.xlsx")
    status, out, _ = run("check", survey, "-o", tmp_path / "问题.json")
    assert status in (0, 1) and out == ""
    assert "issues" in json.loads((tmp_path / "问题.json").read_text(encoding="utf-8"))
    status, _, err = run("check", survey, "-o", tmp_path / "问题.txt")
    assert status == 2 and "--format" in err and not (tmp_path / "问题.txt").exists()


def test_by_takes_chinese_words_beside_the_ids(tmp_path: Path) -> None:
    survey = write_survey(tmp_path / "城北区.xlsx")
    said = {by: run("summary", survey, "--by", by, "-f", "json") for by in ("县", "county", "群体", "group")}
    assert all(status == 0 for status, _, _ in said.values())
    assert json.loads(said["县"][1])["rows"] == json.loads(said["county"][1])["rows"]
    assert json.loads(said["群体"][1])["rows"] == json.loads(said["group"][1])["rows"]
    assert json.loads(said["县"][1])["rows"] != json.loads(said["群体"][1])["rows"]
    status, _, err = run("summary", survey, "--by", "乡镇")
    assert status == 2 and "“乡镇”不是分组方式" in err


# ── Chinese all the way ──────────────────────────────────────────────────────────────────────────────
ENGLISH = re.compile(
    r"Usage|Options|Arguments|Commands|required|default|Show this message|<str>|<path>|<file>|<int|<list|"
    r"Error|Try '|Invalid value|Missing|No such|Got unexpected|Did you mean|Aborted|is not one of|"
    r"Value error|Input should|requires an argument|not a valid")


def commands() -> list[list[str]]:
    from typer.main import get_command

    from qhunion.cli import app

    found: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(get_command(app), [])
    return found


def test_every_help_screen_is_chinese() -> None:
    every = commands()
    assert ["ledger", "verify"] in every and ["summary"] in every
    for path in every:
        status, out, err = run(*path, "--help")
        assert status == 0, (path, err)
        assert "用法：qhunion" in out and "选项：" in out and "显示本帮助并退出" in out, path
        assert not ENGLISH.search(out + err), (path, ENGLISH.search(out + err), out)


MISTAKES = [
    [],  # a bare qhunion: the help
    ["ledger"],
    ["check"],  # missing argument
    ["check", "--nope", "x.xlsx"],
    ["clasify", "x.xlsx"],
    ["summary", "-f", "pdf"],
    ["summary", "--by", "wrong"],
    ["summary", "--round"],
    ["ledger", "export", "--region", "西宁"],  # missing required option
    ["ledger", "forget"],
    ["ledger", "export", "-r", "西宁", "-o", "a.qhl", "--since", "abc"],
    ["ledger", "export", "-r", "西宁", "-o", "a.qhl", "--since", "-3"],
    ["explain", "x.xlsx", "--row", "三"],
    ["template", "extra"],
    ["--completion", "tcsh"],
]


@pytest.mark.parametrize("args", MISTAKES, ids=lambda a: " ".join(a) or "bare")
def test_common_mistakes_are_said_in_chinese(args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(*args)
    assert not ENGLISH.search(out + err), (ENGLISH.search(out + err), out, err)
    if args in ([], ["ledger"]):
        assert status == 0 and "用法：qhunion" in out
    else:
        assert status == 2 and err.startswith("错误：") and "\n" not in err.strip(), err


def test_version_and_completion() -> None:
    status, out, _ = run("--version")
    assert status == 0 and out.strip() == f"qhunion {qhunion.__version__}"
    status, out, _ = run("--completion", "bash")
    assert status == 0 and "_QHUNION_COMPLETE" in out and "complete" in out


def test_quiet_is_exposed_for_progress_displays() -> None:
    from qhunion.render import console

    try:
        assert run("-q", "rules", "-f", "json")[0] == 0 and console.is_quiet()
        assert run("rules", "-f", "json")[0] == 0 and not console.is_quiet()
    finally:
        console.set_quiet(False)


def test_quiet_cuts_the_tables_to_a_line(tmp_path: Path) -> None:
    from qhunion.render import console

    survey = write_survey(tmp_path / "城北区.xlsx")
    try:
        status, full, _ = run("classify", survey, "--no-ledger", "--no-workbook")
        status_q, short, _ = run("classify", survey, "--no-ledger", "--no-workbook", "--quiet")
        _, check_short, _ = run("-q", "check", survey)
    finally:
        console.set_quiet(False)
    assert status == status_q == 0
    assert short.splitlines()[0] == full.splitlines()[0] and len(short.splitlines()) == 2 < len(full.splitlines())
    assert short.splitlines()[1] == full.splitlines()[-1] and "共 20 条记录" in short
    assert check_short.splitlines() == [check_short.strip()] and check_short.startswith("共 20 条记录")


def test_debug_is_taken_after_the_command_too() -> None:
    from qhunion.shell import global_first

    assert global_first(["classify", "x", "--debug"]) == ["--debug", "classify", "x"]
    assert global_first(["classify", "--", "--debug"]) == ["classify", "--", "--debug"]  # a file so named
    status, _, err = run("rules", "-f", "json", "--debug")
    assert status == 0 and "--db" not in err


@pytest.mark.parametrize(("change", "said"), [
    (('level = "county"', 'level = "县"'), "应为 'county'、'prefecture' 之一"),
    (("value = 20\n", 'value = "二十"\n'), "应为数字"),
    (('version = "2018.04-2"', 'version = "2018.04-2'), "不是有效的 TOML（第 10 行"),
])
def test_a_bad_rule_file_is_said_in_chinese(tmp_path: Path, change: tuple[str, str], said: str) -> None:
    text = (PACKAGE / "data" / "rules.toml").read_text(encoding="utf-8")
    assert change[0] in text
    rules = tmp_path / "规则.toml"
    rules.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    status, _, err = run("rules", "--rules", rules)
    assert status == 2 and said in err and not ENGLISH.search(err), err
    assert err.isascii() is False and not re.search(r"[A-Za-z]{4,} [a-z]{3,} [a-z]{3,}", err), err


def test_the_shell_gets_completions() -> None:
    env = {**os.environ, "COMP_WORDS": "qhunion summary --b", "COMP_CWORD": "2", "_QHUNION_COMPLETE": "complete_bash"}
    done = subprocess.run([sys.executable, "-m", "qhunion"], capture_output=True, text=True, env=env, timeout=60,
                          check=False)
    assert done.returncode == 0 and done.stdout.split() == ["--by"], done
