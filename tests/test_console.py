"""Output on a Chinese Windows console (GBK / cp936), a pipe or a file (issue 2, item 1): readable tables, no
character GBK lacks, never a crash."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from builders import flat_rows, write_survey, write_xlsx
from qhunion.render import console


class _Broken(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError

    def flush(self) -> None:
        raise BrokenPipeError


def _gbk_stream() -> tuple[io.BytesIO, io.TextIOWrapper]:
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding="gbk", errors="strict", newline="")


def test_safe_stream_maps_and_replaces_what_gbk_lacks() -> None:
    raw, text = _gbk_stream()
    safe = console.SafeStream(text)
    safe.write("海东.xlsx › 物流企业 ✓ ✗ • 车队🚚 …\n")
    safe.flush()
    assert raw.getvalue().decode("gbk") == "海东.xlsx > 物流企业 √ × · 车队? …\n"


def test_safe_stream_leaves_utf8_alone() -> None:
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8")
    console.SafeStream(text).write("› 🚚")
    text.flush()
    assert raw.getvalue().decode("utf-8") == "› 🚚"


def test_closed_pipe_is_not_an_error() -> None:
    safe = console.SafeStream(_Broken())
    assert safe.write("共 3 条记录") == len("共 3 条记录")
    safe.flush()


def test_rich_console_off_a_terminal_is_wide_and_gbk_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    raw, text = _gbk_stream()
    monkeypatch.setattr(sys, "stdout", text)
    out = console.out()
    assert out.width == 140
    out.print("a.xlsx › S › 第 2 行 B 列（企业名称）：“🚚物流”")
    text.flush()
    assert raw.getvalue().decode("gbk").strip() == "a.xlsx > S > 第 2 行 B 列（企业名称）：“?物流”"


def test_progress_is_silent_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with console.run_progress() as progress:
        progress.file("城北区.xlsx", "调查表")
        progress.rows(1000)
    assert err.getvalue() == ""


def _check(*args: str | Path, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    env.pop("PYTHONUTF8", None)
    return subprocess.run([sys.executable, "-m", "qhunion", "check", *map(str, args)], capture_output=True,
                          env=env, timeout=60, check=False)


def test_check_on_a_gbk_console(tmp_path: Path) -> None:
    write_survey(tmp_path / "海东.xlsx", instructions=True)
    write_xlsx(tmp_path / "海西.xlsx", {"S": flat_rows(("昆仑🚚货运", None, "海西州", "格尔木🚚", 3, 4, "否"))})
    done = _check(tmp_path / "海东.xlsx", tmp_path / "海西.xlsx", encoding="gbk")
    out, err = done.stdout.decode("gbk"), done.stderr.decode("gbk")  # strict: every byte is GBK
    assert "Traceback" not in out + err
    assert "海东.xlsx > 物流企业：表头在第 3、4 行，读到 3 条记录" in out
    assert "G   自有货车（辆）    实际拥有车辆数" in out
    assert "“格尔木?”不是青海省的市（州）或县（市、区）" in out
    assert "共 4 条记录" in out
    assert "›" not in out


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_json_and_csv_on_a_gbk_console(tmp_path: Path, fmt: str) -> None:
    write_xlsx(tmp_path / "海西.xlsx", {"S": flat_rows(("昆仑货运", None, "海东市", "格尔木", 3, 4, "否"))})
    done = _check(tmp_path / "海西.xlsx", "--format", fmt, encoding="gbk")
    out = done.stdout.decode("gbk")
    assert "格尔木市属于海西蒙古族藏族自治州" in out
    assert "海西.xlsx > S > 第 2 行" in out


def test_ascii_console_does_not_crash(tmp_path: Path) -> None:
    write_survey(tmp_path / "s.xlsx")
    done = _check(tmp_path / "s.xlsx", encoding="ascii")
    assert b"Traceback" not in done.stdout + done.stderr
    assert done.stdout.decode("ascii").count("?") > 10
