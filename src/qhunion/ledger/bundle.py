"""Ledger bundles (.qhl): how a county without a connection to the provincial server sends its imports.

A bundle is a zip file of two members:

- ``manifest.json``: what it is (format and its version, the ledger schema it was written from), the region
  and ``--since`` it covers, the rule sets of its decisions, how many imports and records it holds, the
  record columns, and the sha256 of the content;
- ``imports.jsonl``: one line per import, in import order — the import as the ledger lists it (file name and
  fingerprint, sheets, rule set, round, unit, when) and its records of the region, in row order.

Records hold no personal data (the ledger has no column for it), so neither does a bundle. Merging is
idempotent on the ledger's own key (file sha256, rule-set hash, round label): an import already present is
skipped, a new one is added after the ledger's imports, in the bundle's order, with its original time, and
the current record of each enterprise is elected as for any import. The whole merge is one transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qhunion.errors import InputProblem
from qhunion.oserrors import os_reason
from qhunion.outputs import BUNDLE_FORMAT

if TYPE_CHECKING:
    from qhunion.ledger import Ledger
    from qhunion.summary import Scope

FORMAT = BUNDLE_FORMAT  # how the output guard knows a bundle it may replace
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CONTENT = "imports.jsonl"
IMPORT_FIELDS = ("id", "file_name", "sha256", "sheets", "record_count", "imported_at", "ruleset_id",
                 "ruleset_version", "ruleset_digest", "round_label", "unit")


class BundleError(InputProblem):
    """A bundle cannot be read, is damaged or altered, or cannot be written. ``reason`` is a Chinese sentence."""


def bundle_columns() -> tuple[str, ...]:
    """A record's columns in a bundle: the ledger's, less the import it belongs to and its current flag
    (both are the receiving ledger's to decide)."""
    from qhunion.ledger import RECORD_COLUMNS

    return tuple(c for c in RECORD_COLUMNS if c not in ("import_id", "is_current"))


@dataclass(frozen=True)
class Bundle:
    region: str
    manifest: dict[str, Any]
    imports: list[tuple[dict[str, Any], list[list[Any]]]]  # (import fields, its records as rows)


@dataclass(frozen=True)
class Exported:
    region: str
    imports: int
    records: int
    last_import: int | None


@dataclass(frozen=True)
class Merged:
    added: int
    already: int
    records: int
    superseded: int


def _region_filter(scope: Scope) -> Any:
    from qhunion.ledger import records

    if scope.level == "county":
        return records.c.county == scope.county
    if scope.level == "prefecture":
        return records.c.prefecture == scope.prefecture
    return None


def export_bundle(ledger: Ledger, scope: Scope, target: Path, since: int | None = None) -> Exported:
    """Write the imports holding records of ``scope`` (numbered above ``since``), with those records."""
    from sqlalchemy import select

    from qhunion import __version__
    from qhunion.ledger import LATEST, imports, records
    from qhunion.outputs import atomic_path

    columns = bundle_columns()
    region = _region_filter(scope)
    chosen = select(records.c.import_id).distinct()
    if region is not None:
        chosen = chosen.where(region)
    lines: list[bytes] = []
    rule_sets: dict[str, str] = {}
    n_records = 0
    ids: list[int] = []
    with ledger._read() as conn:
        query = select(imports).where(imports.c.id.in_(chosen)).order_by(imports.c.id)
        if since is not None:
            query = query.where(imports.c.id > since)
        for row in conn.execute(query).mappings().all():
            stmt = select(*(records.c[c] for c in columns)).where(records.c.import_id == row["id"])
            if region is not None:
                stmt = stmt.where(region)
            rows = [list(r) for r in conn.execute(stmt.order_by(records.c.id))]
            info = {k: row[k] for k in IMPORT_FIELDS}
            info["imported_at"] = row["imported_at"].replace(tzinfo=None).isoformat(timespec="microseconds")
            info["sheets"] = list(row["sheets"] or ())
            info["record_count"] = len(rows)
            rule_sets[row["ruleset_digest"]] = f"{row['ruleset_id']} {row['ruleset_version']} ({row['ruleset_digest']})"
            lines.append(json.dumps({"import": info, "records": rows}, ensure_ascii=False,
                                    separators=(",", ":")).encode("utf-8") + b"\n")
            n_records += len(rows)
            ids.append(row["id"])
    content = b"".join(lines)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "schema_version": LATEST,
        "generator": f"qhunion {__version__}", "ledger": ledger.name,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "region": scope.name, "region_level": scope.level, "since": since,
        "imports": len(ids), "records": n_records, "last_import": ids[-1] if ids else None,
        "rule_sets": list(rule_sets.values()), "import_fields": list(IMPORT_FIELDS), "record_columns": list(columns),
        "content": CONTENT, "sha256": hashlib.sha256(content).hexdigest(),
    }
    # atomic_path: an interrupted export leaves no half bundle; its OutputError is the CLI's exit 4.
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        z.writestr(CONTENT, content)
    return Exported(scope.name, len(ids), n_records, ids[-1] if ids else None)


def read_bundle(path: Path) -> Bundle:
    """Read and check a bundle whole before anything is merged: a damaged or altered one is refused."""
    from qhunion.ledger import LATEST

    damaged = f"账本包 {path.name} 已损坏或被改动，未合并任何内容；请让寄出方重新导出"
    stranger = (f"{path.name} 不是 qhunion 账本包（应是 qhunion ledger export 写出的 .qhl 文件），"
                "未合并任何内容；请确认选对了文件")
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"PK\x03\x04":  # not even the start of a zip (a note, a CSV): no bundle at all
                raise BundleError(stranger)
        with zipfile.ZipFile(path) as z:
            if MANIFEST not in z.namelist():
                raise BundleError(stranger)
            manifest = json.loads(z.read(MANIFEST))
            content = z.read(CONTENT)
    except FileNotFoundError as exc:
        raise BundleError(f"找不到账本包 {path}") from exc
    except OSError as exc:
        raise BundleError(f"无法读取账本包 {path}（{os_reason(exc)}）") from exc
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError, zlib.error, NotImplementedError, RuntimeError) as exc:
        # a broken archive, a missing member, bad JSON, a corrupt deflate stream, an unknown or encrypted method
        raise BundleError(damaged) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(stranger)
    if not isinstance(manifest.get("schema_version"), int):
        raise BundleError(damaged)
    if manifest.get("format_version") != FORMAT_VERSION or manifest["schema_version"] > LATEST:
        raise BundleError(f"账本包 {path.name} 由更新版本的 qhunion 写出，请升级 qhunion 后再合并")
    if hashlib.sha256(content).hexdigest() != manifest.get("sha256"):
        raise BundleError(damaged)
    columns = bundle_columns()
    if manifest.get("record_columns") != list(columns):
        raise BundleError(damaged)
    found: list[tuple[dict[str, Any], list[list[Any]]]] = []
    try:
        for line in content.splitlines():
            item = json.loads(line)
            info, rows = item["import"], item["records"]
            if set(info) != set(IMPORT_FIELDS) or len(rows) != info["record_count"]:
                raise BundleError(damaged)
            if any(not isinstance(r, list) or len(r) != len(columns) for r in rows):
                raise BundleError(damaged)
            found.append((info, rows))
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(damaged) from exc
    if len(found) != manifest.get("imports") or sum(len(r) for _, r in found) != manifest.get("records"):
        raise BundleError(damaged)
    return Bundle(str(manifest.get("region", "")), manifest, found)


def merge_bundle(ledger: Ledger, bundle: Bundle) -> Merged:
    """Add the bundle's imports that the ledger lacks, in one transaction."""
    from sqlalchemy import insert, select

    from qhunion.ledger import RECORD_COLUMNS, _elect, _insert_many, _supersede, imports, records

    columns = bundle_columns()
    key_at = columns.index("key")
    added = already = n_records = superseded = 0
    with ledger._write() as conn:
        for info, rows in bundle.imports:
            same = conn.execute(select(imports.c.id).where(
                imports.c.sha256 == info["sha256"], imports.c.ruleset_digest == info["ruleset_digest"],
                imports.c.round_label == info["round_label"])).first()
            if same is not None:
                already += 1
                continue
            values = {k: info[k] for k in IMPORT_FIELDS if k != "id"}
            values["imported_at"] = dt.datetime.fromisoformat(info["imported_at"]).replace(tzinfo=None)
            import_id = conn.execute(insert(imports).values(**values).returning(imports.c.id)).scalar_one()
            last = {r[key_at]: i for i, r in enumerate(rows)}  # within an import the later row counts
            _insert_many(conn, records, RECORD_COLUMNS, [
                (import_id, *r, last[r[key_at]] == i) for i, r in enumerate(rows)])
            superseded += _supersede(conn, import_id)
            if conn.execute(select(imports.c.id).where(imports.c.round_label > info["round_label"]).limit(1)).first():
                _elect(conn, records.c.import_id == import_id)
            added += 1
            n_records += len(rows)
    return Merged(added, already, n_records, superseded)
