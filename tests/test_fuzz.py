"""Fuzzing the reader (issue 6): whatever the headers, values, encodings, layouts or damage, reading never
raises an unhandled exception — a file is read, or it is one sentence in `Survey.unreadable` — and `check`
exits 0, 1 or 3, never with a traceback.

Bounded: each property runs at most 25 examples without deadline; the mutation test runs 50 seeded mutants
per format in-process plus a few through `python -m qhunion`; hand-made XML runs in a child process held to
3 GB of address space, so that a regression letting calamine allocate a huge grid fails the test instead of
the machine.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import (
    Formula,
    Grid,
    inline,
    mutants,
    number,
    raw_xlsx,
    sheet_xml,
    write_book,
    write_csv,
    write_survey,
    xml_row,
)
from qhunion import columns, fields
from qhunion.decide.ruleset import load
from qhunion.pipeline import decide_survey
from qhunion.recognise.headers import specs
from qhunion.recognise.intake import read_survey
from qhunion.render import tables
from rule_cases.surveys import run

FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SPELLINGS = sorted({s for f in fields.FIELDS for s in (f.label, *specs()[f.id].names)})
ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
NASTY = ["", " ", "/", "无", "约30", "二十五", "25人", "=1+1", "#REF!", "#DIV/0!", "是", "否", "√", "\x07",
         "西宁市", "城北区", "格尔木", "海东", "合计", "填表说明：", "9" * 400, "(" * 300, "\u3000", "１２",
         "91630105MA752XK0A1", "-3", "1e999", "NaN", "2018-04-25", "\r\n", '"', ",", "\t"]

texts = st.one_of(st.sampled_from(NASTY), st.sampled_from(SPELLINGS), st.text(ALPHABET, max_size=40))
numbers = st.one_of(st.integers(-10**6, 10**12), st.floats(allow_nan=False, allow_infinity=False, width=32))
cells = st.one_of(st.none(), texts, numbers)


@st.composite
def grids(draw: st.DrawFn, formulas: bool = True, max_columns: int = 14) -> Grid:
    """A sheet laid out anyhow: blank rows and columns before it, maybe a title, a header of known and
    unknown spellings (sometimes over two rows), rows of anything."""
    width = draw(st.integers(1, max_columns))
    lead = draw(st.integers(0, 3))
    pad = [None] * draw(st.integers(0, 3))
    rows: list[list[Any]] = [[None] for _ in range(lead)]
    if draw(st.booleans()):
        rows.append([*pad, draw(texts)])
    header = draw(st.lists(st.one_of(st.sampled_from(SPELLINGS), texts, st.none()), min_size=width, max_size=width))
    rows.append([*pad, *header])
    if draw(st.booleans()):
        rows.append([*pad, *draw(st.lists(st.one_of(st.sampled_from(SPELLINGS), st.none()), min_size=width,
                                          max_size=width))])
    for _ in range(draw(st.integers(0, 8))):
        row = draw(st.lists(cells, min_size=0, max_size=width + 2))
        if formulas and row and draw(st.booleans()):
            row[0] = Formula("1/0", draw(st.sampled_from(["#DIV/0!", "#REF!", 3, "x"])))
        rows.append([*pad, *row])
    return Grid(rows)


def read_everything(path: Path) -> None:
    """Read, decide and render, as `check` and `classify` do; nothing may raise."""
    survey = read_survey([path])
    data = tables.check_data(survey)
    tables.to_json(data)
    tables.to_csv(data["issues"], columns.ISSUE_COLUMNS)
    result = decide_survey(survey, load(None))
    tables.to_csv(tables.classify_rows(result), columns.DECISION_COLUMNS)
    json.loads("".join(tables.classify_json_lines(result)))  # what `classify -f json` writes
    for u in survey.unreadable:
        assert u.reason and "Traceback" not in u.reason


def _safe_for_xml(grid: Grid) -> Grid:
    """odfpy writes control characters into its XML as they are (then nobody can read the file: fine, but
    not what these properties are about)."""
    from qhunion.normalise.text import strip_control

    return Grid([[strip_control(c) if isinstance(c, str) else c for c in row] for row in grid.rows])


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
@FUZZ
@given(grid=grids())
def test_any_workbook_is_read_without_an_unhandled_exception(suffix: str, grid: Grid) -> None:
    if suffix == ".xls":
        grid = Grid([[c[:30000] if isinstance(c, str) else c for c in row[:250]] for row in grid.rows])
    if suffix == ".ods":
        grid = _safe_for_xml(grid)
    with tempfile.TemporaryDirectory() as folder:
        path = write_book(Path(folder) / f"f{suffix}", {"S": grid, "其他": Grid([["说明"]])})
        read_everything(path)


@FUZZ
@given(grid=grids(formulas=False), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16",
                                                             "utf-16-le", "utf-16-be", "big5", "latin-1"]),
       delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_any_csv_is_read_without_an_unhandled_exception(grid: Grid, encoding: str, delimiter: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        try:
            write_csv(path, grid, encoding, delimiter)
        except UnicodeEncodeError:
            write_csv(path, grid, "utf-8", delimiter)
        read_everything(path)


# ── Hand-made sheet XML, in a child process held to 3 GB ─────────────────────────────────────────────

def _random_sheet(rng: random.Random) -> str:
    """Cells anywhere (mostly near, in some sheets past Excel's edges), written in every form calamine
    accepts, of every type: errors, formulas with and without results, inf and NaN, cells without r, r
    given twice; in some sheets also what calamine refuses (a boolean 7, a shared string that is not there,
    a dimension that is not a range)."""
    extreme = rng.random() < 0.3  # reach for Excel's edges and past them
    risky = rng.random() < 0.3  # include cells calamine refuses

    def ref() -> str:
        column = rng.choice([1, 2, 3, 7, 26, 27, 16384, 16385, 18278])
        row = rng.choice([1, 2, 3, 9, 40, 1048576, 1048577, 99999999999])
        if not extreme or rng.random() < 0.8:
            column, row = rng.randint(1, 12), rng.randint(2, 30)
        letters = ""
        while column:
            column, rem = divmod(column - 1, 26)
            letters = chr(65 + rem) + letters
        text = f"{letters}{row}"
        forms = [text, text, text, text.lower(), letters + "0" + str(row)] + ([" " + text] if risky else [])
        return rng.choice(forms)

    kinds = [
        lambda r: inline(r, rng.choice(["企业名称", "职工人数", "县（市、区）", "甲公司", "城北区", "x"])),
        lambda r: number(r, rng.choice(["3", "1e999", "NaN", "-inf", "", "4.5", "30"])),
        lambda r: f'<c r="{r}" t="e"><v>{rng.choice(["#REF!", "#DIV/0!", "#N/A"])}</v></c>',
        lambda r: f'<c r="{r}"><f>SUM(A1:A3)</f></c>',
        lambda r: f'<c r="{r}" t="str"><f>A1</f><v></v></c>',
        lambda r: f'<c r="{r}" t="b"><v>{rng.choice(["0", "1"])}</v></c>',
        lambda r: f'<c r="{r}" t="s"><v>{rng.choice(["0", "1"])}</v></c>',
        lambda r: f"<c><v>{rng.randint(0, 9)}</v></c>",
        lambda r: f'<c r="{r}" r="{ref()}"><v>1</v></c>',
        lambda r: f'<x:c xmlns:x="urn:x" r="{r}"><x:v>1</x:v></x:c>',
    ]
    if risky:
        kinds += [lambda r: f'<c r="{r}" t="b"><v>7</v></c>', lambda r: f'<c r="{r}" t="s"><v>5</v></c>',
                  lambda r: number(r, "abc"), lambda r: f'<c r="{r}" t="e"><v>#BOGUS</v></c>']
    header = "".join(inline(f"{c}1", t) for c, t in zip("ABCD", ("企业名称", "县（市、区）", "职工人数", "实际拥有车辆数"),
                                                          strict=True))
    rows = [xml_row(1, header)]
    for n in range(1, rng.randint(2, 12)):
        number_ = rng.choice([n + 1, n + 1, n + 1, rng.randint(2, 40), 1048576 if extreme else n + 1])
        cells = inline(f"A{number_}", "甲公司") + "".join(rng.choice(kinds)(ref()) for _ in range(rng.randint(0, 8)))
        rows.append(xml_row(number_, cells) if rng.random() < 0.9 else f"<row>{cells}</row>")
    dimension = rng.choice([None, "A1", "A1:XFD1048576", "B2:C3", "garbage" if risky else None])
    return sheet_xml("".join(rows), dimension=dimension)


def test_hand_made_sheet_xml_never_escapes_or_exhausts_memory(tmp_path: Path) -> None:
    rng = random.Random(2018_04_25)
    paths = []
    for i in range(60):
        paths.append(raw_xlsx(tmp_path / f"{i}.xlsx", {"S": _random_sheet(rng), "T": _random_sheet(rng)},
                              '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                              "<si><t>企业名称</t></si><si><t>甲公司</t></si></sst>"))
    script = (
        "import json, sys\n"
        "from qhunion.recognise.intake import read_survey\n"
        "out = []\n"
        "for p in sys.argv[1:]:\n"
        "    s = read_survey([p])\n"
        "    out.append([len(s.records), [u.reason for u in s.unreadable]])\n"
        "print(json.dumps(out, ensure_ascii=False))\n")

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))

    done = subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True, timeout=120,
                          preexec_fn=limit, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    results = json.loads(done.stdout)
    assert len(results) == len(paths)
    reasons = {r for _, unreadable in results for r in unreadable}
    assert any("超出 Excel 行列范围" in r or "数据区域达" in r for r in reasons)  # the far cells were refused
    assert sum(1 for _, unreadable in results if not unreadable) >= 5  # and the others were read
    assert sum(records for records, _ in results) > 0


# ── Byte-level mutation of valid files ───────────────────────────────────────────────────────────────

def _fixture(folder: Path, suffix: str) -> Path:
    path = folder / f"原{suffix}"
    write_survey(path, instructions=suffix != ".csv")
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".csv"])
def test_damaged_files_exit_0_1_or_3_without_a_traceback(tmp_path: Path, suffix: str) -> None:
    original = _fixture(tmp_path, suffix).read_bytes()
    seen: dict[int, int] = {}
    for n, data in enumerate(mutants(original, 50, seed=zlib.crc32(suffix.encode()))):
        path = tmp_path / f"m{n}{suffix}"
        path.write_bytes(data)
        status, out, err = run("check", path, "--format", "json")
        assert status in (0, 1, 3), (n, status, err)
        assert "Traceback" not in out + err
        json.loads(out)
        seen[status] = seen.get(status, 0) + 1
    assert 3 in seen or suffix == ".csv"  # most damage to a zip or OLE file is noticed


def test_damaged_files_through_the_entry_point(tmp_path: Path) -> None:
    """CliRunner calls the app directly; `python -m qhunion` goes through cli.main(), as users run it."""
    paths = []
    for suffix in (".xlsx", ".xls", ".ods", ".csv"):
        original = _fixture(tmp_path, suffix).read_bytes()
        for n, data in enumerate(mutants(original, 3, seed=11)):
            path = tmp_path / f"e{n}{suffix}"
            path.write_bytes(data)
            paths.append(path)
    done = subprocess.run([sys.executable, "-m", "qhunion", "check", *map(str, paths)], capture_output=True,
                          timeout=120, check=False)
    text = (done.stdout + done.stderr).decode("utf-8")
    assert done.returncode in (0, 1, 3), text
    assert "Traceback" not in text


def test_dates_in_fuzzed_workbooks(tmp_path: Path) -> None:
    """Typed dates, times and durations anywhere in a sheet — header rows included."""
    import xlsxwriter

    rng = random.Random(7)
    path = tmp_path / "日期.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("S")
    fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for c, text in enumerate(("企业名称", "县（市、区）", "职工人数", "实际拥有车辆数", "是否已建工会")):
        ws.write_string(2, c, text)
    for r in range(40):
        for c in range(6):
            if rng.random() < 0.4:
                ws.write_datetime(r, c, dt.datetime(2018, 1, 1) + dt.timedelta(days=rng.randint(-40000, 40000),
                                                                             minutes=rng.randint(0, 1440)), fmt)
    book.close()
    read_everything(path)
