"""Benchmark qhunion against the cost of its own I/O and against the script a user would write.

    python benchmarks/bench.py                      # the 100,000-row comparison, 3 runs each (~10 min)
    python benchmarks/bench.py --big                # also 1,048,575 rows, a 3,000,000-row CSV, 45 county files,
                                                    # and summary on a 1,000,000-record ledger (~40 min)
    python benchmarks/bench.py --postgres --only-postgres   # the ledger on a throwaway PostgreSQL server only

Needs `pip install -e '.[bench]'` (pandas and openpyxl for the naive peer). Every figure is measured in this
one run on this machine, and the targets are ratios between figures of the same run, because the machines are
shared and noisy. Each qhunion command runs as a separate process (as staff run it); its peak memory is the
child's max RSS from wait4(). qhunion reports its own phases when QHUNION_TIMINGS=1 (a JSON line on stderr).
Results are printed as a Markdown table and saved to <out>/bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

ADDED_COLUMNS = 3 + 8  # qhunion's lead columns (来源文件, 工作表, 原行号) and its 8 decision columns


def median_of(runs: int, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run fn `runs` times; the median of every numeric field."""
    results = [fn() for _ in range(runs)]
    out: dict[str, Any] = {}
    for key in results[0]:
        values = [r[key] for r in results]
        out[key] = statistics.median(values) if isinstance(values[0], int | float) else values[-1]
    return out


def run_process(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall time, exit status, peak RSS (MiB) and qhunion's phase timings of one child process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    phases: dict[str, float] = {}
    for line in stderr.splitlines():
        if line.startswith("{") and '"qhunion_timings"' in line:
            phases = json.loads(line)["qhunion_timings"]
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {code}:\n{stderr[-2000:]}")
    return {"wall": wall, "rss_mib": usage.ru_maxrss / 1024, **{f"phase_{k}": v for k, v in phases.items()}}


def io_floor(xlsx: Path, columns: int) -> dict[str, Any]:
    """What reading the file with calamine and writing as many cells with xlsxwriter costs, nothing else."""
    import python_calamine
    import xlsxwriter

    start = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(xlsx))
    rows = 0
    for name in book.sheet_names:
        for _ in book.get_sheet_by_name(name).iter_rows():
            rows += 1
    read = time.perf_counter() - start
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = xlsxwriter.Workbook(str(Path(tmp) / "floor.xlsx"), {"constant_memory": True})
        ws = out.add_worksheet()
        text = "西宁顺达物流有限公司"
        for r in range(rows):
            for c in range(columns):
                if c % 3:
                    ws.write_number(r, c, r + c)
                else:
                    ws.write_string(r, c, text)
        out.close()
    write = time.perf_counter() - start
    return {"read": read, "write": write, "total": read + write, "rows": rows}


def naive_peer(xlsx: Path) -> dict[str, Any]:
    """The script a user would write: pandas + openpyxl in, pandas + openpyxl out."""
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_excel(xlsx, engine="openpyxl", header=None, sheet_name=0)
    with tempfile.TemporaryDirectory() as tmp:
        frame.to_excel(Path(tmp) / "naive.xlsx", engine="openpyxl", index=False)
    return {"total": time.perf_counter() - start}


def qhunion(*args: str, env: dict[str, str] | None = None) -> list[str]:
    return [sys.executable, "-m", "qhunion", *args]


def classify_run(path: Path, work: Path, *extra: str) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        db = work / "bench.db"
        db.unlink(missing_ok=True)
        return run_process(qhunion("classify", str(path), "-o", str(work / "out.xlsx"), "--db", str(db), *extra),
                           env={"QHUNION_TIMINGS": "1"})
    return run


def help_time(runs: int = 10) -> float:
    walls = [run_process([sys.executable, "-m", "qhunion", "--help"])["wall"] for _ in range(runs)]
    return statistics.median(walls)


def county_files(out: Path, total: int, seed: int) -> Path:
    """45 county files of total/45 rows each, as a batch script would meet them."""
    folder = out / f"counties_{total}"
    if not folder.exists():
        for i in range(45):
            part = generate(total // 45, folder / f"c{i:02d}", seed=seed + i, formats=("xlsx",))
            for path in part:
                path.rename(folder / f"county_{i:02d}.xlsx")
            (folder / f"c{i:02d}").rmdir()
    return folder


def batch(folder: Path, work: Path) -> dict[str, Any]:
    files = sorted(folder.glob("*.xlsx"))
    one = run_process(qhunion("classify", *map(str, files), "--no-workbook", "--db", str(work / "b1.db"),
                              "-f", "csv", "-o", str(work / "b1.csv")))
    start = time.perf_counter()
    for f in files:
        run_process(qhunion("classify", str(f), "--no-workbook", "--db", str(work / "b45.db"),
                            "-f", "csv", "-o", str(work / "b45.csv")))
    return {"one_process": one["wall"], "separate_processes": time.perf_counter() - start}


def ensure(rows: int, out: Path, seed: int, fmt: str) -> Path:
    path = out / f"survey_{rows}.{fmt}"
    if not path.exists():
        print(f"generating {path} …", file=sys.stderr)
        generate(rows, out, seed=seed, formats=(fmt,))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--big", action="store_true", help="also the million-row, 3M CSV, batch and ledger cases")
    parser.add_argument("--skip-naive", action="store_true", help="skip the slow pandas/openpyxl peer")
    parser.add_argument("--report-only", action="store_true", help="only time `report` on the 1,000,000-record ledger")
    parser.add_argument("--postgres", action="store_true",
                        help="also the ledger on PostgreSQL: importing 100,000 records vs SQLite, summary at 1,000,000")
    parser.add_argument("--only-postgres", action="store_true", help="run the PostgreSQL measures alone")
    parser.add_argument("-o", "--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qhbench-"))
    if args.report_only:  # just the report measure (issue 16), on the 1,000,000-record ledger
        print(json.dumps(report_on_big_ledger(args.out, work)))
        return
    if args.only_postgres:
        results = {"rows": args.rows, "runs": args.runs, "cpus": os.cpu_count(), "python": sys.version.split()[0],
                   "postgres": postgres_ledger(args.out, work, args.rows, args.runs, args.seed)}
        (args.out / "bench_postgres.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
        print("\n".join(render_postgres(results["postgres"])))
        return
    xlsx = ensure(args.rows, args.out, args.seed, "xlsx")
    import python_calamine

    columns = python_calamine.CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_index(0).width + ADDED_COLUMNS
    results: dict[str, Any] = {"rows": args.rows, "runs": args.runs, "machine": os.uname().nodename,
                               "cpus": os.cpu_count(), "python": sys.version.split()[0]}
    print("I/O floor …", file=sys.stderr)
    results["floor"] = median_of(args.runs, lambda: io_floor(xlsx, columns))
    print("qhunion classify …", file=sys.stderr)
    results["classify"] = median_of(args.runs, classify_run(xlsx, work))
    if not args.skip_naive:
        print("naive peer …", file=sys.stderr)
        results["naive"] = median_of(args.runs, lambda: naive_peer(xlsx))
    results["help"] = help_time()
    if args.big:
        big = ensure(1_048_575, args.out, args.seed, "xlsx")
        print("1,048,575 rows …", file=sys.stderr)
        results["classify_1m"] = classify_run(big, work)()
        csv3m = ensure(3_000_000, args.out, args.seed, "csv")
        print("3,000,000-row CSV …", file=sys.stderr)
        results["csv_3m"] = run_process(qhunion("classify", str(csv3m), "--no-workbook", "--no-ledger",
                                                "-f", "csv", "-o", str(work / "3m.csv")),
                                        env={"QHUNION_TIMINGS": "1"})
        print("45 county files …", file=sys.stderr)
        results["batch_45"] = batch(county_files(args.out, args.rows, args.seed), work)
        print("summary on a 1,000,000-record ledger …", file=sys.stderr)
        results["summary_1m"] = summary_on_big_ledger(args.out, work)
        print("report (province) on a 1,000,000-record ledger …", file=sys.stderr)
        results["report_1m"] = report_on_big_ledger(args.out, work)
    if args.postgres:
        results["postgres"] = postgres_ledger(args.out, work, args.rows, args.runs, args.seed)
    (args.out / "bench.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    print(render(results))


def summary_on_big_ledger(out: Path, work: Path) -> dict[str, Any]:
    """A ledger of 1,000,000 current records, built with the ledger's own bulk fixture builder."""
    from make_ledger import build

    db = out / "ledger_1m.db"
    if not db.exists():
        build(str(db), 1_000_000)
    walls = [run_process(qhunion("summary", "--region", "西宁", "--db", str(db)))["wall"] for _ in range(3)]
    return {"wall": statistics.median(walls)}


def report_on_big_ledger(out: Path, work: Path) -> dict[str, Any]:
    """`qhunion report` for the whole province (two summaries, the lagging counties, the 300-row annex, the
    chart) on the same ledger as `summary_on_big_ledger`, beside a province `summary` of the same moment."""
    db = out / "ledger_1m.db"
    if not db.exists():
        from make_ledger import build

        build(str(db), 1_000_000)
    run_process(qhunion("ledger", "verify", "--db", str(db), "-f", "json"))  # migrations done before timing
    walls = [run_process(qhunion("report", "--db", str(db), "-o", str(work / "report.docx")))["wall"]
             for _ in range(3)]
    summary = [run_process(qhunion("summary", "--db", str(db), "-f", "json"))["wall"] for _ in range(3)]
    return {"wall": statistics.median(walls), "summary": statistics.median(summary)}
def postgres_ledger(out: Path, work: Path, rows: int, runs: int, seed: int) -> dict[str, Any]:
    """The ledger on a throwaway PostgreSQL cluster (tests/pgcluster.py, fsync on) against SQLite: the ledger
    phase of `classify` (QHUNION_TIMINGS) importing the 100,000-row survey into an empty ledger, then the same
    file as a later round into that ledger (every record superseded); and `summary --region 西宁` on a
    1,000,000-record PostgreSQL ledger."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    from make_ledger import build_pg

    from pgcluster import Cluster

    csv = ensure(rows, out, seed, "csv")
    cluster = Cluster(fsync=True)
    try:
        def imports(new_db: Callable[[], str]) -> Callable[[], dict[str, Any]]:
            def run() -> dict[str, Any]:
                db = new_db()
                found = {}
                for label in ("2018-04", "2018-08"):
                    r = run_process(qhunion("classify", str(csv), "--no-workbook", "-f", "csv", "-o",
                                            str(work / "pg.csv"), "--db", db, "--round", label),
                                    env={"QHUNION_TIMINGS": "1"})
                    found["first" if label == "2018-04" else "again"] = r["phase_ledger"]
                return found

            return run

        names = iter(range(10**6))
        result: dict[str, Any] = {
            "sqlite": median_of(runs, imports(lambda: str(work / f"imp{next(names)}.db"))),
            "postgresql": median_of(runs, imports(cluster.new_database)),
        }
        print("1,000,000-record PostgreSQL ledger …", file=sys.stderr)
        url = cluster.new_database()
        start = time.perf_counter()
        build_pg(url, 1_000_000)
        result["build_1m"] = time.perf_counter() - start
        run_process(qhunion("summary", "--db", url))  # warm the server's cache, as on a server in use
        walls = [run_process(qhunion("summary", "--region", "西宁", "--db", url))["wall"] for _ in range(5)]
        result["summary_1m"] = statistics.median(walls)
        walls = [run_process(qhunion("summary", "--db", url))["wall"] for _ in range(5)]
        result["summary_1m_province"] = statistics.median(walls)
        # What any summary process costs on this machine at this moment: an empty SQLite ledger.
        from qhunion.ledger import Ledger

        empty = work / "empty.db"
        Ledger(empty).close()
        walls = [run_process(qhunion("summary", "--region", "西宁", "--db", str(empty)))["wall"] for _ in range(5)]
        result["summary_floor"] = statistics.median(walls)
    finally:
        cluster.stop()
    return result


def render_postgres(p: dict[str, Any]) -> list[str]:
    s, g = p["sqlite"], p["postgresql"]
    return [
        f"| ledger import of the 100,000-row survey, empty ledger: SQLite | {s['first']:.2f} | |",
        f"| · the same on PostgreSQL (COPY) | {g['first']:.2f} | {g['first'] / s['first']:.2f} × SQLite (target ≤ 2) |",
        f"| ledger import of the same file as a later round (all superseded): SQLite | {s['again']:.2f} | |",
        f"| · the same on PostgreSQL | {g['again']:.2f} | {g['again'] / s['again']:.2f} × SQLite (target ≤ 2) |",
        f"| summary --region 西宁, 1,000,000-record PostgreSQL ledger | {p['summary_1m']:.2f} | target ≤ 2 |",
        f"| summary (province), 1,000,000-record PostgreSQL ledger | {p['summary_1m_province']:.2f} | |",
        f"| · for scale: summary --region 西宁 on an empty SQLite ledger | {p['summary_floor']:.2f} | process start-up |",
    ]


def render(r: dict[str, Any]) -> str:
    floor, cl = r["floor"], r["classify"]
    lines = [f"## {r['rows']:,} rows, median of {r['runs']} runs ({r['cpus']} CPUs, Python {r['python']})", "",
             "| measure | seconds | note |", "| --- | ---: | --- |",
             f"| I/O floor: calamine read | {floor['read']:.1f} | |",
             f"| I/O floor: xlsxwriter write (constant_memory) | {floor['write']:.1f} | |",
             f"| I/O floor total | {floor['total']:.1f} | |",
             f"| qhunion classify (end to end, own process) | {cl['wall']:.1f} | "
             f"{cl['wall'] / floor['total']:.2f} × floor (target ≤ 1.5); peak RSS {cl['rss_mib']:.0f} MiB |"]
    phases = {k[6:]: v for k, v in cl.items() if k.startswith("phase_")}
    if "intake" in phases and "read" in phases:
        phases["normalise"] = phases.pop("intake") - phases["read"]
    for name in ("read", "normalise", "classify", "plan", "write", "ledger"):
        if name in phases:
            lines.append(f"| · {name} | {phases[name]:.1f} | |")
    if "naive" in r:
        n = r["naive"]["total"]
        lines.append(f"| naive peer (pandas + openpyxl) | {n:.1f} | qhunion is {n / cl['wall']:.1f} × faster (target ≥ 4) |")
    lines.append(f"| qhunion --help | {r['help']:.2f} | target ≤ 0.35 |")
    if "classify_1m" in r:
        big = r["classify_1m"]
        lines.append(f"| classify 1,048,575 rows | {big['wall']:.1f} | {big['wall'] / cl['wall']:.1f} × the "
                     f"100k time (target ≤ 12); peak RSS {big['rss_mib']:.0f} MiB (target ≤ 3072) |")
        c3 = r["csv_3m"]
        lines.append(f"| classify 3,000,000-row CSV, no workbook | {c3['wall']:.1f} | peak RSS {c3['rss_mib']:.0f} MiB "
                     "(target ≤ 3072) |")
        b = r["batch_45"]
        lines.append(f"| 45 county files: one process | {b['one_process']:.1f} | vs {b['separate_processes']:.1f} s "
                     "in 45 processes |")
        lines.append(f"| summary --region 西宁, 1,000,000-record ledger | {r['summary_1m']['wall']:.2f} | target ≤ 2 |")
    if "report_1m" in r:
        rep = r["report_1m"]
        lines.append(f"| report (province, .docx with chart), 1,000,000-record ledger | {rep['wall']:.2f} | target < 5; "
                     f"province summary in the same run {rep['summary']:.2f} s |")
    if "postgres" in r:
        lines.extend(render_postgres(r["postgres"]))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
