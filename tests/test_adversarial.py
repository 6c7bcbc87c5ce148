"""The adversarial run we keep (issue 14, “Done when”): more shapes of the same kinds as the 88-attack run —
hostile workbooks, encodings, filesystem faults, ledger damage, personal data everywhere, odd options and rule
files. Each attack builds its files in a folder of its own and runs real `python -m qhunion` processes there
(60 s, 2 GiB of address space), and for every attack the same things must hold:

- the exit status is one of ours (0–6): never 70, never a signal, and nothing runs past 60 s or 2 GiB RSS;
- no “Traceback” on stdout or stderr;
- no planted phone or ID number (in any of its writings) on stdout, stderr, in the ledger (its bytes and every
  row of every table) or in any other file written — only in the user's own `*_建会判定.xlsx` copy;
- no input file changed (a damaged ledger is an input: it is never written to).
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import sqlite3
import stat
import subprocess
import sys
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from builders import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    FLAT_HEADER,
    ODS_CELL,
    Cell,
    flat_grid,
    flat_survey_xml,
    raw_ods,
    raw_xlsx,
    shared_strings_xml,
    sheet_xml,
    write_book,
    write_csv,
    zip_bomb_xlsx,
)
from qhunion.ledger import Ledger
from test_ledger import record
from test_ledger import survey as ledger_survey
from test_personal_data import id_number
from test_readers import write_xlsb
from test_ruleset import PACKAGED, edited

pytestmark = pytest.mark.slow

LIMIT = 2 * 1024**3
TIMEOUT = 60.0
OUR_STATUSES = {0, 1, 2, 3, 4, 5, 6}

# ── The planted personal numbers, and the writings they are planted in ─────────────────────────────────
PHONE, PHONE2, PHONE3 = "13912345678", "18600001111", "15987654321"
LANDLINE = "09718123456"  # 0971 西宁 + 8123456
ID18, ID18B = id_number("63010219800101123"), id_number("63212319751231456")
ID15 = "630102800101123"
CANONICAL = (PHONE, PHONE2, PHONE3, LANDLINE, ID18, ID18B, ID15)
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
PHONE_WRITINGS = ("+86 139 1234 5678", "139-1234-5678", "(139)1234-5678", "８６" + PHONE.translate(FULLWIDTH),
                  "0086-13912345678", f"{PHONE2}a")
ID_WRITINGS = (f"{ID18[:6]} {ID18[6:14]} {ID18[14:]}", ID18B.translate(FULLWIDTH), ID15)


def leaks(text: str) -> list[str]:
    """The planted numbers found in ``text``, however written: full-width digits folded, separators between
    digits (spaces, hyphens, brackets, dots) squeezed out."""
    folded = unicodedata.normalize("NFKC", text)
    squeezed = re.sub(r"(?<=\d)[\s\-–—()（）.+]+(?=\d)", "", folded)
    return [n for n in CANONICAL if n in squeezed or n in folded]


# ── Survey builders ────────────────────────────────────────────────────────────────────────────────────
HEADER = [*FLAT_HEADER, "依托的平台/园区/市场", "联系人", "联系电话", "身份证号"]


def row(name: str, county: str = "城北区", vehicles: Cell = 3, employees: Cell = 30, union: Cell = "否",
        anchor: Cell = None, phone: Cell = PHONE, id_: Cell = ID18, code: Cell = None) -> list[Cell]:
    return [name, code, "西宁市", county, vehicles, employees, union, anchor, "张某某", phone, id_]


def survey(path: Path, *rows: Sequence[Cell], sheet: str = "S") -> Path:
    body = list(rows) or [row("甲物流有限公司"), row("乙运输有限公司", "城东区", 25, 60, phone=PHONE2, id_=ID18B)]
    grid = flat_grid(HEADER, [list(r) for r in body])
    return write_csv(path, grid) if path.suffix == ".csv" else write_book(path, {sheet: grid})


def csv_bytes(lines: Sequence[Sequence[str]], newline: str = "\r\n") -> str:
    return newline.join(",".join(cells) for cells in lines) + newline


CSV_LINES = [["企业名称", "县（市、区）", "职工人数", "实际拥有车辆数", "联系电话", "身份证号"],
             ["甲物流有限公司", "城北区", "30", "20", PHONE, ID18],
             ["乙运输有限公司", "城东区", "60", "25", PHONE_WRITINGS[1], ID_WRITINGS[0]]]


def with_part(path: Path, member: str, transform: Callable[[bytes | None], bytes]) -> Path:
    """Rewrite (or add) one member of a zip package."""
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    parts[member] = transform(parts.get(member))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


def dtd_in(member: str, prolog: str = EXTERNAL_ENTITY) -> Callable[[bytes | None], bytes]:
    def transform(data: bytes | None) -> bytes:
        text = (data or b'<?xml version="1.0" encoding="UTF-8"?><styleSheet/>').decode()
        if text.startswith("<?xml"):
            head, rest = text.split("?>", 1)
            return (head + "?>" + prolog + rest).encode()
        return (prolog + text).encode()
    return transform


ONE = [("甲公司", None, "西宁市", "城北区", 3, 4, "否")]


def plain_xlsx(path: Path) -> Path:
    return raw_xlsx(path, {"S": sheet_xml(flat_survey_xml(ONE))})


def healthy_ledger(folder: Path) -> Path:
    path = folder / "qhunion.db"
    with Ledger(path) as ledger:
        record(ledger, ledger_survey(folder / "旧.csv", ["甲物流", 1, "城北区", 30, 40, "否", None]))
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")  # one file: what is damaged is all there is
    con.close()
    (folder / "旧.csv").unlink()
    return path


def damaged(how: Callable[[Path], None]) -> Callable[[Path], list[list[str]]]:
    def build(d: Path) -> list[list[str]]:
        db = healthy_ledger(d)
        how(db)
        survey(d / "新.xlsx")
        return [["classify", "新.xlsx", "-f", "json", "--no-workbook"], ["ledger", "list"], ["summary"]]
    return build


def _truncate(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2 + 100])


def _garbage(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[4096:8192] = bytes(range(256)) * 16
    db.write_bytes(bytes(data))


def _sql(statement: str) -> Callable[[Path], None]:
    def how(db: Path) -> None:
        with sqlite3.connect(db) as con:
            con.execute(statement)
        con.close()
    return how


# ── The attacks ────────────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Attack:
    build: Callable[[Path], list[list[str]]]  # makes the files in the folder; returns the command lines
    mutable: tuple[str, ...] = ()  # inputs the commands may rightly change (a healthy ledger)
    statuses: frozenset[int] = frozenset(OUR_STATUSES)
    bug: str = ""  # a real failure found by this run, kept as a strict xfail until it is fixed


def _far_ods(d: Path) -> list[list[str]]:
    header = "<table:table-row>" + "".join(ODS_CELL.format(h) for h in FLAT_HEADER) + "</table:table-row>"
    far = ('<table:table-row table:number-rows-repeated="999999"><table:table-cell/></table:table-row>'
           '<table:table-row><table:table-cell table:number-columns-repeated="16000"/>'
           + ODS_CELL.format(PHONE) + "</table:table-row>")
    raw_ods(d / "远.ods", header + far)
    return [["check", "远.ods", "-f", "json"]]


def _wide_repeat_ods(d: Path) -> list[list[str]]:
    raw_ods(d / "宽.ods", '<table:table-row table:number-rows-repeated="1048576">'
            '<table:table-cell table:number-columns-repeated="16384" office:value-type="string">'
            f"<text:p>{PHONE}</text:p></table:table-cell></table:table-row>")
    return [["classify", "宽.ods", "--no-ledger"]]


def _far_xlsb(d: Path) -> list[list[str]]:
    write_xlsb(d / "远.xlsb", {(0, 0): "企业名称", (0, 1): "县（市、区）", (1, 0): PHONE, (700_000, 9000): "x"})
    survey(d / "好.xlsx")
    return [["classify", "远.xlsb", "好.xlsx", "-f", "json"]]


def _bomb(ratio_mb: int) -> Callable[[Path], list[list[str]]]:
    def build(d: Path) -> list[list[str]]:
        zip_bomb_xlsx(d / "炸.xlsx", inflated=ratio_mb * 1024**2)
        return [["classify", "炸.xlsx", "-f", "csv"]]
    return build


def _bomb_in_shared_strings(d: Path) -> list[list[str]]:
    plain_xlsx(d / "串.xlsx")
    with_part(d / "串.xlsx", "xl/sharedStrings.xml",
              lambda _: shared_strings_xml(["甲" + " " * (64 * 1024**2)]).encode())
    return [["check", "串.xlsx"]]


def _nested_zip(d: Path) -> list[list[str]]:
    inner = zip_bomb_xlsx(d / "内.xlsx", inflated=64 * 1024**2).read_bytes()
    (d / "内.xlsx").unlink()
    survey(d / "外.xlsx")
    with_part(d / "外.xlsx", "xl/embeddings/oleObject1.bin", lambda _: inner)
    with zipfile.ZipFile(d / "包.xlsx", "w") as zf:  # an archive of workbooks renamed .xlsx
        zf.writestr("县/城北.xlsx", (d / "外.xlsx").read_bytes())
        zf.writestr("县/内.xlsx", inner)
    return [["classify", "外.xlsx", "包.xlsx", "-f", "json"]]


def _huge_shared_strings(d: Path) -> list[list[str]]:
    strings = [*FLAT_HEADER, "甲物流", *(f"串{i}" for i in range(300_000))]
    cells = "".join(f'<c r="{chr(65 + i)}1" t="s"><v>{i}</v></c>' for i in range(len(FLAT_HEADER)))
    data = f'<c r="A2" t="s"><v>{len(strings) - 1}</v></c><c r="D2" t="s"><v>{len(FLAT_HEADER)}</v></c>'
    raw_xlsx(d / "多串.xlsx", {"S": sheet_xml(f'<row r="1">{cells}</row><row r="2">{data}</row>')},
             shared_strings_xml(strings))
    return [["check", "多串.xlsx", "-f", "json"]]


def _lying_sst_count(d: Path) -> list[list[str]]:
    plain_xlsx(d / "数.xlsx")
    with_part(d / "数.xlsx", "xl/sharedStrings.xml", lambda _: (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" count="4294967295" uniqueCount="4294967295"><si><t>x</t></si></sst>'))
    return [["check", "数.xlsx"]]


def _one_long_string(d: Path) -> list[list[str]]:
    survey(d / "长.xlsx", row("甲" * 2_000_000 + PHONE), row("乙物流" + "\u202e" * 5000, phone=PHONE3))
    return [["classify", "长.xlsx", "-f", "json"]]


def _far_shared_string_cell(d: Path) -> list[list[str]]:
    raw_xlsx(d / "远.xlsx", {"S": sheet_xml(flat_survey_xml(ONE) + '<row r="1048576"><c r="XFD1048576" t="s">'
                                           "<v>0</v></c></row>", dimension="A1:XFD1048576")},
             shared_strings_xml([PHONE]))
    return [["classify", "远.xlsx", "-f", "json"]]


def _broken_xml(d: Path) -> list[list[str]]:
    text = sheet_xml(flat_survey_xml(ONE))
    raw_xlsx(d / "断.xlsx", {"S": text[: len(text) // 2]})
    raw_xlsx(d / "错.xlsx", {"S": text.replace("</row>", "</c>", 1)})
    raw_xlsx(d / "码.xlsx", {"S": text.encode("utf-8").replace(b"UTF-8", b"UTF-16", 1)})
    return [["check", "断.xlsx", "错.xlsx", "码.xlsx"]]


def _dtd_in(member: str) -> Callable[[Path], list[list[str]]]:
    def build(d: Path) -> list[list[str]]:
        with_part(plain_xlsx(d / "实体.xlsx"), member, dtd_in(member, BILLION_LAUGHS if "rels" in member else EXTERNAL_ENTITY))
        return [["classify", "实体.xlsx", "-f", "json"]]
    return build


def _dtd_in_ods_meta(d: Path) -> list[list[str]]:
    raw_ods(d / "实体.ods", "<table:table-row>" + "".join(ODS_CELL.format(h) for h in FLAT_HEADER)
            + "</table:table-row>")
    with_part(d / "实体.ods", "styles.xml", dtd_in("styles.xml", BILLION_LAUGHS))
    return [["check", "实体.ods"]]


def _utf16_no_bom(codec: str) -> Callable[[Path], list[list[str]]]:
    def build(d: Path) -> list[list[str]]:
        (d / "宽字.csv").write_bytes(csv_bytes(CSV_LINES).encode(codec))
        return [["classify", "宽字.csv", "-f", "json"], ["check", "宽字.csv", "--encoding", "utf-16"]]
    return build


def _non_text_codecs(d: Path) -> list[list[str]]:
    (d / "a.csv").write_text(csv_bytes(CSV_LINES), encoding="utf-8")
    return [["check", "a.csv", "--encoding", codec]
            for codec in ("rot13", "hex", "base64", "zlib", "idna", "punycode", "unicode_escape",
                          "utf-7", "ＵＴＦ-８")]


def _mixed_line_ends_and_nuls(d: Path) -> list[list[str]]:
    text = ("\r".join(",".join(c) for c in CSV_LINES[:2]) + "\n" + ",".join(CSV_LINES[2]) + "\r\n"
            + f"丙\x00物流,城西区,\x0040,5\x00,{PHONE3},{ID15}\r\n")
    (d / "混.csv").write_bytes(text.encode("gb18030"))
    (d / "零.csv").write_bytes(b"\x00" * 100_000 + csv_bytes(CSV_LINES).encode())
    return [["classify", "混.csv", "零.csv", "-f", "csv"]]


def _gbk_names(d: Path) -> list[list[str]]:
    folder = d / "县"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/" + "城北区调查表".encode("gbk") + b".csv"
    with open(raw, "wb") as fh:
        fh.write(csv_bytes(CSV_LINES).encode("gbk"))
    bad = os.fsencode(folder) + b"/" + f"联系人{PHONE2}".encode("gbk") + b"\xff.csv"
    with open(bad, "wb") as fh:
        fh.write(csv_bytes(CSV_LINES).encode("gbk"))
    return [["classify", "县", "-f", "json"], ["summary", "-f", "json"]]


def _output_unwritable(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    return [["classify", "s.xlsx", "-o", "/proc/qh_no_such/判定.xlsx"],
            ["classify", "s.xlsx", "-o", "/dev/full", "-f", "csv", "--no-ledger"],
            ["summary", "-o", "/proc/summary.xlsx"]]


def _output_through_a_file(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    (d / "a.csv").write_text(csv_bytes(CSV_LINES), encoding="utf-8")
    return [["classify", "s.xlsx", "-o", "a.csv/x.xlsx"], ["check", "s.xlsx", "-o", "s.xlsx/r.json", "-f", "json"],
            ["classify", "a.csv", "-o", "s.xlsx/", "--no-ledger"]]


def _output_is_input_another_way(d: Path) -> list[list[str]]:
    (d / "sub").mkdir()
    survey(d / "s.xlsx")
    (d / "a.csv").write_text(csv_bytes(CSV_LINES), encoding="utf-8")
    (d / "link.csv").symlink_to("a.csv")
    os.link(d / "a.csv", d / "hard.csv")
    return [["classify", "a.csv", "-f", "csv", "-o", "sub/../a.csv"],
            ["classify", "a.csv", "-f", "json", "-o", "link.csv", "--no-ledger"],
            ["check", "a.csv", "-f", "csv", "-o", "hard.csv"],
            ["summary", "-o", "./s.xlsx"],
            ["classify", "s.xlsx", "-f", "csv", "-o", "./qhunion.db", "--force"]]


def _symlinked_inputs(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    (d / "link.xlsx").symlink_to("s.xlsx")
    (d / "dangling.csv").symlink_to("nowhere.csv")
    return [["classify", "link.xlsx", "s.xlsx", "dangling.csv", "-f", "json"]]


def _duplicate_names(d: Path) -> list[list[str]]:
    for sub in ("d1", "d2", "d3"):
        (d / sub).mkdir()
    survey(d / "d1" / "s.xlsx")
    survey(d / "d2" / "s.xlsx", row("丙物流", "城西区", phone=PHONE3))
    survey(d / "d3" / "s.csv", row("丁物流", "湟中区", id_=ID15))
    survey(d / "s.xls", row("戊物流", "大通回族土族自治县"))
    return [["classify", "d1/s.xlsx", "d2/s.xlsx", "d3/s.csv", "s.xls", "-o", "out/"],
            ["classify", "d1/s.xlsx", "d2/s.xlsx", "d3/s.csv", "-f", "json"]]


def _loops_and_fifos(d: Path) -> list[list[str]]:
    folder = d / "d"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "a.csv").write_text(csv_bytes(CSV_LINES), encoding="utf-8")
    (folder / "self").symlink_to(".")
    (folder / "x" / "up").symlink_to("../..")
    os.mkfifo(folder / "x" / "pipe.csv")
    return [["check", "d/**/*.csv", "-f", "json"], ["classify", "d", "--no-workbook", "-f", "json"]]


def _personal_everywhere(suffix: str) -> Callable[[Path], list[list[str]]]:
    def build(d: Path) -> list[list[str]]:
        rows = [row(f"甲物流{PHONE}", anchor=f"园区联系人{PHONE_WRITINGS[0]}", code=ID18),
                row(ID18B, county=PHONE_WRITINGS[1], phone=PHONE_WRITINGS[2], code=PHONE2),
                row("丙物流", vehicles=PHONE_WRITINGS[3], employees=ID_WRITINGS[0], union=LANDLINE[:4] + "-" + LANDLINE[4:]),
                row("丁物流", anchor=ID_WRITINGS[1], code=PHONE_WRITINGS[4], phone=PHONE_WRITINGS[5], id_=ID15)]
        survey(d / f"表{suffix}", *rows, sheet=f"联系{PHONE3}"[:31])
        return [["check", f"表{suffix}"], ["check", f"表{suffix}", "-f", "json"],
                ["classify", f"表{suffix}", "-f", "csv"], ["summary", "--by", "anchor", "-f", "json"],
                ["summary", "-o", "汇总.xlsx"], ["ledger", "list", "-f", "csv"]]
    return build


def _personal_in_names(d: Path) -> list[list[str]]:
    name = f"张三{PHONE}身份证{ID18}.xlsx"
    survey(d / name, sheet=f"填表人{PHONE2}")
    esc = f"\x1b]0;{PHONE3}\x07表.csv"
    (d / esc).write_text(csv_bytes(CSV_LINES), encoding="utf-8")
    return [["classify", name, esc, "-f", "json"], ["ledger", "list"], ["summary", "--by", "county"]]


def _footer_rows(d: Path) -> list[list[str]]:
    footers = [[f"联系人：张三 联系电话：{PHONE_WRITINGS[1]}"], [f"经办人：李四  电话 {PHONE2}"],
               ["单位负责人："], [f"统计人：王五 身份证 {ID_WRITINGS[0]}"], [f"填表人：赵六（{LANDLINE[:4]}）{LANDLINE[4:]}"],
               [f"审核人：{ID15}", None, None, "城北区", 3, 30, "否"]]
    grid = flat_grid(HEADER, [row("甲物流", phone=None, id_=None), *footers])
    write_book(d / "脚.xlsx", {"S": grid})
    lines = [",".join(HEADER), ",".join(str(c or "") for c in row("乙物流", phone=None, id_=None))]
    lines += [",".join(str(c or "") for c in f) for f in footers]
    (d / "脚.csv").write_text("\n".join(lines) + "\n", encoding="gbk")
    return [["classify", "脚.xlsx", "脚.csv", "-f", "json"], ["summary", "-f", "csv"]]


def _round_and_unit(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    return [["classify", "s.xlsx", "--round", "2018\t-04\r\n", "-f", "json"],
            ["classify", "s.xlsx", "--round", "9" * 5000, "--no-workbook"],
            ["classify", "s.xlsx", "--unit", "\x1b[31m城北区\x07总工会", "--round", "2018-13", "--no-workbook"],
            ["ledger", "list", "-f", "json"], ["summary", "--by", "county", "-f", "csv"]]


def _unit_with_a_phone(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    return [["classify", "s.xlsx", "--unit", f"城北区总工会 填报人{PHONE2}", "--no-workbook"],
            ["ledger", "list", "-f", "json"]]


def _escapes_in_options(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    return [["classify", "s.xlsx", "--round", "\x1b[31m2018\x07-04", "-f", "json"],
            ["check", "s.xlsx", "--map", "A=\x1b[2J企业名称"]]


def _undefined_codec(d: Path) -> list[list[str]]:
    (d / "a.csv").write_text(csv_bytes(CSV_LINES), encoding="utf-8")
    return [["check", "a.csv", "--encoding", "undefined"]]


def _junk_maps(d: Path) -> list[list[str]]:
    survey(d / "s.xlsx")
    (d / "map.txt").write_bytes(b"\xff\xfe\x00garbage=" + PHONE.encode() + b"\n" * 3 + b"=" * 10_000)
    return [["check", "s.xlsx", "--map", "ZZZZZZZZ=企业名称"],
            ["check", "s.xlsx", "--map", "="],
            ["classify", "s.xlsx", "--map", "A=企业名称", "--map", "A=县（市、区）", "--no-ledger"],
            ["check", "s.xlsx", "--map", "联系电话=企业名称"],
            ["classify", "s.xlsx", "--map", "身份证号=依托的平台/园区/市场", "-f", "json"],
            ["check", "s.xlsx", "--map", "A" * 100_000 + "=企业名称"],
            ["check", "s.xlsx", "--map-file", "map.txt"],
            ["check", "s.xlsx", "--map-file", "s.xlsx"]]


def _rule_file(text: str | bytes) -> Callable[[Path], list[list[str]]]:
    def build(d: Path) -> list[list[str]]:
        path = d / "规则.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
        survey(d / "s.xlsx")
        return [["classify", "s.xlsx", "--rules", "规则.toml", "-f", "json"], ["rules", "--rules", "规则.toml"]]
    return build


PROPOSAL = 'proposal = "{name}工会委员会"'

ATTACKS: dict[str, Attack] = {
    # hostile workbooks
    "zip bomb 64 MB": Attack(_bomb(64)),
    "zip bomb 900 MB": Attack(_bomb(900)),
    "zip bomb in sharedStrings": Attack(_bomb_in_shared_strings),
    "nested archives": Attack(_nested_zip),
    "300,000 shared strings": Attack(_huge_shared_strings),
    "sharedStrings count of 4 billion": Attack(_lying_sst_count),
    "a 2-million-character name": Attack(_one_long_string),
    "far cell by shared string, honest dimension": Attack(_far_shared_string_cell),
    "far cell in .xlsb": Attack(_far_xlsb),
    "far cell in .ods": Attack(_far_ods),
    "whole-grid repeat in .ods": Attack(_wide_repeat_ods),
    "broken XML three ways": Attack(_broken_xml),
    "DTD in [Content_Types].xml": Attack(_dtd_in("[Content_Types].xml")),
    "DTD in _rels/.rels": Attack(_dtd_in("_rels/.rels")),
    "DTD in workbook.xml.rels": Attack(_dtd_in("xl/_rels/workbook.xml.rels")),
    "DTD in styles.xml": Attack(_dtd_in("xl/styles.xml")),
    "DTD in docProps/core.xml": Attack(_dtd_in("docProps/core.xml")),
    "DTD in an .ods styles.xml": Attack(_dtd_in_ods_meta),
    # encodings
    "UTF-16 LE without BOM": Attack(_utf16_no_bom("utf-16-le")),
    "UTF-16 BE without BOM": Attack(_utf16_no_bom("utf-16-be")),
    "codecs that are not text": Attack(_non_text_codecs),
    "mixed line ends and NULs": Attack(_mixed_line_ends_and_nuls),
    "GBK file names": Attack(_gbk_names),
    # filesystem
    "outputs nowhere writable": Attack(_output_unwritable),
    "output path through a file": Attack(_output_through_a_file),
    "output is an input by another path": Attack(_output_is_input_another_way, mutable=("qhunion.db",)),
    "symlinked inputs": Attack(_symlinked_inputs),
    "duplicate names": Attack(_duplicate_names),
    "symlink loops and a FIFO": Attack(_loops_and_fifos),
    # ledger damage
    "truncated ledger": Attack(damaged(_truncate)),
    "garbage page in the ledger": Attack(damaged(_garbage)),
    "ledger of a newer schema": Attack(damaged(_sql(
        "INSERT INTO schema_migrations VALUES (999, 'future', '2030-01-01 00:00:00')"))),
    "ledger without its records table": Attack(damaged(_sql("DROP TABLE records"))),
    "ledger that is a CSV": Attack(damaged(lambda db: db.write_text(csv_bytes(CSV_LINES), encoding="utf-8"))),
    # personal data
    "personal numbers in every column (.xlsx)": Attack(_personal_everywhere(".xlsx")),
    "personal numbers in every column (.csv)": Attack(_personal_everywhere(".csv")),
    "personal numbers in every column (.ods)": Attack(_personal_everywhere(".ods")),
    "personal numbers in file and sheet names": Attack(_personal_in_names),
    "ESC in --round and --map": Attack(_escapes_in_options),
    "--encoding undefined": Attack(_undefined_codec),
    "--unit carrying a phone": Attack(_unit_with_a_phone),
    "signature and footer rows": Attack(_footer_rows),
    # odd options
    "--round and --unit odd": Attack(_round_and_unit),
    "--map junk": Attack(_junk_maps),
    "rule file with nan": Attack(_rule_file(edited("value = 20\n", "value = nan\n"))),
    "rule file with a huge number": Attack(_rule_file(edited("value = 20\n", "value = 1e308\n"))),
    "rule file nested deep": Attack(_rule_file("x = " + "[" * 200_000 + "]" * 200_000 + "\n" + PACKAGED)),
    "rule file with format specs": Attack(_rule_file(edited(PROPOSAL, 'proposal = "{name:>99999999}{county!a}"'))),
    "rule file in UTF-16 with phones": Attack(_rule_file(
        edited(PROPOSAL, f'proposal = "{{name}}{PHONE}"').encode("utf-16"))),
}


# ── The runner ─────────────────────────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Ran:
    argv: list[str]
    status: int | None
    signal: int | None
    seconds: float
    rss: int  # bytes
    out: str
    err: str


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run_module(folder: Path, logs: Path, argv: list[str]) -> Ran:
    env = {k: v for k, v in os.environ.items() if k != "QHUNION_DB"}
    env["COLUMNS"] = "160"
    with (logs / "out").open("wb") as out, (logs / "err").open("wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "qhunion", *argv], cwd=folder, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, preexec_fn=_limit)
        while True:
            pid, wstatus, usage = os.wait4(proc.pid, os.WNOHANG)
            seconds = time.monotonic() - start
            if pid:
                break
            if seconds > TIMEOUT:
                proc.kill()
                pid, wstatus, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(wstatus)  # reaped here, not by Popen
    return Ran(argv, os.WEXITSTATUS(wstatus) if os.WIFEXITED(wstatus) else None,
               os.WTERMSIG(wstatus) if os.WIFSIGNALED(wstatus) else None, seconds, usage.ru_maxrss * 1024,
               (logs / "out").read_bytes().decode("utf-8", "replace"),
               (logs / "err").read_bytes().decode("utf-8", "replace"))


def files_in(folder: Path) -> dict[bytes, str]:
    """Every regular file under ``folder`` (not through symlinks) → its sha256; names as bytes, since some
    are not UTF-8."""
    found: dict[bytes, str] = {}
    for root, _dirs, names in os.walk(os.fsencode(folder)):
        for name in names:
            path = os.path.join(root, name)
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as fh:
                    found[path] = hashlib.file_digest(fh, "sha256").hexdigest()
    return found


def texts_of(path: bytes) -> list[str]:
    """What a written file says, for the leak check: its bytes as text, each zip member's text, and every
    row of every table of an SQLite database."""
    data = Path(os.fsdecode(path)).read_bytes()
    texts = [data.decode("utf-8", "replace"), data.decode("utf-16-le", "replace")]
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(Path(os.fsdecode(path))) as zf:
                texts += [zf.read(i).decode("utf-8", "replace") for i in zf.infolist() if i.file_size < 200 * 1024**2]
        except zipfile.BadZipFile:
            pass
    if data.startswith(b"SQLite format 3"):
        try:
            con = sqlite3.connect(f"file:{os.fsdecode(path)}?mode=ro", uri=True)
            try:
                tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                for table in tables:
                    texts += [repr(r) for r in con.execute(f'SELECT * FROM "{table}"')]
            finally:
                con.close()
        except sqlite3.DatabaseError:
            pass  # a damaged ledger: its bytes above are still searched
    return texts


def annotated_copy(path: bytes) -> bool:
    return os.fsdecode(os.path.basename(path)).endswith("_建会判定.xlsx")


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=a.bug)) if a.bug else n for n, a in ATTACKS.items()])
def test_adversarial_run(name: str, tmp_path: Path) -> None:
    attack = ATTACKS[name]
    folder, logs = tmp_path / "run", tmp_path / "logs"
    folder.mkdir()
    logs.mkdir()
    commands = attack.build(folder)
    before = files_in(folder)
    problems: list[str] = []
    for argv in commands:
        shown = " ".join(repr(a) if len(a) < 80 else repr(a[:40]) + "…" for a in argv)
        ran = run_module(folder, logs, argv)
        if ran.signal is not None or ran.status not in attack.statuses:
            problems.append(f"{shown}: exit {ran.status} signal {ran.signal}: {ran.err[-600:]}")
        if ran.seconds > TIMEOUT:
            problems.append(f"{shown}: ran past {TIMEOUT:.0f} s")
        if ran.rss >= LIMIT:
            problems.append(f"{shown}: peak RSS {ran.rss / 1024**2:.0f} MB")
        if "Traceback" in ran.out + ran.err:
            problems.append(f"{shown}: traceback: {ran.err[-600:]}")
        for where, text in (("stdout", ran.out), ("stderr", ran.err)):
            if raw := sorted({c for c in text if c in "\x1b\x07\x00\x9b"}):
                problems.append(f"{shown}: control characters {raw} printed raw on {where}")
            if found := leaks(text):
                problems.append(f"{shown}: {found} on {where}")
    after = files_in(folder)
    for path, digest in before.items():
        label = os.fsdecode(os.path.relpath(path, os.fsencode(folder)))
        if os.path.basename(os.fsdecode(path)) in attack.mutable:
            continue
        if after.get(path) != digest:
            problems.append(f"input {label} changed or gone")
    for path, digest in after.items():
        if annotated_copy(path) or before.get(path) == digest:
            continue
        label = os.fsdecode(os.path.relpath(path, os.fsencode(folder)))
        for text in texts_of(path):
            if found := leaks(text):
                problems.append(f"{found} written to {label}")
                break
    assert not problems, "\n".join(problems)
