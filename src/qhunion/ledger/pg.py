"""The ledger on a PostgreSQL server: the driver URL, bulk loading with COPY, and regional roles whose
row-level security lets a county (or prefecture) office insert and read only its own region's records.

The province's role owns the tables (it ran the migrations), so PostgreSQL's policies do not apply to it and
it sees everything. `grant` gives an office a login role and two policies:

- ``records``: the role reads, inserts and updates only rows whose ``county`` (or ``prefecture``) is its
  region — a row of another region, or with no county, makes the whole import fail (nothing is written);
- ``imports``: the role sees an import only when none of its records lies outside the region (checked by a
  SECURITY DEFINER function, since the role itself cannot see those records); it may insert imports.

psycopg is imported inside the functions: `qhunion --help` must not load it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qhunion.errors import UsageProblem

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from qhunion.ledger import Ledger
    from qhunion.summary import Scope

DRIVER = "postgresql+psycopg"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
REGION_FUNCTION = "qhunion_import_in_region"


class GrantError(UsageProblem):
    """``ledger grant`` was asked for something it cannot do. ``reason`` is a Chinese sentence."""


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 (the `postgres` extra), not SQLAlchemy's default
    psycopg2; any other URL is kept as written."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return f"{DRIVER}://" + url[len(scheme):]
    return url


def forbidden_reason(name: str, message: str) -> str:
    """The sentence for a write the server refused to a regional role (insufficient privilege, or an import
    the ledger holds already but the role may not see: another region's)."""
    if "uq_imports_content" in message:
        return (f"无权写入该地区：账本 {name} 中已有这份文件（内容、规则集和轮次都相同）的导入，但它含有其他地区的企业，"
                "当前数据库用户看不到；本次未写入任何内容")
    if "row-level security" in message:
        return (f"无权写入该地区：账本 {name} 的当前数据库用户只能写入本地区的企业记录，而这次导入中有其他地区"
                "（或未填县区）的企业，本次未写入任何内容")
    return f"无权执行该操作：账本 {name} 的当前数据库用户没有这项权限（如撤销导入、授权只能由省总工会的账户执行）"


@contextmanager
def _as_dbapi_errors(what: str) -> Iterator[None]:
    """psycopg's own errors as SQLAlchemy's: statements run on the driver's cursor here reach the ledger's one
    error path (Ledger._errors) like any other."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(what, None, exc, psycopg.Error) from exc


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert with COPY (100,000 records: several times faster than a multi-row INSERT). PostgreSQL does
    not allow COPY FROM into a table whose row-level security applies to the current user: such a regional
    role inserts row by row through the policies instead (psycopg pipelines them)."""
    from psycopg import sql

    dbapi: Any = conn.connection.driver_connection
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    with _as_dbapi_errors(f"COPY {table}"), dbapi.cursor() as cur:
        cur.execute("SELECT row_security_active(%s)", (table,))
        if cur.fetchone()[0]:
            marks = sql.SQL(", ").join(sql.Placeholder() * len(columns))
            cur.executemany(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table), names, marks), rows)
            return
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)) as copy:
            for row in rows:
                copy.write_row(row)


@dataclass(frozen=True)
class GrantOutcome:
    role: str
    column: str  # "county" | "prefecture"
    region: str
    created: bool  # a new role (else an existing one whose region was replaced)


def grant(ledger: Ledger, scope: Scope, role: str, password: str | None = None) -> GrantOutcome:
    """Create (or update) the login role ``role`` whose policies limit it to ``scope`` (a county or a
    prefecture). Run by the province's role, which owns the ledger's tables and may create roles."""
    from psycopg import sql

    if not ledger.url.startswith("postgresql"):
        raise GrantError(f"账本 {ledger.name} 是 SQLite 文件，没有数据库用户；按地区授权只适用于 PostgreSQL 账本")
    if not ROLE_NAME.fullmatch(role):
        raise GrantError(f"数据库用户名“{role}”不可用：请用小写英文字母、数字和下划线（如 ledu），以字母开头")
    if scope.level == "province":
        raise GrantError("请用 --county 或 --prefecture 指定一个县（市、区）或市（州）；省总工会的账户本身就能看到全部记录")
    column, region = ("county", scope.county) if scope.level == "county" else ("prefecture", scope.prefecture)
    assert region is not None
    with ledger._write() as conn:
        dbapi: Any = conn.connection.driver_connection
        with _as_dbapi_errors(f"GRANT {role}"), dbapi.cursor() as cur:
            cur.execute("SELECT current_user, current_database()")
            owner, database = cur.fetchone()
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,))
            found = cur.fetchone()
            if role == owner or (found is not None and found[0]):
                raise GrantError(f"“{role}”是省总工会（账本所有者）或超级用户的账户，不能限定到一个地区；请另起一个用户名")
            ident = sql.Identifier(role)
            verb = sql.SQL("CREATE ROLE" if found is None else "ALTER ROLE")
            statement = sql.SQL("{} {} LOGIN").format(verb, ident)
            if password:
                statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
            cur.execute(statement)
            for stmt in (
                sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
                sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
                sql.SQL("GRANT SELECT ON schema_migrations TO {}").format(ident),
                sql.SQL("GRANT SELECT, INSERT, UPDATE ON imports, records TO {}").format(ident),
                sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident),
                sql.SQL("ALTER TABLE records ENABLE ROW LEVEL SECURITY"),
                sql.SQL("ALTER TABLE imports ENABLE ROW LEVEL SECURITY"),
                # Runs as the owner (not subject to the policies): does the import hold a record elsewhere?
                sql.SQL(f"""CREATE OR REPLACE FUNCTION {REGION_FUNCTION}(import integer, region_column text,
                        region text) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
                        SET search_path = public AS $$
                    SELECT NOT EXISTS (SELECT 1 FROM records r WHERE r.import_id = import AND
                        (CASE region_column WHEN 'county' THEN r.county ELSE r.prefecture END)
                        IS DISTINCT FROM region) $$"""),
                sql.SQL(f"REVOKE ALL ON FUNCTION {REGION_FUNCTION}(integer, text, text) FROM PUBLIC"),
                sql.SQL(f"GRANT EXECUTE ON FUNCTION {REGION_FUNCTION}(integer, text, text) TO {{}}").format(ident),
            ):
                cur.execute(stmt)
            for table in ("records", "imports"):
                policy = sql.Identifier(f"qhunion_{role}_{table}")
                cur.execute(sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(policy, sql.Identifier(table)))
            mine = sql.SQL("{} = {}").format(sql.Identifier(column), sql.Literal(region))
            cur.execute(sql.SQL("CREATE POLICY {} ON records FOR ALL TO {} USING ({}) WITH CHECK ({})").format(
                sql.Identifier(f"qhunion_{role}_records"), ident, mine, mine))
            cur.execute(sql.SQL(
                f"CREATE POLICY {{}} ON imports FOR ALL TO {{}} USING ({REGION_FUNCTION}(id, {{}}, {{}})) "
                "WITH CHECK (true)").format(
                sql.Identifier(f"qhunion_{role}_imports"), ident, sql.Literal(column), sql.Literal(region)))
    return GrantOutcome(role, column, region, created=found is None)
