"""Build a synthetic ledger of N current enterprise records (+ 20 % history rows from an earlier round) by
bulk insert, for timing `qhunion summary` at a national scale.

    python benchmarks/make_ledger.py big.db [N=1000000]      # about 30 s for a million records
    python benchmarks/make_ledger.py postgresql://user@host/db [N]   # the same rows on PostgreSQL (COPY)

The schema comes from qhunion's own migrations (`Ledger(path)`); the rows go in through sqlite3 (or psycopg's
COPY) directly, because importing a million records through `classify` would measure classify, not summary.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
from collections.abc import Iterator
from typing import Any

from qhunion.ledger import Ledger
from qhunion.normalise.regions import gazetteer

DECISIONS = ["standalone", "joint", "industry", "territorial", "established", "excluded", "unverified"]


RECORD_COLUMNS = ("import_id", "round_label", "key", "name", "prefecture", "county", "group_name", "decision", "rule",
                  "responsible", "employees", "drivers", "migrant_workers", "members", "driver_members",
                  "migrant_members", "meets_standalone", "is_current")


def build(path: str, n: int = 1_000_000, seed: int = 42) -> None:
    if "://" in path:
        build_pg(path, n, seed)
        return
    Ledger(path).close()  # schema via the migrations
    now = dt.datetime.now(dt.UTC).isoformat(" ")
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO imports (id,file_name,sha256,sheets,record_count,imported_at,ruleset_id,ruleset_version,"
        "ruleset_digest,round_label) VALUES (?,?,?,?,0,?,'qinghai-2018-19','2018.04-1','9abec7daf664',?)",
        [(i, f"f{i}.xlsx", f"{i:064x}", '["S"]', now, label) for i, label in IMPORTS])
    con.executemany(f"INSERT INTO records ({','.join(RECORD_COLUMNS)}) VALUES ({','.join('?' * len(RECORD_COLUMNS))})",
                    synthetic(n, seed))
    con.execute("UPDATE imports SET record_count = (SELECT count(*) FROM records WHERE import_id = imports.id)")
    con.commit()
    con.execute("ANALYZE")
    con.close()


IMPORTS = [(i, "2018-04" if i <= 10 else "2018-08") for i in range(1, 51)]


def build_pg(url: str, n: int = 1_000_000, seed: int = 42) -> None:
    """The same ledger on PostgreSQL: schema by the migrations, rows by COPY, then VACUUM ANALYZE (which also
    sets the visibility map, as autovacuum would on a live server, so index-only scans can be used)."""
    import psycopg

    with Ledger(url) as ledger:  # schema via the migrations
        dsn = ledger.url.replace("postgresql+psycopg://", "postgresql://")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with psycopg.connect(dsn) as con, con.cursor() as cur:
        cur.executemany(
            "INSERT INTO imports (id,file_name,sha256,sheets,record_count,imported_at,ruleset_id,ruleset_version,"
            "ruleset_digest,round_label) VALUES (%s,%s,%s,%s,0,%s,'qinghai-2018-19','2018.04-1','9abec7daf664',%s)",
            [(i, f"f{i}.xlsx", f"{i:064x}", '["S"]', now, label) for i, label in IMPORTS])
        cur.execute("SELECT setval('imports_id_seq', 50)")
        quoted = ",".join(f'"{c}"' for c in RECORD_COLUMNS)
        with cur.copy(f"COPY records ({quoted}) FROM STDIN") as copy:
            for row in synthetic(n, seed):
                copy.write_row(row)
        cur.execute("UPDATE imports SET record_count = (SELECT count(*) FROM records WHERE import_id = imports.id)")
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("VACUUM ANALYZE")


def synthetic(n: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """N current records (+ 20 % history rows from an earlier round), in the order of RECORD_COLUMNS."""
    g = gazetteer()
    prefs = g.prefectures()
    weights = [{"西宁市": 35, "海东市": 20, "海西蒙古族藏族自治州": 15}.get(p.name, 6) for p in prefs]
    counties = {p.name: [c.name for c in g.counties(p.code)] for p in prefs}
    rng = random.Random(seed)
    for k in range(n):
        p = rng.choices(prefs, weights)[0].name
        d = rng.choices(DECISIONS, [8, 25, 20, 30, 10, 4, 3])[0]
        emp = rng.randint(1, 80)
        mig = rng.randint(0, emp)
        mem = rng.randint(0, emp) if d == "established" else 0
        base = (f"K{k:09d}", f"企业{k}", p, rng.choice(counties[p]), "货车司机", d, "size", f"{p}总工会",
                emp, rng.randint(0, emp), mig, mem, mem // 2, min(mem, mig), emp >= 25)
        if k % 5 == 0:
            yield (rng.randint(1, 10), "2018-04", *base, False)
        yield (rng.randint(11, 50), "2018-08", *base, True)


if __name__ == "__main__":
    build(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
