"""The columns of the CSVs qhunion writes, in order: their keys are stable for scripts, and a CSV whose first
line is one of them is recognised as qhunion's own output (`outputs`), so a re-run never reads it as a survey.
Data only: every module may import it."""

from __future__ import annotations

ISSUE_COLUMNS = ("code", "severity", "file", "sheet", "row", "column", "header", "value", "message")
DECISION_COLUMNS = ("source", "sheet", "row", "name", "credit_code", "prefecture", "county", "decision",
                    "decision_label", "rule", "clauses", "explanation", "proposal", "responsible", "follow_up",
                    "issues", "rule_set")
IMPORT_COLUMNS = ("id", "file", "round", "unit", "records", "current", "imported_at", "rule_set", "sha256")
VERIFY_COLUMNS = ("check", "label", "ok", "detail")
RULES_COLUMNS = ("section", "row", "column", "value")
CSV_HEADERS = (ISSUE_COLUMNS, DECISION_COLUMNS, IMPORT_COLUMNS, VERIFY_COLUMNS, RULES_COLUMNS)
