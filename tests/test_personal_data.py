"""Personal data (issue 6): the columns recognised as personal — 联系人/负责人, 联系电话/手机, 身份证号, 填报人 —
are kept only in the annotated copy of the user's own workbook. They never reach a terminal table, a CSV or
JSON output, a finding (not even one about that very cell), the ledger, or a traceback."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import pytest

from builders import FLAT_HEADER, flat_grid, flat_survey_xml, inline, raw_xlsx, sheet_xml, write_book, xml_row
from qhunion import cli, shell
from qhunion.fields import PERSONAL_FIELDS
from qhunion.recognise.intake import read_survey
from rule_cases.surveys import run


def id_number(first17: str) -> str:
    """A resident ID number with its GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


CONTACTS = ("欧阳娜娜", "司马相如", "诸葛明亮")
PHONES = ("13912345678", "13987654321", "18600001111")
IDS = (id_number("63010219800101123"), id_number("63212319751231456"), id_number("63280119900515789"))
REPORTERS = ("慕容复",)
SECRETS = (*CONTACTS, *PHONES, *IDS, *REPORTERS)
# Fragments that would betray a number even cut short or reformatted
FRAGMENTS = ("12345678", "87654321", "00001111", *(i[6:14] for i in IDS))

HEADER = [*FLAT_HEADER, "联系人", "联系电话", "身份证号", "填报人"]


def survey(path: Path) -> Path:
    rows = [
        ["甲公司", None, "西宁市", "城北区", 3, 4, "否", CONTACTS[0], PHONES[0], IDS[0], REPORTERS[0]],
        # a control character inside the phone, an ID number far too long: findings on personal cells
        ["乙公司", None, "西宁市", "城东区", "约30", 40, "否", CONTACTS[1], f"139\x07{PHONES[1][3:]}",
         IDS[1] + "号" * 600, REPORTERS[0]],
        # a phone typed as a number, a control character inside a contact's name
        ["丙公司", None, "海东市", "乐都区", "二十", 26, "是", CONTACTS[2][:2] + "\x01" + CONTACTS[2][2:], int(PHONES[2]),
         IDS[2], None],
    ]
    return write_book(path, {"S": flat_grid(HEADER, rows)})


def assert_no_personal_data(text: str, where: str) -> None:
    for secret in (*SECRETS, *FRAGMENTS):
        assert secret not in text, f"{secret} in {where}"


def test_the_columns_are_recognised_as_personal(tmp_path: Path) -> None:
    result = read_survey([survey(tmp_path / "s.xlsx")])
    mapped = {c.field for c in result.layouts[0].columns if c.field}
    assert {"contact", "phone", "id_number", "reporter"} <= mapped
    assert {"contact", "phone", "id_number", "reporter"} <= PERSONAL_FIELDS


def test_findings_on_personal_cells_quote_nothing(tmp_path: Path) -> None:
    """A control character in a phone cell, an ID number 600 characters long: the findings say where and
    what, but carry no value, and their messages hold none of it."""
    result = read_survey([survey(tmp_path / "s.xlsx")])
    personal = [f for f in result.all_findings() if f.header in ("联系人", "联系电话", "身份证号", "填报人")]
    assert sorted((f.code, f.row, f.column_letter) for f in personal) == [
        ("text-control", 3, "I"), ("text-control", 4, "H"), ("text-too-long", 3, "J")]
    for f in personal:
        assert f.value is None
        assert_no_personal_data(f.message, f.code)
        assert_no_personal_data(json.dumps(f.as_dict(), ensure_ascii=False), f.code)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_check_outputs_hold_no_personal_data(tmp_path: Path, fmt: str) -> None:
    path = survey(tmp_path / "s.xlsx")
    code, out, err = run("check", path, "--format", fmt)
    assert code == 0
    assert_no_personal_data(out + err, f"check --format {fmt}")
    if fmt != "table":
        assert run("check", path, "--format", fmt, "-o", tmp_path / f"out.{fmt}")[0] == 0
        assert_no_personal_data((tmp_path / f"out.{fmt}").read_text(encoding="utf-8-sig"), f"check -o out.{fmt}")


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_classify_outputs_hold_no_personal_data(tmp_path: Path, fmt: str) -> None:
    path = survey(tmp_path / "s.xlsx")
    code, out, err = run("classify", path, "--format", fmt, "--db", tmp_path / "账本.db")
    assert code == 0, err
    assert_no_personal_data(out + err, f"classify --format {fmt}")
    if fmt != "table":
        assert run("classify", path, "--format", fmt, "-o", tmp_path / f"out.{fmt}", "--no-ledger")[0] == 0
        assert_no_personal_data((tmp_path / f"out.{fmt}").read_text(encoding="utf-8-sig"), f"classify -o out.{fmt}")


def test_explain_holds_no_personal_data(tmp_path: Path) -> None:
    path = survey(tmp_path / "s.xlsx")
    for row in ("2", "3", "4"):
        code, out, err = run("explain", path, "--row", row)
        assert code == 0, err
        assert_no_personal_data(out + err, f"explain --row {row}")


def test_the_ledger_holds_no_personal_data(tmp_path: Path) -> None:
    path = survey(tmp_path / "s.xlsx")
    db = tmp_path / "账本.db"
    assert run("classify", path, "--db", db)[0] == 0
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("账本.db"))
    for secret in (*SECRETS, *FRAGMENTS):
        assert secret.encode() not in stored, secret
        assert secret.encode("utf-16-le") not in stored, secret


def test_the_annotated_copy_keeps_them(tmp_path: Path) -> None:
    """The user's own workbook, annotated, is where personal columns belong: every value is still there."""
    import openpyxl

    path = survey(tmp_path / "s.xlsx")
    assert run("classify", path, "--no-ledger")[0] == 0
    book = openpyxl.load_workbook(tmp_path / "s_建会判定.xlsx", read_only=True)
    decisions = {str(v) for row in book["判定结果"].iter_rows(values_only=True) for v in row if v is not None}
    for secret in (CONTACTS[0], PHONES[0], IDS[0], REPORTERS[0], IDS[2], PHONES[2]):
        assert secret in decisions, secret
    problems = " ".join(str(v) for row in book["数据问题"].iter_rows(values_only=True) for v in row if v is not None)
    assert_no_personal_data(problems, "数据问题 sheet")


def test_an_id_number_in_the_wrong_column_is_masked(tmp_path: Path) -> None:
    """An 个体户's ID number typed as its credit code, a phone typed as a headcount: the findings about
    those cells mask the number."""
    rows = [["个体户张某", IDS[0], "西宁市", "城北区", 3, PHONES[0], "否"]]
    result = read_survey([write_book(tmp_path / "s.xlsx", {"S": flat_grid(FLAT_HEADER, rows)})])
    quoted = {f.code: f.value for f in result.all_findings() if f.value}
    assert quoted["code-invalid"] == IDS[0][:6] + "********" + IDS[0][-4:]
    assert quoted["count-absurd"] == "139****5678"


def test_tracebacks_show_no_personal_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A bug while a row full of personal data is being read: --debug shows the traceback (for developers)
    without local variables; without --debug there is one sentence."""
    from qhunion.recognise import intake

    def broken(self: object, record: object) -> None:
        raise RuntimeError("a bug in the cross-checks")

    monkeypatch.setattr(intake.SheetReader, "_cross_checks", broken)
    path = survey(tmp_path / "s.xlsx")
    for debug in (True, False):
        monkeypatch.setattr(sys, "argv", ["qhunion", *(["--debug"] if debug else []), "check", str(path)])
        monkeypatch.setitem(shell._state, "debug", False)
        with pytest.raises(SystemExit) as caught:
            cli.main()
        out, err = capsys.readouterr()
        assert caught.value.code == 70
        assert ("Traceback" in err) is debug
        assert "程序内部出错，请加 --debug 重新运行并把输出发给技术人员" in err
        assert_no_personal_data(out + err, f"debug={debug}")


def test_library_errors_quoting_a_cell_are_redacted(tmp_path: Path) -> None:
    """calamine's messages can quote a cell (“Unrecognized boolean cell value: 13912345678”). The cause
    kept for --debug on the UnreadableFile has the digits and any Chinese text blanked out."""
    cells = inline("A2", "甲公司") + f'<c r="H2" t="b"><v>{PHONES[0]}</v></c>'
    header = [*FLAT_HEADER, "联系电话"]
    path = raw_xlsx(tmp_path / "坏.xlsx", {"S": sheet_xml(flat_survey_xml((), header) + xml_row(2, cells))})
    (bad,) = read_survey([path]).unreadable
    shown = "".join(traceback.format_exception(bad))
    assert "Unrecognized boolean cell value" in shown
    assert_no_personal_data(shown, "traceback of the unreadable file")
