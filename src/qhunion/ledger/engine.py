"""Where the ledger is and how its database is opened: `locate` (``--db``, ``$QHUNION_DB``, ``qhunion.db``),
the name shown to users, and the engine — SQLite in WAL mode with a busy timeout and BEGIN IMMEDIATE for
writes, or a PostgreSQL server (its own parts are in `ledger.pg`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qhunion.outputs import ledger_named

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_S = 30
_WRITE = "qhunion_write"  # execution option: begin with BEGIN IMMEDIATE (take SQLite's write lock up front)
_PG_LOCK = 0x71_68_75_6E  # "qhun": the advisory lock PostgreSQL writers take turns on


# ── Locating and opening ─────────────────────────────────────────────────────────────────────────────
def locate(db: str | os.PathLike[str] | None = None) -> str:
    """``--db`` (path or URL), else $QHUNION_DB, else qhunion.db in the current folder → an SQLAlchemy URL."""
    from sqlalchemy.engine import URL

    value = ledger_named(os.fspath(db) if db is not None else None)
    if "://" in value:
        from qhunion.ledger.pg import normalise_url

        return normalise_url(value)
    return URL.create("sqlite", database=str(Path(value).expanduser().absolute())).render_as_string()


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.database or "（内存）"
    return u.render_as_string(hide_password=True)


# ── The engine ───────────────────────────────────────────────────────────────────────────────────────
CACHE_KIB = 128 * 1024


def _use_wal(cur: Any) -> None:
    """WAL mode: readers never block the writer, nor it them. The mode is stored in the file, so this only
    changes anything on a new ledger — where it must be retried: switching fails at once with "database is
    locked" while another process has the file open (SQLite's busy timeout does not cover it), which is just
    what two `classify` runs creating the same ledger do."""
    import sqlite3
    import time

    if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            cur.execute("PRAGMA journal_mode = WAL")  # a network drive may answer "delete": that is kept
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _engine(url: str, wal: bool) -> Engine:
    """``wal``: switch a new ledger file to WAL. An existing file keeps the journal mode it has: switching it
    rewrites its header, and a ledger found damaged must be left byte for byte as it was (issue 14)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url

    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn: Any, _record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, decides where transactions begin (see the begin hook).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA foreign_keys = ON")
        # SQLite's default page cache is 2 MiB: an import of a million records then rereads index pages from
        # the OS for every row and grows worse than linearly. The cache is allocated only as it fills.
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if wal:
            _use_wal(cur)
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A write transaction takes the lock at BEGIN: one that read first and then tried to write could
        # fail at once with SQLITE_BUSY when another writer committed in between, busy timeout or not.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine
