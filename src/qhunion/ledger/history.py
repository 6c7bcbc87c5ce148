"""The ledger's table of decisions re-derived after a later import (issue 11): defined here, apart from
`concentration` which fills it, so that the ledger's migrations can create it without importing
`concentration` (which imports the ledger)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_md = MetaData()
decision_changes = Table(
    "decision_changes", _md,
    Column("id", Integer, primary_key=True),
    Column("record_id", Integer, nullable=False),  # records.id (no foreign key: `ledger forget` may drop it)
    Column("key", String(600), nullable=False),
    Column("area", String(100), nullable=False),
    Column("carriers", Integer, nullable=False),
    Column("drivers", Integer, nullable=False),
    Column("old_decision", String(20), nullable=False),
    Column("old_rule", String(40), nullable=False),
    Column("new_decision", String(20), nullable=False),
    Column("new_rule", String(40), nullable=False),
    Column("changed_at", DateTime, nullable=False),  # UTC
)


def create_table(conn: Connection) -> None:
    """Migration v5 (migrations.MIGRATIONS): the history of decisions re-derived after a later import."""
    md = MetaData()
    decision_changes.to_metadata(md).create(conn)
