"""One guard for every output (issues 13 and 14): own outputs known by content and never read back, nothing
clobbered without --force, the format from -o's extension, no output over an input, the ledger or another
output, per-input workbooks each beside its own input, and no debris or noise when a write fails."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from builders import ROWS, write_survey
from qhunion import cli as cli_module
from qhunion import shell

QHUNION = [sys.executable, "-m", "qhunion"]
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`qhunion ARGS` through cli.main() in the test's folder, as users run it: an escaped OutputError is
    a sentence and exit status 4 there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QHUNION_DB", raising=False)
    monkeypatch.setitem(shell._state, "debug", False)

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["qhunion", *args])
        with pytest.raises(SystemExit) as caught:
            cli_module.main()
        out, err = capsys.readouterr()
        code = caught.value.code
        return code if isinstance(code, int) else 0, out, err

    return run


def sh(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*QHUNION, *args], cwd=folder, capture_output=True, text=True, timeout=120)


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_the_readme_batch_loop_twice_is_the_same_as_once(tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    write_survey(surveys / "城北区.xlsx")
    write_survey(surveys / "城西区.xlsx", rows=ROWS[:3])
    loop = 'for f in surveys/*.xlsx; do qhunion classify "$f" --round 2018-04; done'
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(["bash", "-c", loop], cwd=tmp_path, env=env, capture_output=True, timeout=300, check=False)
    once = (listing(tmp_path), json.loads(sh(tmp_path, "ledger", "list", "-f", "json").stdout))
    second = subprocess.run(["bash", "-c", loop], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert "_建会判定_建会判定" not in second.stderr and "已跳过" in second.stderr
    assert (listing(tmp_path), json.loads(sh(tmp_path, "ledger", "list", "-f", "json").stdout)) == once


def test_own_outputs_are_known_by_content_not_name(tmp_path: Path, cli: Cli) -> None:
    write_survey(tmp_path / "a.xlsx")
    assert cli("classify", "a.xlsx", "-o", "结果.xlsx", "--no-ledger")[0] in (0, 1)
    write_survey(tmp_path / "b_建会判定.xlsx")  # a survey someone named so: read
    _, _, err = cli("check", ".", "-f", "json")
    assert "已跳过 结果.xlsx" in err and "b_建会判定.xlsx" not in err
    _, _, err = cli("check", "结果.xlsx")  # named explicitly: skipped too
    assert "已跳过 结果.xlsx" in err


def test_template_never_replaces_a_filled_survey(tmp_path: Path, cli: Cli) -> None:
    survey = tmp_path / "survey.xlsx"
    write_survey(survey)
    before = survey.read_bytes()
    code, _, err = cli("template", "-o", "survey.xlsx")
    assert code == 4 and "--force" in err and survey.read_bytes() == before
    assert cli("template", "-o", "t.xlsx")[0] == 0
    assert cli("template", "-o", "t.xlsx")[0] == 0  # its own blank template may be written again
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    book.worksheets[0]["B5"] = "西宁顺达物流有限公司"  # filled in (openpyxl keeps the custom property)
    book.save(tmp_path / "t.xlsx")
    assert cli("template", "-o", "t.xlsx")[0] == 4
    assert cli("template", "-o", "t.csv")[0] == 2


@pytest.mark.parametrize(("args", "status"), [
    (("summary", "s.xlsx", "-o", "s.xlsx"), 4),
    (("check", "a.csv", "-f", "csv", "-o", "a.csv"), 4),
    (("classify", "b.csv", "-f", "json", "-o", "b.csv", "--no-ledger"), 2),  # the format clash is said first
    (("classify", "b.csv", "-o", "b.csv", "--no-ledger"), 4),
    (("classify", "c.csv", "-f", "csv", "-o", "qhunion.db"), 4),
    (("classify", "c.csv", "-f", "csv", "-o", "qhunion.db", "--force", "--no-ledger"), 4),
    (("classify", "s.xlsx", "-o", "s.xlsx", "--force", "--no-ledger"), 4),
])
def test_outputs_never_overwrite_an_input_or_the_ledger(tmp_path: Path, cli: Cli, args: tuple[str, ...],
                                                        status: int) -> None:
    write_survey(tmp_path / "s.xlsx")
    for name in ("a.csv", "b.csv", "c.csv"):
        write_survey(tmp_path / name)
    cli("classify", "s.xlsx")  # the ledger, qhunion.db
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code, _, err = cli(*args)
    assert code == status and ("不能覆盖" in err or status == 2), err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_foreign_files_need_force(tmp_path: Path, cli: Cli) -> None:
    write_survey(tmp_path / "s.xlsx")
    (tmp_path / "notes.csv").write_text("my own notes\n", encoding="utf-8")
    code, _, err = cli("check", "s.xlsx", "-o", "notes.csv")
    assert code == 4 and "--force" in err
    assert (tmp_path / "notes.csv").read_text(encoding="utf-8") == "my own notes\n"
    assert cli("check", "s.xlsx", "-o", "notes.csv")[0] == 4
    assert cli("check", "s.xlsx", "-o", "notes.csv", "--force")[0] == 0
    assert cli("check", "s.xlsx", "-o", "notes.csv")[0] == 0  # now ours: its header line says so


@pytest.mark.parametrize(("args", "status", "written"), [
    (("classify", "s.xlsx", "-o", "out.csv", "--no-ledger"), None, "out.csv"),
    (("check", "s.xlsx", "-o", "a.csv"), None, "a.csv"),
    (("classify", "s.xlsx", "-o", "outdir/", "--no-ledger"), None, "outdir/s_建会判定.xlsx"),
    (("classify", "s.xlsx", "-f", "csv", "-o", "x.json", "--no-ledger"), 2, None),
    (("classify", "s.xlsx", "-o", "x.txt", "--no-ledger"), 2, None),
    (("rules", "-f", "csv", "-o", "r.csv"), 0, "r.csv"),
    (("rules", "-o", "r.json"), 0, "r.json"),
])
def test_format_follows_the_extension(tmp_path: Path, cli: Cli, args: tuple[str, ...], status: int | None,
                                      written: str | None) -> None:
    write_survey(tmp_path / "s.xlsx")
    code, _, err = cli(*args)
    if status is not None:
        assert code == status, err
    if written is None:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["s.xlsx"]
        return
    target = tmp_path / written
    head = target.read_bytes()[:4]
    assert (head == b"PK\x03\x04") == written.endswith(".xlsx")
    if written.endswith(".json"):
        assert json.loads(target.read_text(encoding="utf-8"))["qhunion-output"]


def test_ledger_verify_and_rules_csv_are_csv(tmp_path: Path, cli: Cli) -> None:
    write_survey(tmp_path / "s.xlsx")
    cli("classify", "s.xlsx")
    code, out, _ = cli("ledger", "verify", "-f", "csv")
    assert code == 0 and out.splitlines()[0] == "check,label,ok,detail"
    code, out, _ = cli("rules", "-f", "csv")
    assert code == 0 and out.splitlines()[0] == "section,row,column,value"


def test_same_stem_inputs_get_their_own_workbooks(tmp_path: Path, cli: Cli) -> None:
    write_survey(tmp_path / "a.xlsx")
    write_survey(tmp_path / "a.csv", ROWS[:3])
    _, _, err = cli("classify", "a.csv", "a.xlsx", "--no-ledger")
    assert "a（csv）_建会判定.xlsx" in err
    assert rows_of(tmp_path / "a_建会判定.xlsx") == ("a.xlsx", len(ROWS))
    assert rows_of(tmp_path / "a（csv）_建会判定.xlsx") == ("a.csv", 3)


def test_same_name_in_two_folders_each_beside_its_own(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    write_survey(tmp_path / "d1" / "s.xlsx", rows=ROWS[:1])
    write_survey(tmp_path / "d2" / "s.xlsx")
    cli("classify", "d1/s.xlsx", "d2/s.xlsx", "--no-ledger")
    both = rows_of(tmp_path / "d1" / "s_建会判定.xlsx"), rows_of(tmp_path / "d2" / "s_建会判定.xlsx")
    cli("classify", "d1/s.xlsx", "-o", "d1.xlsx", "--no-ledger")
    cli("classify", "d2/s.xlsx", "-o", "d2.xlsx", "--no-ledger")
    assert both == (rows_of(tmp_path / "d1.xlsx"), rows_of(tmp_path / "d2.xlsx"))
    assert both[0][1] < both[1][1]


def rows_of(workbook: Path) -> tuple[str, int]:
    """The source file named on the annotated workbook's 判定结果 sheet (one only), and its number of rows."""
    ws = openpyxl.load_workbook(workbook, read_only=True)["判定结果"]
    rows = [r for r in list(ws.iter_rows(values_only=True))[1:] if r[0]]
    (source,) = {r[0] for r in rows}
    return source, len(rows)


@pytest.mark.parametrize("target", ["device", "fifo"])
def test_targets_that_are_not_files(tmp_path: Path, cli: Cli, target: str) -> None:
    """A device (a copy of /dev/null's node: the real one must never be at stake in a test — as root, a
    rename over it replaces the device) or a FIFO is refused; only “-” means standard output."""
    import stat

    write_survey(tmp_path / "s.xlsx")
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
    elif os.geteuid() == 0:
        os.mknod(tmp_path / "device", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    else:
        pytest.skip("making a device node needs root")
    code, _, err = cli("check", "s.xlsx", "-f", "csv", "-o", target)
    assert code == 4 and "不是普通文件" in err
    assert not stat.S_ISREG((tmp_path / target).stat().st_mode)
    assert cli("check", "s.xlsx", "-f", "csv", "-o", "-")[0] == 0


def test_over_long_output_name(tmp_path: Path, cli: Cli) -> None:
    name = "青" * 80 + ".csv"
    write_survey(tmp_path / name)
    code, _, err = cli("classify", name, "--no-ledger")
    assert code == 4 and "文件名过长" in err


def test_two_identical_files_are_named_rightly(tmp_path: Path, cli: Cli) -> None:
    write_survey(tmp_path / "a.xlsx")
    (tmp_path / "b.xlsx").write_bytes((tmp_path / "a.xlsx").read_bytes())
    cli("classify", "a.xlsx", "--no-workbook")
    _, _, err = cli("classify", "b.xlsx", "--no-workbook")
    assert err.strip().splitlines()[-1].startswith("b.xlsx 与账本")


def test_disk_full_while_writing_says_one_sentence(tmp_path: Path) -> None:
    """A file-size limit stands in for a full disk: writes fail with EFBIG, as they would with ENOSPC."""
    write_survey(tmp_path / "s.xlsx", rows=ROWS * 40)
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000)); "
            "sys.argv = ['qhunion', 'classify', 's.xlsx', '--no-ledger']; "
            "from qhunion.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4, done.stderr
    assert "Exception ignored" not in done.stderr and "Traceback" not in done.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_terminated_write_leaves_no_temporary_file(tmp_path: Path, sig: int) -> None:
    write_survey(tmp_path / "s.xlsx", rows=ROWS * 3000)
    proc = subprocess.Popen([*QHUNION, "classify", "s.xlsx", "--no-ledger"], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.startswith(".~") for p in tmp_path.iterdir()):
            break
        time.sleep(0.01)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]
