"""Generate a large synthetic survey to measure how qhunion copes with size.

    python benchmarks/generate.py --rows 100000 [--seed 2018] [--format xlsx|csv|both] [-o bench-out]

Writes ``survey_<rows>.xlsx`` and/or ``survey_<rows>.csv`` into the output directory and prints the time
each took. Rows come from ``examples/make_survey.py`` (``iter_enterprises``): a realistic mix of regions,
entity types and sizes, with about ``--messy`` (default 3%) rows carrying one of the example's problems
("25人", "２０", "约30", "二十五", "无", "/", a blank 职工人数, a former, 行委 or short county name, a wrong
市（州）, a credit code with a wrong check character or registered in another county, a repeated row).

Layouts:

- xlsx: the example's layout (title, 填报单位, two-row merged header, data, 合计 with cached SUMs,
  footnote, hidden 填表说明 sheet), written in xlsxwriter's constant_memory mode so memory stays flat
  (about 27 MB resident at a million rows); data cells have no borders, to save time.
  One sheet holds 1,048,570 data rows (Excel's 1,048,576 minus 4 header and 2 footer rows); more rows
  continue on "物流企业调查表(2)", … with the same header. So --rows 1048575 gives a full first sheet
  and 5 rows on a second.
- csv: what Excel's 另存为 CSV makes of that sheet: GBK without BOM, CRLF, the title and 填报单位 lines,
  then the two header rows unmerged (a merged cell's text in its top-left cell, blanks elsewhere, so
  "车辆情况" stands over 登记车辆数 and the cell over 实际拥有车辆数 is empty; single columns have their
  name in the first header row and a blank below), the data, 合计 with its numbers, and the footnote.

Rows are generated one at a time and streamed to the writer; with --format both they are generated
twice from the same seed (identical rows), so each timing covers generating plus writing.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@functools.cache  # generate() may be called many times in one process (benchmarks/bench.py does)
def load_make_survey() -> ModuleType:
    """Import examples/make_survey.py by path: examples/ is not a package."""
    spec = importlib.util.spec_from_file_location("make_survey", EXAMPLES / "make_survey.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {EXAMPLES / 'make_survey.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


def generate(
    rows: int,
    out_dir: Path,
    *,
    seed: int,
    formats: tuple[str, ...] = ("xlsx",),
    messy: float = 0.03,
    rows_per_sheet: int | None = None,
) -> dict[Path, float]:
    """Write the requested files; return each path with the seconds it took."""
    ms = load_make_survey()
    out_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[Path, float] = {}
    for fmt in formats:
        path = out_dir / f"survey_{rows}.{fmt}"
        source = ms.iter_enterprises(rows, seed, messy)
        start = time.perf_counter()
        if fmt == "xlsx":
            # Borderless data cells: formats cost about a third of xlsxwriter's time per cell.
            ms.write_xlsx(path, source, constant_memory=True, cell_borders=False,
                          rows_per_sheet=rows_per_sheet or ms.SHEET_CAPACITY)
        else:
            ms.write_csv(path, source)
        timings[path] = time.perf_counter() - start
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate a large synthetic survey (xlsx and/or GBK csv).")
    parser.add_argument("--rows", type=int, required=True, help="number of data rows")
    parser.add_argument("--seed", type=int, default=2018, help="random seed (default 2018)")
    parser.add_argument("--format", choices=("xlsx", "csv", "both"), default="xlsx")
    parser.add_argument("--messy", type=float, default=0.03, help="share of rows with a problem (0.03)")
    parser.add_argument("--rows-per-sheet", type=int, default=None,
                        help="split xlsx sheets earlier than Excel's limit (to test continuation sheets)")
    parser.add_argument("-o", "--output-dir", type=Path, default=Path("bench-out"))
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must not be negative")
    formats = ("xlsx", "csv") if args.format == "both" else (args.format,)
    timings = generate(args.rows, args.output_dir, seed=args.seed, formats=formats, messy=args.messy,
                       rows_per_sheet=args.rows_per_sheet)
    for path, seconds in timings.items():
        size_mb = path.stat().st_size / 1e6
        rate = args.rows / seconds if seconds else 0
        print(f"{path}: {args.rows:,} rows, {size_mb:.1f} MB, {seconds:.1f} s ({rate:,.0f} rows/s)")


if __name__ == "__main__":
    main()
