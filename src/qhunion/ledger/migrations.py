"""The ledger's frozen migrations: MIGRATIONS in order, LATEST the version they reach. `Ledger` applies the
pending ones when it opens a ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from qhunion.ledger.schema import COUNTS, IMPORT_INDEX, ROUND_INDEX, SUMMARY_INDEX
from qhunion.ledger.supersession import _elect

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


# ── Migrations: applied in order, all pending ones in one transaction ────────────────────────────────
# A migration is frozen once released: it builds the schema as it was at that version, so a ledger of any
# age reaches today's schema by the same steps as a new one.
def _m1_initial(conn: Connection) -> None:
    """v1: imports and enterprise records; the current record was found by query."""
    md = MetaData()
    Table(
        "schema_migrations", md,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("name", String(200), nullable=False),
        Column("applied_at", DateTime, nullable=False),
    )
    Table(
        "imports", md,
        Column("id", Integer, primary_key=True),
        Column("file_name", String(500), nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("sheets", JSON, nullable=False),
        Column("record_count", Integer, nullable=False),
        Column("imported_at", DateTime, nullable=False),
        Column("ruleset_id", String(100), nullable=False),
        Column("ruleset_version", String(100), nullable=False),
        Column("ruleset_digest", String(64), nullable=False),
        Column("round_label", String(100), nullable=False, server_default=""),
        Column("unit", String(500)),
        UniqueConstraint("sha256", "ruleset_digest", "round_label", name="uq_imports_content"),
        sqlite_autoincrement=True,
    )
    Table(
        "records", md,
        Column("id", Integer, primary_key=True),
        Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
        Column("round_label", String(100), nullable=False),
        Column("key", String(600), nullable=False),
        Column("name", String(500)),
        Column("credit_code", String(40)),
        Column("prefecture", String(100)),
        Column("county", String(100)),
        Column("group_name", String(40)),
        Column("entity_type", String(40)),
        Column("sheet", String(200)),
        Column("row_number", Integer),
        Column("decision", String(20), nullable=False),
        Column("rule", String(40), nullable=False),
        Column("responsible", Text),
        Column("anchor", Text),
        Column("proposal", Text),
        *(Column(c, Integer) for c in ("vehicles", *COUNTS)),
        Column("has_union", Boolean),
        Column("meets_standalone", Boolean, nullable=False),
        Index("ix_records_import", "import_id"),
        Index("ix_records_key_order", "key", "round_label", "import_id"),
    )
    md.create_all(conn)


def _m2_current_flag(conn: Connection) -> None:
    """v2: the current record of each enterprise is a flag kept at import time, and the summary's grouped
    query has a covering index (a 1,000,000-record ledger answers `summary --region 西宁` in under 2 s)."""
    conn.execute(text("ALTER TABLE records ADD COLUMN is_current BOOLEAN DEFAULT FALSE NOT NULL"))
    _elect(conn)
    conn.execute(text("DROP INDEX ix_records_import"))
    IMPORT_INDEX.create(conn)
    SUMMARY_INDEX.create(conn)


def _m3_key_index_covers_flag(conn: Connection) -> None:
    """v3: the supersession index also holds the flag, so that electing an import's records reads the index
    alone; reading each record's row instead made a 1,000,000-record import take 22 × as long as 100,000."""
    conn.execute(text("DROP INDEX ix_records_key_order"))
    conn.execute(text('CREATE INDEX ix_records_key_current ON records ("key", round_label, import_id, is_current)'))


def _m4_county_round_index(conn: Connection) -> None:
    """v4: which counties surveyed in which round, read from an index alone (the report's lagging counties,
    issue 16); grouping the table itself took 7 s on a 1,000,000-record ledger."""
    ROUND_INDEX.create(conn)


def _m5_decision_changes(conn: Connection) -> None:
    """v5: decisions re-derived when a later import moves an area across the concentration threshold are kept
    as history (issue 11; the table is concentration.py's)."""
    from qhunion.ledger.history import create_table

    create_table(conn)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial: imports and records", _m1_initial),
    Migration(2, "records.is_current maintained at import time, summary index", _m2_current_flag),
    Migration(3, "supersession index covers records.is_current", _m3_key_index_covers_flag),
    Migration(4, "index of the rounds each county surveyed in", _m4_county_round_index),
    Migration(5, "decision_changes: re-derived concentration decisions", _m5_decision_changes),
)
LATEST = MIGRATIONS[-1].version
