"""Safe outputs (issue 6): the input is never modified; every output is written to a temporary file in the
same folder and renamed, so an interrupted run leaves the old file or the new one and no debris; an output
that cannot be written is one sentence and exit status 4; survey text is always written as text — never a
formula in the workbook, and neutralised (a leading apostrophe) in CSV meant for Excel."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from builders import FLAT_HEADER, flat_grid, flat_rows, write_book, write_survey
from qhunion import cli, outputs, shell
from qhunion.normalise.privacy import mask
from rule_cases.surveys import run

ROW = ("甲公司", None, "西宁市", "城北区", 3, 4, "否")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Through cli.main(), as `qhunion` and `python -m qhunion` run: escaped errors become a sentence and an
    exit status there (CliRunner calls the app directly and would show the exception instead)."""
    monkeypatch.setattr(sys, "argv", ["qhunion", *map(str, args)])
    monkeypatch.setitem(shell._state, "debug", False)
    with pytest.raises(SystemExit) as caught:
        cli.main()
    out, err = capsys.readouterr()
    code = caught.value.code
    return code if isinstance(code, int) else 0, out, err


def debris(folder: Path) -> list[str]:
    """Temporary files left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~"))


# ── The input is never modified ──────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".csv"])
def test_inputs_are_never_modified(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"海东{suffix}"
    write_survey(path)
    before = (sha256(path), path.stat().st_mtime_ns, path.stat().st_mode)
    assert run("check", path)[0] == 0
    assert run("check", path, "--format", "json", "-o", tmp_path / "check.json")[0] == 0
    code, _, err = run("classify", path, "--db", tmp_path / "账本.db")
    assert code == 0, err
    assert run("classify", path, "--format", "csv", "-o", tmp_path / "c.csv", "--no-ledger")[0] == 0
    assert (sha256(path), path.stat().st_mtime_ns, path.stat().st_mode) == before
    assert (tmp_path / "海东_建会判定.xlsx").exists()


def test_the_annotated_copy_never_replaces_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "海东.xlsx"
    write_survey(path)
    before = sha256(path)
    code, _, err = run_main(monkeypatch, capsys, "classify", path, "-o", path, "--no-ledger")
    assert code == 4
    assert "这是输入的调查表本身，不能覆盖" in err
    assert sha256(path) == before
    assert debris(tmp_path) == []


# ── Atomic writes: the old file or the new one, never a torn one, never debris ───────────────────────

def _previous(path: Path) -> bytes:
    """An earlier output of qhunion's at ``path`` (a foreign file is not replaced without --force)."""
    if path.suffix == ".xlsx":
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path))
        book.set_custom_property(outputs.MARK, outputs.WORKBOOK)
        book.add_worksheet()
        book.close()
    elif path.suffix == ".json":
        path.write_text('{\n  "qhunion-output": "check"\n}\n', encoding="utf-8")
    else:
        path.write_text("\ufeffcode,severity,file,sheet,row,column,header,value,message\n", encoding="utf-8")
    return path.read_bytes()


def test_workbook_interrupted_mid_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The disk fills while the workbook is being written: half a file in the temporary name, then the
    error. The previous annotated workbook stays as it was."""
    import xlsxwriter

    write_survey(tmp_path / "海东.xlsx")
    target = tmp_path / "海东_建会判定.xlsx"
    old = _previous(target)

    def close(self: Any) -> None:
        Path(self.filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    code, _, err = run_main(monkeypatch, capsys, "classify", tmp_path / "海东.xlsx", "--no-ledger")
    assert code == 4
    assert "无法写出" in err and "海东_建会判定.xlsx" in err and "Traceback" not in err
    assert target.read_bytes() == old
    assert debris(tmp_path) == []


def test_workbook_writer_wrapping_the_os_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """xlsxwriter's close() turns an OSError into its own FileCreateError: still exit 4, one sentence."""
    import xlsxwriter

    write_survey(tmp_path / "海东.xlsx")
    target = tmp_path / "海东_建会判定.xlsx"
    old = _previous(target)

    def store(self: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "_store_workbook", store)
    code, _, err = run_main(monkeypatch, capsys, "classify", tmp_path / "海东.xlsx", "--no-ledger")
    assert code == 4
    assert "写入失败（磁盘已满），请检查磁盘空间和写入权限" in err
    assert "Traceback" not in err
    assert target.read_bytes() == old
    assert debris(tmp_path) == []


def test_workbook_interrupted_by_ctrl_c(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    import xlsxwriter

    write_survey(tmp_path / "海东.xlsx")
    target = tmp_path / "海东_建会判定.xlsx"
    old = _previous(target)

    def close(self: Any) -> None:
        Path(self.filename).write_bytes(b"PK\x03\x04 half")
        raise KeyboardInterrupt

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    code, _, err = run_main(monkeypatch, capsys, "classify", tmp_path / "海东.xlsx", "--no-ledger")
    assert code == 130  # Typer turns KeyboardInterrupt into Exit(130)
    assert "Traceback" not in err
    assert target.read_bytes() == old
    assert debris(tmp_path) == []


class _FailingWriter(io.StringIO):
    """A text file that takes half of what it is given, then reports a full disk."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path

    def write(self, text: str) -> int:
        with open(self._path, "w", encoding="utf-8") as fh:  # not Path.open: that is the one replaced
            fh.write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize(("command", "fmt", "name"), [
    ("check", "csv", "问题.csv"), ("check", "json", "问题.json"),
    ("classify", "csv", "判定.csv"), ("classify", "json", "判定.json")])
def test_csv_and_json_outputs_interrupted_mid_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str], command: str, fmt: str,
                                                    name: str) -> None:
    write_survey(tmp_path / "海东.xlsx")
    target = tmp_path / name
    old = _previous(target)
    real_open = Path.open

    def failing_open(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if self.name.startswith(".~") and "w" in mode:
            real_open(self, mode, *args, **kwargs).close()
            return _FailingWriter(self)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", failing_open)
    extra = ["--no-ledger"] if command == "classify" else []
    code, _, err = run_main(monkeypatch, capsys, command, tmp_path / "海东.xlsx", "--format", fmt, "-o", target, *extra)
    assert code == 4
    assert f"无法写出 {target}：写入失败（磁盘已满），请检查磁盘空间和写入权限" in err
    assert target.read_bytes() == old
    assert debris(tmp_path) == []


def test_a_completed_output_replaces_the_old_one_whole(tmp_path: Path) -> None:
    write_survey(tmp_path / "海东.xlsx")
    target = tmp_path / "问题.json"
    _previous(target)
    assert run("check", tmp_path / "海东.xlsx", "--format", "json", "-o", target)[0] == 0
    assert json.loads(target.read_text(encoding="utf-8"))["records"] == 3
    assert debris(tmp_path) == []


def test_atomic_text_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    old = _previous(target)
    with pytest.raises(RuntimeError), outputs.atomic_text(target) as fh:
        fh.write("a,b\n" * 1000)
        raise RuntimeError("a bug halfway")
    assert target.read_bytes() == old
    assert debris(tmp_path) == []


def test_outputs_keep_the_permissions_of_the_file_they_replace(tmp_path: Path) -> None:
    """mkstemp makes owner-only files; an output must not silently become unreadable to colleagues."""
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    with outputs.atomic_text(target) as fh:
        fh.write("new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = tmp_path / "new.csv"
    umask = os.umask(0o022)
    try:
        with outputs.atomic_text(fresh) as fh:
            fh.write("new")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


# ── Outputs that cannot be written: one sentence, exit status 4 ──────────────────────────────────────

def test_output_that_is_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A folder as -o takes the outputs under their default names (issue 13)."""
    write_survey(tmp_path / "海东.xlsx")
    (tmp_path / "结果").mkdir()
    for args in (["classify", tmp_path / "海东.xlsx", "-o", tmp_path / "结果", "--no-ledger"],
                 ["check", tmp_path / "海东.xlsx", "--format", "csv", "-o", tmp_path / "结果"]):
        code, _, err = run_main(monkeypatch, capsys, *args)
        assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "结果").iterdir()) == ["校验结果.csv", "海东_建会判定.xlsx"]
    assert debris(tmp_path) == []


def test_output_folder_not_writable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import tempfile

    write_survey(tmp_path / "海东.xlsx")

    def denied(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    code, _, err = run_main(monkeypatch, capsys, "check", tmp_path / "海东.xlsx", "--format", "csv",
                            "-o", tmp_path / "只读" / "问题.csv")
    assert code == 4
    assert f"无法在“{tmp_path / '只读'}”中写入文件（没有写入权限），请换一个输出位置" in err
    assert "Traceback" not in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_output_folder_read_only_for_real(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    write_survey(tmp_path / "海东.xlsx")
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run_main(monkeypatch, capsys, "classify", tmp_path / "海东.xlsx", "-o", folder / "x.xlsx",
                                "--no-ledger")
    finally:
        folder.chmod(0o700)
    assert code == 4
    assert "没有写入权限" in err


def test_output_open_in_excel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    """On Windows a workbook open in Excel cannot be replaced: the rename fails with PermissionError."""
    write_survey(tmp_path / "海东.xlsx")
    target = tmp_path / "海东_建会判定.xlsx"
    old = _previous(target)
    real = os.replace

    def locked(src: Any, dst: Any) -> None:
        if Path(dst) == target:
            raise PermissionError(errno.EACCES, "The process cannot access the file")
        real(src, dst)

    monkeypatch.setattr(os, "replace", locked)
    code, _, err = run_main(monkeypatch, capsys, "classify", tmp_path / "海东.xlsx", "--no-ledger")
    assert code == 4
    assert err.strip().endswith(f"无法写出 {target}：文件被占用或没有写入权限（是否正在 Excel 中打开？），请关闭后重试")
    assert target.read_bytes() == old
    assert debris(tmp_path) == []


# ── Survey text stays text ───────────────────────────────────────────────────────────────────────────

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","点我")', "+86 138 0000 0000", "@SUM(1)", "-2+3",
                 "=cmd|' /C calc'!A0"]


def _hostile_survey(path: Path) -> Path:
    rows = [(name, None, "西宁市", "城北区", 3, 4, "否") for name in HOSTILE_NAMES]
    rows.append(("乙公司", None, "西宁市", "城北区", "=1+1", 4, "否"))  # a formula-like count: a finding's value
    return write_book(path, {"S": flat_rows(*rows)})


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_survey_text_is_text_in_the_workbook(tmp_path: Path, suffix: str) -> None:
    import openpyxl

    from builders import write_csv

    path = tmp_path / f"名称{suffix}"
    if suffix == ".csv":
        rows = [(name, None, "西宁市", "城北区", 3, 4, "否") for name in HOSTILE_NAMES]
        rows.append(("乙公司", None, "西宁市", "城北区", "=1+1", 4, "否"))
        write_csv(path, flat_rows(*rows), "utf-8")
    else:
        _hostile_survey(path)
    code, _, err = run("classify", path, "-o", tmp_path / "out.xlsx", "--no-ledger")
    assert code == 1, err
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    seen: dict[str, str] = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                    seen[cell.value] = cell.data_type
    for name in HOSTILE_NAMES:
        assert seen.get(name) == "s", name
    assert seen.get("=1+1") == "s"
    assert all(kind == "s" for kind in seen.values()), seen


def test_survey_text_is_neutralised_in_csv(tmp_path: Path) -> None:
    path = _hostile_survey(tmp_path / "名称.xlsx")
    code, out, _ = run("classify", path, "--format", "csv", "--no-ledger")
    assert code == 1
    names = [row["name"] for row in csv.DictReader(io.StringIO(out))]
    assert names == ["'" + mask(n) for n in HOSTILE_NAMES] + ["乙公司"]  # the phone masked (issue 14)
    code, out, _ = run("check", path, "--format", "csv")
    values = [row["value"] for row in csv.DictReader(io.StringIO(out)) if row["code"] == "count-invalid"]
    assert values == ["'=1+1"]
    for line in csv.reader(io.StringIO(out)):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in line), line


def test_csv_written_to_a_file_is_neutralised_too(tmp_path: Path) -> None:
    path = _hostile_survey(tmp_path / "名称.xlsx")
    assert run("classify", path, "--format", "csv", "-o", tmp_path / "判定.csv", "--no-ledger")[0] == 1
    text = (tmp_path / "判定.csv").read_text(encoding="utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_json_keeps_the_text_as_typed(tmp_path: Path) -> None:
    """JSON is not opened by Excel: the names stay exactly as typed there."""
    path = _hostile_survey(tmp_path / "名称.xlsx")
    code, out, _ = run("classify", path, "--format", "json", "--no-ledger")
    assert code == 1
    assert [r["name"] for r in json.loads(out)["records"]] == [*map(mask, HOSTILE_NAMES), "乙公司"]


def test_file_and_sheet_names_are_neutralised_in_csv(tmp_path: Path) -> None:
    """A file named like a formula lands in the file, message and place columns of a CSV report."""
    path = write_book(tmp_path / "=1+1.xlsx", {"@S": flat_grid(FLAT_HEADER, [[*ROW[:4], "约30", 4, "否"]])})
    code, out, _ = run("check", path, "--format", "csv")
    assert code == 0
    for line in list(csv.reader(io.StringIO(out)))[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line), line
