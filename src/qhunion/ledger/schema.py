"""The ledger's tables as they are today: imports, records and the schema's own version table, with the
indexes the summary and supersession read. `ledger.migrations` builds this schema step by step; `ledger`
reads and writes it."""

from __future__ import annotations

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
    true,
)

# The summed counts, named once for the tally in memory (`tally.tallies`) and this schema's.
from qhunion.tally import COUNTS as COUNTS

# ── Schema (the current version; ledger.migrations builds it) ───────────────────────────────────────
metadata = MetaData()

schema_migrations = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("sheets", JSON, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("imported_at", DateTime, nullable=False),  # UTC
    Column("ruleset_id", String(100), nullable=False),
    Column("ruleset_version", String(100), nullable=False),
    Column("ruleset_digest", String(64), nullable=False),
    Column("round_label", String(100), nullable=False, server_default=""),  # "" = no round
    Column("unit", String(500)),  # 填报单位
    UniqueConstraint("sha256", "ruleset_digest", "round_label", name="uq_imports_content"),
    sqlite_autoincrement=True,  # a forgotten import's number is never given to another
)

records = Table(
    "records", metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("round_label", String(100), nullable=False),  # copied from the import: the supersession order
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
    Column("responsible", Text),  # unions joined with 、
    Column("anchor", Text),
    Column("proposal", Text),
    Column("vehicles", Integer),
    Column("employees", Integer),
    Column("drivers", Integer),
    Column("migrant_workers", Integer),
    Column("members", Integer),
    Column("driver_members", Integer),
    Column("migrant_members", Integer),
    Column("has_union", Boolean),
    Column("meets_standalone", Boolean, nullable=False),
    Column("is_current", Boolean, nullable=False, server_default=text("FALSE")),
    Index("ix_records_key_current", "key", "round_label", "import_id", "is_current"),
)

# "The current record of its enterprise", written once: SQLite uses a partial index only for a query that
# repeats the index's WHERE term exactly.
CURRENT = records.c.is_current == true()
# v2's indexes. The summary's is partial (current rows only, however much history accumulates) and covering:
# the grouped query within a region reads the index alone, in group order, with no sort (1,000,000 current
# records: `--region 西宁` in 0.1 s, the province in 0.4 s).
SUMMARY_INDEX = Index("ix_records_summary", records.c.prefecture, records.c.county, records.c.decision,
                      records.c.meets_standalone, records.c.group_name, records.c.responsible,
                      *(records.c[c] for c in COUNTS), records.c.is_current,
                      sqlite_where=CURRENT, postgresql_where=CURRENT)
IMPORT_INDEX = Index("ix_records_import_current", records.c.import_id, records.c.is_current)
ROUND_INDEX = Index("ix_records_county_round", records.c.prefecture, records.c.county, records.c.round_label)

