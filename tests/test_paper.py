"""Issue 13, “screens and paper”: workbooks that print (landscape, fit to width, header rows on every page,
print areas, widths from content, wrapped reasons, distinct colours, local dates), the summary workbook's
target line, terminal tables at 80 and 140 columns and in pipes, and progress on long runs."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from qhunion import timing
from qhunion.render import console
from qhunion.textwidth import text_width, tokens, wrap
from qhunion.xlsx.styles import DECISION_COLOURS, DONE, HEADER, TO_ACT
from rule_cases.surveys import examples, run, standard_rows, write_survey

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "survey.xlsx"


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("paper")
    source = write_survey(folder / "城北区调查表.xlsx", standard_rows())
    target = folder / "判定.xlsx"
    status, _, err = run("classify", source, "-o", target, "--no-ledger")
    assert status in (0, 1), err
    return openpyxl.load_workbook(target)


def test_every_sheet_prints_landscape_one_page_wide_with_its_header(book: Any) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title  # as many pages long as needed
        assert ws.print_area, ws.title
        if ws.title != "判定依据":  # sections with headers of their own
            assert ws.print_title_rows == "$1:$1", ws.title
    decisions = book["判定结果"]
    # 30-odd columns: a few pages across, each with the columns up to the enterprise's name.
    assert 1 < decisions.page_setup.fitToWidth <= 4
    assert decisions.print_title_cols == f"$A:${_before(decisions)}"
    for name in ("建会方案", "汇总", "数据问题"):
        assert book[name].page_setup.fitToWidth in (None, 1), name


def _before(ws: Any) -> str:
    """The column left of the frozen pane's first free column."""
    col = openpyxl.utils.column_index_from_string(re.match(r"[A-Z]+", ws.freeze_panes).group(0))  # type: ignore[union-attr]
    return openpyxl.utils.get_column_letter(col - 1)


def test_widths_show_credit_codes_whole_and_reasons_wrap(book: Any) -> None:
    ws = book["判定结果"]
    header = [c.value for c in ws[1]]
    width = {h: ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width for i, h in enumerate(header)}
    assert width["统一社会信用代码"] >= 19  # 18 characters, whole
    assert width["是否已建工会"] < width["企业名称"]
    reason = ws.cell(2, header.index("判定理由") + 1)
    assert reason.alignment.wrap_text and width["判定理由"] >= 40
    assert not ws.cell(2, header.index("判定") + 1).alignment.wrap_text


def test_to_act_and_done_are_told_apart() -> None:
    act = {DECISION_COLOURS[c] for c in TO_ACT}
    done = {DECISION_COLOURS[c] for c in DONE}
    assert not act & done and len(set(DECISION_COLOURS.values())) == len(DECISION_COLOURS)
    greens = {c for c, v in DECISION_COLOURS.items() if _hue(v) == "green"}
    assert greens == DONE  # before: 单独建会 and 已建会 both pale green


def _hue(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "green" if g > r and g > b else "other"


def test_dates_in_the_sheets_are_local_not_iso(book: Any) -> None:
    rules = book["判定依据"]
    dates = [c for row in rules.iter_rows() for c in row if hasattr(c.value, "year")]
    assert dates and all("年" in c.number_format for c in dates)
    assert not [c.value for row in rules.iter_rows() for c in row
                if isinstance(c.value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", c.value)]


def test_summary_workbook_draws_the_target_line_from_visible_cells(tmp_path: Path) -> None:
    """LibreOffice (and Excel, WPS by default) leave hidden cells out of a chart: the target was in one."""
    source = write_survey(tmp_path / "城北区调查表.xlsx", standard_rows())
    out = tmp_path / "汇总.xlsx"
    status, _, err = run("summary", source, "-f", "xlsx", "-o", out)
    assert status == 0, err
    ws = openpyxl.load_workbook(out)["汇总"]
    header = [c.value for c in ws[1]]
    target = next(i for i, h in enumerate(header) if h and str(h).startswith("农民工入会率目标")) + 1
    letter = openpyxl.utils.get_column_letter(target)
    assert not ws.column_dimensions[letter].hidden
    values = [ws.cell(r, target).value for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value]
    assert values and set(values) == {0.6}
    with zipfile.ZipFile(out) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart and f"${letter}$2" in chart
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    about = openpyxl.load_workbook(out)["说明"]
    when = next(row[1] for row in about.iter_rows() if row[0].value == "生成时间")
    assert hasattr(when.value, "year") and "年" in when.number_format
    assert next(row[1].value for row in about.iter_rows() if row[0].value == "分组") != "county"


def test_the_three_workbooks_share_one_header_style(book: Any, tmp_path: Path) -> None:
    """The annotated workbook, the summary workbook and the template are written with one set of styles
    (`xlsx.styles`): their header cells look alike."""
    source = write_survey(tmp_path / "城北区调查表.xlsx", standard_rows())
    summary, template = tmp_path / "汇总.xlsx", tmp_path / "模板.xlsx"
    for args in (["summary", str(source), "-f", "xlsx", "-o", str(summary)], ["template", "-o", str(template)]):
        status, _, err = run(*args)
        assert status == 0, err
    heads = [book["判定结果"].cell(1, 1), openpyxl.load_workbook(summary)["汇总"].cell(1, 1),
             openpyxl.load_workbook(template).worksheets[0].cell(1, 1)]
    assert {h.fill.fgColor.rgb for h in heads} == {"FF" + HEADER.lstrip("#")}
    assert all(h.font.b and h.alignment.wrap_text for h in heads)


# ── terminal tables ──────────────────────────────────────────────────────────────────────────────────
def _render(width: int, *args: str) -> str:
    from qhunion.decide.ruleset import packaged
    from qhunion.summary import summarize_files

    s, _ = summarize_files([str(EXAMPLE)], packaged(), None, None, None)
    buf = io.StringIO()
    from qhunion.render.ledgerviews import print_summary

    print_summary(s, packaged(), Console(file=buf, width=width, highlight=False, soft_wrap=True))
    return buf.getvalue()


@pytest.mark.parametrize("width", [80, 140])
def test_summary_at_80_and_140_columns(width: int) -> None:
    text = _render(width)
    table_lines = [ln for ln in text.splitlines() if not ln.startswith(("青海省", "建会率", "注", "（终端"))]
    assert all(text_width(ln.rstrip()) <= width for ln in table_lines), width
    assert not re.search(r"\d\s*\n\s*%", text)  # “100.0” / “%”
    # No header is a stack of single characters: each header line holds two characters at least.
    head = text.split("建会情况\n")[1].split("市（州）")[0]
    for line in head.splitlines():
        for cell in line.split():
            assert text_width(cell) >= 2 or cell in ("—",), cell
    if width == 80:
        assert "未显示" in text  # what was left out is said
    assert "建会率" in text and "入会率" in text


def test_classify_tables_in_a_pipe_follow_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for width in (80, 140):
        monkeypatch.setenv("COLUMNS", str(width))
        out = run("classify", EXAMPLE, "--no-ledger", "-o", tmp_path / "a.xlsx")[1]
        lines = out.splitlines()[1:]
        widest = max(text_width(ln.rstrip()) for ln in lines if not ln.startswith(("共", "……")))
        assert widest <= width and (width == 80 or widest > 100), (width, widest)
        assert "〔2018〕19号" in out  # never split inside the citation


@settings(max_examples=examples(60), deadline=None)
@given(st.text(alphabet="青总办〔2018〕19号 三（二）职工人数≥25100.0%→，。单独建会abc", max_size=80),
       st.integers(6, 40))
def test_wrap_keeps_tokens_and_text(text: str, width: int) -> None:
    wrapped = wrap(text, width)
    assert wrapped.replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(" ", "")
    for line in wrapped.splitlines():
        assert text_width(line) <= width or len(tokens(line)) == 1
    assert "〔2018〕19号" in wrapped if "〔2018〕19号" in text else True


def test_pipe_width_honours_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    assert console.pipe_width() == 80 and console.out().width == 80
    monkeypatch.setenv("COLUMNS", "junk")
    assert console.pipe_width() == console.PIPE_WIDTH
    monkeypatch.delenv("COLUMNS")
    assert console.pipe_width() == console.PIPE_WIDTH


# ── progress ─────────────────────────────────────────────────────────────────────────────────────────
def test_progress_is_silent_when_piped_or_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    with console.run_progress() as tracker:  # stderr is not a terminal here
        tracker.file("a.xlsx", "S")
        tracker.rows(1000)
    assert type(tracker) is timing.Tracker
    console.set_quiet(True)
    try:
        with console.run_progress(force=True) as tracker:
            tracker.rows(1000)
        assert type(tracker) is timing.Tracker
    finally:
        console.set_quiet(False)
    assert capsys.readouterr().err == ""


def test_progress_ticks_cost_under_one_percent_of_a_100000_row_read() -> None:
    """A tick per 1,000 rows of 100,000: 100 updates of a live bar, against the ~6 s such a read takes."""
    with console.run_progress(force=True) as tracker:
        assert type(tracker) is not timing.Tracker
        tracker.file("survey_100000.xlsx", "物流企业调查表")
        tracker.phase("读取")
        start = time.perf_counter()
        for n in range(0, 100_000, timing.TICK):
            tracker.rows(n)
        spent = time.perf_counter() - start
    assert spent < 0.01 * 6.0, spent


def test_reading_and_deciding_tick_the_progress(tmp_path: Path) -> None:
    """The core ticks whatever tracker the run has: file and sheet, rows every TICK, the phases."""
    from qhunion.decide.ruleset import load
    from qhunion.pipeline import run

    class Seen(timing.Tracker):
        def __init__(self) -> None:
            self.files: list[tuple[str, str]] = []
            self.counts: list[int] = []
            self.phases: list[str] = []

        def file(self, name: str, sheet: str = "") -> None:
            self.files.append((name, sheet))

        def rows(self, count: int) -> None:
            self.counts.append(count)

        def phase(self, name: str) -> None:
            self.phases.append(name)

    path = tmp_path / "城北区.csv"
    path.write_text("企业名称,县（市、区）,职工人数\n" + "".join(f"企业{i},城北区,3\n" for i in range(2500)), "utf-8")
    seen = Seen()
    with timing.tracking(seen):
        run([path], load(), keep_cells=False)
    assert seen.files == [("城北区.csv", "城北区")]
    assert seen.counts == [1000, 2000]
    assert seen.phases[:2] == ["读取", "判定"]
