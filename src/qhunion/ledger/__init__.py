"""The survey ledger: every `classify` run recorded as an import, so progress accumulates across files and
survey rounds (青总办〔2018〕19号 六（三）: the federation supervises and reports progress). Written with
SQLAlchemy Core in portable SQL: SQLite by default, or a PostgreSQL server (``postgresql://…``, psycopg 3),
whose own parts — COPY, regional roles and row-level security — are in `ledger.pg`; bundles for offline
counties are in `bundle`.

Where: ``--db`` (a path or an SQLAlchemy URL), else ``$QHUNION_DB``, else ``qhunion.db`` in the current
folder, created on first use. SQLite runs in WAL mode with a 30 s busy timeout, so two `classify` processes
writing at once both succeed; every write is one ``BEGIN IMMEDIATE`` transaction, so an interrupted run
leaves no partial import.

Decisions recorded here (issue 4):

- **Idempotency key: (file sha256, rule-set hash, round label).** Importing the same content again with the
  same rules under the same round changes nothing and says so. The same file under corrected rules
  (``--rules``) is a new import that supersedes the old decisions, which stay in the history; the same file
  under another round label is that round's figures (a county that did not resurvey re-sends its file).
- **Supersession order: round label, then import order.** An enterprise (``Record.key``: credit code, else
  name|county) has one *current* record: the one from the latest round label (compared as text, so write
  rounds as ``2018-04``; imports without a round count as the earliest), and within a round the latest
  import (then the later row). A late April file imported after the August one does not overwrite August.
  ``records.is_current`` holds that choice, maintained inside each import's transaction, so the summary is
  one indexed, grouped query over current rows.
- **No personal data.** Contact names, phone numbers, ID numbers and reporters (`fields.PERSONAL_FIELDS`) have
  no column here; rows are built field by field from what the summary needs. Phones and ID numbers typed
  into the free text that is kept (names, anchors, proposals, file and sheet names) are masked by
  `privacy.mask`; a credit-code cell holding one is not kept at all (issue 14, items 5, 8).
- **A damaged ledger is never written to.** Before its first write a `Ledger` runs SQLite's
  ``PRAGMA quick_check`` (issue 14, item 4: a `classify` said “已记入账本” into a file with 64 KB of garbage in it).

Where the parts are: this module is the `Ledger` — opening, transactions, imports and supersession, the
summary's and the report's queries, `verify` — and the values it takes and gives. The tables and indexes
are in `ledger.schema`, the frozen migrations in `ledger.migrations`, the supersession order in SQL in
`ledger.supersession`, and locating the ledger and setting up its engine in `ledger.engine`. Every public
name is importable from here.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    String,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
    true,
    type_coerce,
)

from qhunion.errors import FORBIDDEN, UNREADABLE, USAGE, LedgerProblem
from qhunion.fields import TRUCK_DRIVERS
from qhunion.ledger.engine import _PG_LOCK, _WRITE, _display, _engine
from qhunion.ledger.engine import BUSY_TIMEOUT_S as BUSY_TIMEOUT_S
from qhunion.ledger.engine import CACHE_KIB as CACHE_KIB
from qhunion.ledger.engine import locate as locate

# The ledger's table of re-derived decisions (concentration fills it): every table is importable from here.
from qhunion.ledger.history import decision_changes as decision_changes
from qhunion.ledger.migrations import LATEST as LATEST
from qhunion.ledger.migrations import MIGRATIONS as MIGRATIONS
from qhunion.ledger.migrations import Migration as Migration
from qhunion.ledger.schema import COUNTS as COUNTS
from qhunion.ledger.schema import CURRENT as CURRENT
from qhunion.ledger.schema import IMPORT_INDEX as IMPORT_INDEX
from qhunion.ledger.schema import ROUND_INDEX as ROUND_INDEX
from qhunion.ledger.schema import SUMMARY_INDEX as SUMMARY_INDEX
from qhunion.ledger.schema import imports as imports
from qhunion.ledger.schema import metadata as metadata
from qhunion.ledger.schema import records as records
from qhunion.ledger.schema import schema_migrations as schema_migrations
from qhunion.ledger.supersession import _current_as_of
from qhunion.ledger.supersession import _elect as _elect
from qhunion.ledger.supersession import _shares_key_with as _shares_key_with
from qhunion.ledger.supersession import _supersede as _supersede
from qhunion.normalise.privacy import mask, mask_optional
from qhunion.oserrors import os_reason
from qhunion.readers.sheet import file_label
from qhunion.rounds import canonical as canonical_round
from qhunion.tally import REPORTED
from qhunion.tally import Tally as Tally

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql import ColumnElement

    from qhunion.decide.ruleset import RuleSet
    from qhunion.pipeline import Result
    from qhunion.records import Record
    from qhunion.rules import Decision


class LedgerError(LedgerProblem):
    """The ledger cannot be opened, read or written. ``reason`` is a Chinese sentence."""


class LedgerMissing(LedgerError):
    """A read-only command was pointed at a ledger file that does not exist."""

    status = UNREADABLE


class UnknownImport(LedgerError):
    """``ledger forget`` named an import the ledger does not hold."""

    status = USAGE


class UnknownRound(LedgerError):
    """``--round``/``--compare`` named a round no import carries."""

    status = USAGE


class LedgerForbidden(LedgerError):
    """PostgreSQL's row-level security refused a write outside the role's region (ledger.pg.grant)."""

    status = FORBIDDEN


# ── Values going in and out ──────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Source:
    """One input file as the ledger identifies it."""

    file_name: str
    sha256: str
    sheets: tuple[str, ...] = ()

    @classmethod
    def of(cls, path: Path, sheets: Iterable[str] = ()) -> Source:
        try:
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError as exc:
            raise LedgerError(f"无法读取 {file_label(path)} 以计算其指纹（{os_reason(exc)}），未记入账本") from exc
        return cls(file_label(path), digest, tuple(sheets))


@dataclass(frozen=True)
class ImportInfo:
    id: int
    file_name: str
    sha256: str
    sheets: tuple[str, ...]
    record_count: int
    imported_at: dt.datetime | None  # aware, UTC; None when the stored value is not a time (a hand-edited row)
    ruleset_id: str
    ruleset_version: str
    ruleset_digest: str
    round_label: str
    unit: str | None
    current: int = 0  # of its records, how many are the current record of their enterprise

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "file": self.file_name, "sha256": self.sha256, "sheets": list(self.sheets),
            "records": self.record_count, "current": self.current,
            "imported_at": None if self.imported_at is None else self.imported_at.astimezone().isoformat(
                timespec="seconds"),
            "rule_set": f"{self.ruleset_id} {self.ruleset_version} ({self.ruleset_digest})",
            "round": self.round_label or None, "unit": self.unit,
        }


@dataclass(frozen=True)
class ImportOutcome:
    info: ImportInfo
    already: bool  # the same content, rule set and round were imported before: nothing changed
    superseded: int = 0  # older current records this import replaced
    kept: int = 0  # its records that are not current because a later round already holds the enterprise
    repeated: int = 0  # rows of an enterprise already listed earlier in the same file (the later row counts)


@dataclass(frozen=True)
class ForgetOutcome:
    info: ImportInfo
    restored: int  # older records that are current again


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _reported_sums() -> list[Any]:
    whole = [func.coalesce(func.sum(case((records.c[p].isnot(None), records.c[w]), else_=0)), 0)
             for p, w in REPORTED]
    blank = [func.coalesce(func.sum(case((and_(records.c[p].is_(None), records.c[w] > 0), 1), else_=0)), 0)
             for p, w in REPORTED]
    return [*whole, *blank]


def _established_since(since: str) -> ColumnElement[bool]:
    """Established records of enterprises whose record current at the end of round ``since`` was not (issue
    11: 新建工会 counts enterprises that went from not established to established)."""
    p = records.alias("p")
    q = records.alias("q")
    later = or_(q.c.round_label > p.c.round_label,
                and_(q.c.round_label == p.c.round_label,
                     or_(q.c.import_id > p.c.import_id, and_(q.c.import_id == p.c.import_id, q.c.id > p.c.id))))
    p_current = ~select(q.c.id).where(q.c.key == p.c.key, q.c.round_label <= since, later).exists()
    return and_(records.c.decision == "established",
                select(p.c.id).where(p.c.key == records.c.key, p.c.round_label <= since,
                                     p.c.decision != "established", p_current).exists())


@dataclass(frozen=True)
class Pending:
    """An enterprise that must form its own union and has not: a line of the report's annex."""

    name: str | None
    credit_code: str | None
    prefecture: str | None
    county: str | None
    decision: str
    proposal: str | None
    responsible: str | None


# What the ledger keeps of one enterprise: region, group, decision and the counts — nothing personal.
RECORD_COLUMNS = (  # in the table's order, so that the driver gets the tuples as they are
    "import_id", "round_label", "key", "name", "credit_code", "prefecture", "county", "group_name", "entity_type",
    "sheet", "row_number", "decision", "rule", "responsible", "anchor", "proposal", "vehicles", "employees",
    "drivers", "migrant_workers", "members", "driver_members", "migrant_members", "has_union",
    "meets_standalone", "is_current",
)


# Sheet names and proposals repeat down a survey: each distinct text is masked once (mask is a pure function).
_mask_repeated = functools.lru_cache(maxsize=4096)(mask)


def record_values(r: Record, d: Decision, rs: RuleSet, import_id: int, round_label: str,
                  is_current: bool) -> tuple[Any, ...]:
    """One row of ``records``, in the order of RECORD_COLUMNS. Free text is masked (`privacy.mask`); a credit
    code that is really an ID or phone number is not kept, nor is it the enterprise's key. The anchor, the
    vehicles used and the standalone requirement are the decision's own (issue 12: not re-derived here)."""
    key, code = r.ledger_key
    return (
        import_id, round_label, key, mask_optional(r.name), code,
        r.prefecture, r.county,
        r.group or TRUCK_DRIVERS,  # blank means the survey's own group
        r.entity_type, _mask_repeated(r.sheet), r.row, d.code, d.rule, "、".join(d.responsible) or None,
        mask_optional(d.anchor), _mask_repeated(d.proposal or "") or None, d.vehicles, r.employees, r.drivers,
        r.migrant_workers, r.members,
        r.driver_members, r.migrant_members, r.has_union, d.meets_standalone, is_current,
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _when(value: Any) -> dt.datetime | None:
    """A stored time (a datetime from PostgreSQL, text from SQLite) → aware UTC, or None when it is none."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return _utc(value) if isinstance(value, dt.datetime) else None


class Ledger:
    """An open ledger. ``Ledger(None)`` is the default location; ``Ledger("sqlite://")`` an in-memory one
    (how `summary FILE…` summarises files without storing them)."""

    def __init__(self, db: str | os.PathLike[str] | None = None, *, create: bool = True) -> None:
        from sqlalchemy.engine import make_url

        self.url = locate(db)
        self.name = _display(self.url)
        u = make_url(self.url)
        self._sqlite = u.get_backend_name() == "sqlite"
        memory = self._sqlite and u.database in (None, "", ":memory:")
        wal = False
        if self._sqlite and not memory:
            path = Path(u.database or "")
            wal = not path.exists() or path.stat().st_size == 0  # a new ledger (see ledger.engine._engine)
            if not create and not path.exists():
                raise LedgerMissing(f"找不到账本 {path}：还没有用 qhunion classify 导入过调查表（或请用 --db 指定账本）")
            if not path.parent.is_dir():
                raise LedgerError(f"无法创建账本 {path}：文件夹“{path.parent}”不存在")
        self._tallies: dict[tuple[Any, ...], list[Tally]] = {}  # tally() answers, until the next write
        self.engine = _engine(self.url, wal)
        self._intact = memory  # set once the pre-write check has passed (an in-memory ledger needs none)
        with self._errors():
            self._migrate()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions ------------------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError

        try:
            yield
        except LedgerError:
            raise
        except DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None)  # PostgreSQL's error class
            if state == "42501" or (state == "23505" and "uq_imports_content" in str(exc.orig)):
                from qhunion.ledger.pg import forbidden_reason

                raise LedgerForbidden(forbidden_reason(self.name, str(exc.orig))) from exc
            raise LedgerError(self._reason(str(exc.orig))) from exc
        except SQLAlchemyError as exc:
            raise LedgerError(f"账本 {self.name} 出错：{exc}") from exc

    def _reason(self, message: str) -> str:
        low = message.lower()
        if "locked" in low or "busy" in low:
            return f"账本 {self.name} 被另一个 qhunion 占用超过 {BUSY_TIMEOUT_S} 秒，请等它结束后重试"
        if "unable to open" in low or "readonly" in low or "read-only" in low:
            return f"无法写入账本 {self.name}（没有写入权限或文件夹不可用），请检查后重试或用 --db 换一个位置"
        if "malformed" in low:
            return (f"账本 {self.name} 已损坏（SQLite 报告数据库结构损坏），本次未写入任何内容；请用 qhunion ledger verify "
                    "检查，并从备份恢复或用 --db 另选账本")
        if "not a database" in low:
            return f"{self.name} 不是完好的 qhunion 账本（文件损坏或不是 SQLite 数据库），请用 --db 指定正确的账本"
        if m := re.search(r"no such (table|column|index): ?(\S+)", message):
            what = {"table": "数据表", "column": "数据列", "index": "索引"}[m[1]]
            return (f"账本 {self.name} 缺少{what}“{m[2]}”，不是完整的 qhunion 账本（可能被其他程序改动过），"
                    "未读写任何内容；请用 qhunion ledger verify 检查，或用 --db 另选账本")
        if "connection" in low and ("failed" in low or "refused" in low):
            return f"无法连接账本数据库 {self.name}（服务器未启动、地址或用户名有误），请检查 --db 或 QHUNION_DB 后重试"
        if "full" in low or "disk i/o" in low:
            return f"写入账本 {self.name} 失败（磁盘已满或读写出错），请腾出空间后重试"
        return f"账本 {self.name} 读写出错，未改动任何内容；请用 qhunion ledger verify 检查（数据库报告：{message}）"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction. Writers take turns: SQLite's BEGIN IMMEDIATE takes the write lock up front
        (waiting up to the busy timeout), PostgreSQL takes a transaction-level advisory lock — so the current
        flags one import computes cannot race another's."""
        self._tallies.clear()  # what the summary read before a write no longer holds after it
        with self._errors(), self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
                if not self._intact and self._sqlite:
                    self._check_intact(conn)
                yield conn

    def _check_intact(self, conn: Connection) -> None:
        """SQLite's ``quick_check`` — every page and record readable, the b-trees well formed — before the
        first write, under the write lock. A damaged ledger is refused, not written to: SQLite would happily
        append to pages the damage did not touch and `classify` would report the import as recorded.
        (quick_check leaves out the index-against-table comparison of integrity_check; that one is
        `ledger verify`'s.) Cost: it reads every page once — 2.7–4.6 s on an 868 MB ledger of 3,000,000
        records (benchmarks/make_ledger.py), once per run that writes."""
        result = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
        if result != ["ok"]:
            raise LedgerError(f"账本 {self.name} 已损坏（SQLite 完整性检查未通过），为免损坏扩大，本次未写入任何内容；"
                              "请用备份替换它，或用 --db 另选账本，详情见 qhunion ledger verify")
        self._intact = True

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    # For modules that keep their own table in the ledger (concentration.py): the same transactions.
    def reading(self) -> AbstractContextManager[Connection]:
        return self._read()

    def writing(self) -> AbstractContextManager[Connection]:
        return self._write()

    # -- schema --------------------------------------------------------------------------------------
    def _applied(self, conn: Connection) -> set[int]:
        from sqlalchemy import inspect

        names = set(inspect(conn).get_table_names())
        if "schema_migrations" not in names:
            if names:
                raise LedgerError(f"{self.name} 不是 qhunion 账本（其中已有其他数据表），请用 --db 另选一个文件")
            return set()
        return set(conn.execute(select(schema_migrations.c.version)).scalars())

    def _migrate(self) -> None:
        """Bring the ledger to the current schema, in one transaction: an older ledger is upgraded whole or
        not at all, and two processes opening it at once upgrade it once."""
        with self._read() as conn:
            if self._applied(conn) == {m.version for m in MIGRATIONS}:
                from sqlalchemy import inspect

                present = set(inspect(conn).get_table_names())
                missing = [t for t in metadata.tables if t not in present]
                if missing:
                    raise LedgerError(f"账本 {self.name} 缺少数据表“{'、'.join(missing)}”，不是完整的 qhunion 账本"
                                      "（可能被其他程序改动过）；请用备份替换它，或用 --db 另选账本")
                return
        with self._write() as conn:
            applied = self._applied(conn)
            if applied and max(applied) > LATEST:
                raise LedgerError(f"账本 {self.name} 的结构版本（v{max(applied)}）比本程序能识别的（v{LATEST}）新，"
                                  "请升级 qhunion 后再用")
            for m in MIGRATIONS:
                if m.version not in applied:
                    m.apply(conn)
                    conn.execute(insert(schema_migrations).values(version=m.version, name=m.name,
                                                                  applied_at=_now()))

    def schema_version(self) -> int:
        with self._read() as conn:
            return max(self._applied(conn), default=0)

    # -- imports -------------------------------------------------------------------------------------
    def add(self, source: Source, pairs: Sequence[tuple[Record, Decision]], rs: RuleSet,
            round_label: str | None = None, unit: str | None = None) -> ImportOutcome:
        """Record one file's classified enterprises as one import, in one transaction."""
        round_label = canonical_round(round_label)  # 2018-4 is 2018-04, not a round of its own (issue 13)
        unit = mask((unit or "").strip()) or None  # --unit is typed by a person: “城北区总工会 填报人139…”
        with self._write() as conn:
            same = conn.execute(select(*IMPORT_ROW).where(
                imports.c.sha256 == source.sha256, imports.c.ruleset_digest == rs.digest,
                imports.c.round_label == round_label)).first()
            if same is not None:
                return ImportOutcome(_info(same._mapping), already=True)
            values = {
                "file_name": mask(source.file_name), "sha256": source.sha256,
                "sheets": [mask(s) for s in source.sheets],
                "record_count": len(pairs), "imported_at": _now(), "ruleset_id": rs.meta.id,
                "ruleset_version": rs.meta.version, "ruleset_digest": rs.digest, "round_label": round_label,
                "unit": unit,
            }
            import_id = conn.execute(insert(imports).values(**values).returning(imports.c.id)).scalar_one()
            # Inserted with the flag the file implies on its own (a key's last row counts), so the election
            # below rewrites only the records that other imports make right or wrong.
            # By the key as stored (masked): two names that differ only in a phone number are one enterprise there.
            stored = [r.ledger_key[0] for r, _ in pairs]
            last = {key: i for i, key in enumerate(stored)}
            _insert_many(conn, records, RECORD_COLUMNS, [
                record_values(r, d, rs, import_id, round_label, last[stored[i]] == i) for i, (r, d) in enumerate(pairs)])
            superseded = _supersede(conn, import_id)
            # Only a record of a later round can outrank this import's own (any other import came earlier).
            if conn.execute(select(imports.c.id).where(imports.c.round_label > round_label).limit(1)).first():
                _elect(conn, records.c.import_id == import_id)
            current = conn.execute(select(func.count()).select_from(records).where(
                records.c.import_id == import_id, CURRENT)).scalar_one()
            keys = len(last)
            return ImportOutcome(_info({**values, "id": import_id}, current), already=False,
                                 superseded=superseded, kept=keys - current, repeated=len(pairs) - keys)

    def record(self, result: Result, round_label: str | None = None, unit: str | None = None) -> list[ImportOutcome]:
        """One import per readable input file of a classify run."""
        outcomes = []
        for path in result.survey.readable_paths:  # by place, not name: d1/调查表.xlsx and d2/调查表.xlsx are two
            layouts = result.survey.layouts[result.survey.spans[path].layouts]
            sheets = [lay.sheet for lay in layouts if lay.skipped is None]
            pairs = result.pairs_of(path)
            outcomes.append(self.add(Source.of(path, sheets), pairs, result.ruleset, round_label, unit))
        return outcomes

    def imports(self) -> list[ImportInfo]:
        with self._read() as conn:
            current = {import_id: n for import_id, n in conn.execute(
                select(records.c.import_id, func.count()).where(CURRENT)
                .group_by(records.c.import_id))}
            return [_info(row._mapping, current.get(row.id, 0))
                    for row in conn.execute(select(*IMPORT_ROW).order_by(imports.c.id))]

    def find_import(self, ident: str | int) -> ImportInfo:
        """An import by number, or by file name when exactly one import has it."""
        found = self.imports()
        text_id = str(ident).strip().lstrip("#")
        if text_id.isdigit():
            hits = [i for i in found if i.id == int(text_id)]
        else:
            hits = [i for i in found if i.file_name in (text_id, mask(text_id))]
        if len(hits) == 1:
            return hits[0]
        if hits:
            numbers = "、".join(f"#{i.id}" for i in hits)
            raise UnknownImport(f"账本中有 {len(hits)} 次导入的文件名是“{text_id}”（{numbers}），请用编号指定")
        what = f"第 {text_id} 次导入" if text_id.isdigit() else f"文件名为“{text_id}”的导入"
        raise UnknownImport(f"账本 {self.name} 中没有{what}，请用 qhunion ledger list 查看导入编号")

    def forget(self, import_id: int) -> ForgetOutcome:
        """Remove an import and its records; each enterprise's previous record becomes current again."""
        with self._write() as conn:
            row = conn.execute(select(*IMPORT_ROW).where(imports.c.id == import_id)).first()
            if row is None:
                raise UnknownImport(f"账本 {self.name} 中没有第 {import_id} 次导入，请用 qhunion ledger list 查看")
            # Removing records can only give the flag back, so every flag changed is one restored.
            restored = _elect(conn, _shares_key_with(import_id), without=import_id)
            conn.execute(delete(records).where(records.c.import_id == import_id))
            conn.execute(delete(imports).where(imports.c.id == import_id))
            return ForgetOutcome(_info(row._mapping), restored=restored)

    def rounds(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(imports.c.round_label).distinct()
                                     .order_by(imports.c.round_label)).scalars())

    def rule_sets(self) -> list[str]:
        """The rule sets (id, version, hash) of the imports that hold current records."""
        with self._read() as conn:
            rows = conn.execute(
                select(imports.c.ruleset_id, imports.c.ruleset_version, imports.c.ruleset_digest).distinct()
                .where(exists().where(records.c.import_id == imports.c.id, CURRENT))
                .order_by(imports.c.ruleset_version, imports.c.ruleset_digest))
            return [f"{i} {v} ({d})" for i, v, d in rows]

    # -- the summary's query -------------------------------------------------------------------------
    def tally(self, prefecture: str | None = None, county: str | None = None, round_label: str | None = None,
              anchor: bool = False, established_since: str | None = None) -> list[Tally]:
        """Current records (or those current at the end of ``round_label``) within a region, grouped by county,
        decision, standalone requirement, group and responsible unions (and anchor): one grouped query. The
        grouping follows the summary index's column order, so SQLite reads that index alone, in order, with
        no sort; the result is a few hundred rows whatever the ledger's size."""
        asked = (prefecture, county, round_label, anchor, established_since)
        if asked in self._tallies:  # a report folds the same cells by county and by prefecture
            return self._tallies[asked]
        keys = [records.c[c] for c in ("prefecture", "county", "decision", "meets_standalone", "group_name",
                                       "responsible")]
        if anchor:
            keys.append(records.c.anchor)
        sums = [func.coalesce(func.sum(records.c[c]), 0) for c in COUNTS] + _reported_sums()
        stmt = select(*keys, func.count(), *sums)
        if round_label is None:
            stmt = stmt.where(CURRENT)
        else:
            rounds = self.rounds()
            if round_label not in rounds:
                known = "、".join(r for r in rounds if r) or "（没有，导入时请用 --round 标注轮次）"
                raise UnknownRound(f"账本 {self.name} 中没有轮次“{round_label}”；已有的轮次：{known}")
            stmt = stmt.where(_current_as_of(round_label))
        if established_since is not None:
            stmt = stmt.where(_established_since(established_since))
        if prefecture is not None:
            stmt = stmt.where(records.c.prefecture == prefecture)
        if county is not None:
            stmt = stmt.where(records.c.county == county)
        with self._read() as conn:
            found = [Tally(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6] if anchor else None,
                           *map(int, row[len(keys):]))
                     for row in conn.execute(stmt.group_by(*keys))]
        self._tallies[asked] = found
        return found

    # -- the report's queries (issue 16) -------------------------------------------------------------
    def pending(self, prefecture: str | None = None, county: str | None = None, round_label: str | None = None,
                limit: int = 500) -> list[Pending]:
        """Enterprises 三（二） requires to form their own union that have not (the summary's ``to_form``:
        required, not closed, not established), current now or at the end of ``round_label``; at most
        ``limit``, by region and name. No personal data: name, place, proposal and responsible unions."""
        cols = [records.c[c] for c in ("name", "credit_code", "prefecture", "county", "decision", "proposal",
                                       "responsible")]
        stmt = select(*cols).where(records.c.meets_standalone == true(),
                                   records.c.decision.not_in(("established", "excluded")))
        stmt = stmt.where(CURRENT if round_label is None else _current_as_of(round_label))
        if prefecture is not None:
            stmt = stmt.where(records.c.prefecture == prefecture)
        if county is not None:
            stmt = stmt.where(records.c.county == county)
        stmt = stmt.order_by(records.c.prefecture, records.c.county, records.c.name).limit(limit)
        with self._read() as conn:
            return [Pending(*row) for row in conn.execute(stmt)]

    def county_rounds(self, prefecture: str | None = None, county: str | None = None) -> dict[
            tuple[str | None, str | None], list[str]]:
        """(prefecture, county) → the round labels it has records of, in order: who surveyed when."""
        keys = (records.c.prefecture, records.c.county, records.c.round_label)
        stmt = select(*keys).group_by(*keys).order_by(*keys)
        if prefecture is not None:
            stmt = stmt.where(records.c.prefecture == prefecture)
        if county is not None:
            stmt = stmt.where(records.c.county == county)
        out: dict[tuple[str | None, str | None], list[str]] = {}
        with self._read() as conn:
            for pref, cty, label in conn.execute(stmt):
                out.setdefault((pref, cty), []).append(label or "")
        return out
    def unplaced(self, round_label: str | None = None) -> int:
        """Current enterprises (at the end of ``round_label``) that no source placed in a prefecture: the
        province summary counts them under 地区不明, and a regional summary says how many it leaves out."""
        stmt = select(func.count()).select_from(records).where(records.c.prefecture.is_(None))
        stmt = stmt.where(CURRENT if round_label is None else _current_as_of(round_label))
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def first_rounds(self) -> dict[tuple[str | None, str | None], str]:
        """Each county's earliest round label (imports without a round left out): issue 11's late flag."""
        with self._read() as conn:
            return {(p, c): r for p, c, r in conn.execute(
                select(records.c.prefecture, records.c.county, func.min(records.c.round_label))
                .where(records.c.round_label != "").group_by(records.c.prefecture, records.c.county))}

    # -- checks --------------------------------------------------------------------------------------
    def verify(self) -> list[Check]:
        """SQLite's own integrity check, then the ledger's invariants."""
        checks = []
        with self._read() as conn:
            if self._sqlite:
                result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
                checks.append(Check("integrity", result == ["ok"], "；".join(result[:5])))
                fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                checks.append(Check("foreign_keys", not fk, f"{len(fk)} 处外键不符" if fk else "ok"))
            version = max(self._applied(conn), default=0)
            checks.append(Check("schema", version == LATEST, f"v{version}（本程序 v{LATEST}）"))
            orphans = conn.execute(select(func.count()).select_from(records).where(
                ~exists().where(imports.c.id == records.c.import_id))).scalar_one()
            checks.append(Check("orphans", orphans == 0, f"{orphans} 条记录没有对应的导入"))
            n_current = func.sum(case((records.c.is_current, 1), else_=0))
            wrong = conn.execute(select(func.count()).select_from(
                select(records.c.key).group_by(records.c.key).having(n_current != 1).subquery())).scalar_one()
            checks.append(Check("one_current", wrong == 0, f"{wrong} 家企业的现行记录不是恰好一条"))
            # The last record of each enterprise in the supersession order, and only it, is current.
            rank = func.row_number().over(partition_by=records.c.key, order_by=(
                records.c.round_label.desc(), records.c.import_id.desc(), records.c.id.desc()))
            ranked = select(records.c.is_current, rank.label("rank")).subquery()
            wrong_flag = conn.execute(select(func.count()).select_from(ranked).where(
                (ranked.c.rank == 1) != ranked.c.is_current)).scalar_one()
            checks.append(Check("current_is_latest", wrong_flag == 0,
                                f"{wrong_flag} 条记录的现行标记与“最新轮次、最后导入”不符"))
            counted = select(records.c.import_id, func.count().label("n")).group_by(records.c.import_id).subquery()
            mismatched = conn.execute(select(func.count()).select_from(
                imports.outerjoin(counted, counted.c.import_id == imports.c.id)).where(
                imports.c.record_count != func.coalesce(counted.c.n, 0))).scalar_one()
            checks.append(Check("import_counts", mismatched == 0, f"{mismatched} 次导入的记录数与登记不符"))
        return checks


def _insert_many(conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert many rows given as tuples in the order of ``columns``: the statement compiled once for this
    database, the rows handed to its driver as they are. `conn.execute(insert(table), dicts)` does the same
    with per-row work that took longer than SQLite's own insert (100,000 records: 1.9 s of 5 s). The values
    must need no type conversion — records hold only str, int, bool and None, which every DB-API driver takes
    as they are."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from qhunion.ledger.pg import copy_rows

        copy_rows(conn, table.name, columns, rows)
        return
    compiled = insert(table).inline().compile(dialect=conn.dialect, column_keys=list(columns))
    if compiled.positional:
        at = {name: i for i, name in enumerate(columns)}
        order = [at[name] for name in compiled.positiontup or []]
        if order != list(range(len(columns))):
            rows = [tuple(row[i] for i in order) for row in rows]
        conn.exec_driver_sql(compiled.string, rows)
    else:
        conn.exec_driver_sql(compiled.string, [dict(zip(columns, row, strict=True)) for row in rows])


# An import's row with imported_at as stored, not parsed by SQLAlchemy's DateTime (which raises on a value
# such as 'not a date' and took `ledger list` and `forget` down with it, issue 14 item 21): `_info` parses it.
IMPORT_ROW = tuple(type_coerce(c, String).label(c.name) if c.name == "imported_at" else c for c in imports.c)


def _info(row: Any, current: int = 0) -> ImportInfo:
    """An import as the ledger holds it. Names are masked again on the way out: a ledger written before
    masking existed may hold a phone in a file name."""
    return ImportInfo(
        id=row["id"], file_name=mask(row["file_name"]), sha256=row["sha256"],
        sheets=tuple(mask(str(s)) for s in row["sheets"] or ()),
        record_count=row["record_count"], imported_at=_when(row["imported_at"]), ruleset_id=row["ruleset_id"],
        ruleset_version=row["ruleset_version"], ruleset_digest=row["ruleset_digest"],
        round_label=row["round_label"] or "", unit=row["unit"], current=current,
    )
