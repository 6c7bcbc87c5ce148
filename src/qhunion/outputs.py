"""Where outputs go and how they are written: atomically, never over the input, with a clear error when the
target is locked (open in Excel) or not writable."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import OutputProblem
from .oserrors import os_reason

WORKBOOK_SUFFIX = "_建会判定.xlsx"


class OutputError(OutputProblem):
    """An output could not be written. ``reason`` is a Chinese sentence."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}：{reason}")

    def sentence(self) -> str:
        return f"无法写出 {self.path}：{self.reason}"


def default_workbook_path(source: Path) -> Path:
    return source.with_name(source.stem + WORKBOOK_SUFFIX)


def is_own_output(path: Path) -> bool:
    """qhunion's annotated workbooks lie beside the inputs; a folder re-run must not read them as surveys."""
    return path.name.endswith(WORKBOOK_SUFFIX)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces the target in one rename, so a
    reader (or an interrupted run) sees the old file or the new one, never a torn one. Whatever goes wrong —
    an error while writing, Ctrl+C — the temporary file is removed and the old file is left as it was."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(target, "这是一个文件夹，不是文件；请在路径后写上文件名（如 结果.xlsx）")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".~" + target.stem[:40], suffix=target.suffix, dir=folder)
        os.close(fd)
    except OSError as exc:
        raise OutputError(target, f"无法在“{folder}”中写入文件（{os_reason(exc, writing=True)}），请换一个输出位置") from exc
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except OutputError:
            raise
        except Exception as exc:
            # A full disk or a vanished folder while writing — also when a writer wraps the OSError in its
            # own exception, as xlsxwriter's close() does (FileCreateError).
            cause = exc if isinstance(exc, OSError) else exc.__cause__ or exc.__context__
            if isinstance(cause, OSError):
                raise OutputError(target, f"写入失败（{os_reason(cause, writing=True)}），请检查磁盘空间和写入权限") from exc
            raise
        _keep_mode(tmp, target)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise OutputError(target, "文件被占用或没有写入权限（是否正在 Excel 中打开？），请关闭后重试") from exc
        except OSError as exc:
            raise OutputError(target, f"无法写入（{os_reason(exc, writing=True)}），请换一个输出位置") from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _keep_mode(tmp: Path, target: Path) -> None:
    """mkstemp makes the file readable by its owner only; the output gets the permissions the file it
    replaces had, or those any new file gets (the umask), as when Excel saves."""
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(tmp, mode)
@contextlib.contextmanager
def atomic_text(target: Path, encoding: str = "utf-8") -> Iterator[IO[str]]:
    with atomic_path(target) as tmp, tmp.open("w", encoding=encoding, newline="") as fh:
        yield fh
