"""Rule files are data, bounded (issue 14, items 17, 18, 19, 26): numbers finite and in range, templates with
bare placeholders only, nesting and size limited before tomllib, a UTF-8 BOM accepted. Every invalid rule file
is one sentence and exit 2, never exit 70 or a silently different decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from qhunion.decide.ruleset import MAX_BYTES, load, packaged
from rule_cases.surveys import Cli, write_survey
from test_ruleset import PACKAGED, edited, error_for


@pytest.mark.parametrize("value", ["nan", "+nan", "-nan", "inf", "+inf", "-inf"])
def test_a_threshold_that_is_not_a_finite_number_is_refused(value: str, tmp_path: Path) -> None:
    reason = error_for(edited("value = 20\n", f"value = {value}\n"), tmp_path)
    assert "parameters.standalone_vehicles.value" in reason and "有限的数字" in reason


@pytest.mark.parametrize(("old", "new", "why"), [
    ("value = 0.6\n", "value = 60\n", "0 到 1 之间"),  # a ratio written as a percentage
    ("value = 20\n", "value = 1e300\n", "明显有误"),
    ("value = 20\n", "value = 0\n", "正数"),
])
def test_a_threshold_out_of_range_is_refused(old: str, new: str, why: str, tmp_path: Path) -> None:
    assert why in error_for(edited(old, new), tmp_path)


@pytest.mark.parametrize("template", ["{name:>50000000}", "{name!r}", "{name!r:{county}}", "{name:{county}}",
                                      "{county!s}", "{name:x}"])
def test_a_template_with_a_format_spec_or_conversion_is_refused(template: str, tmp_path: Path) -> None:
    reason = error_for(edited('proposal = "{name}工会委员会"', f'proposal = "{template}工会委员会"'), tmp_path)
    assert "rules.size.proposal" in reason and "格式或转换" in reason


@pytest.mark.parametrize("template", ["{name.__class__}", "{name[0]}", "{}", "{0}"])
def test_a_template_reaching_into_a_value_is_refused(template: str, tmp_path: Path) -> None:
    assert "未知的占位符" in error_for(edited('proposal = "{name}工会委员会"', f'proposal = "{template}"'), tmp_path)


@pytest.mark.parametrize("nested", [
    "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "x = " + "{a = " * 100_000 + "1" + "}" * 100_000 + "\n",
    "x = " + "[" * 100_000 + "\n",  # not even closed
])
def test_deep_nesting_is_refused_before_parsing(nested: str, tmp_path: Path) -> None:
    reason = error_for(nested + PACKAGED, tmp_path)
    assert "嵌套" in reason and "层" in reason and "Recursion" not in reason


def test_brackets_in_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    text = edited("[meta]\n", "[meta]\n# [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n") + '\n# "\n'
    text = text.replace('proposal = "{name}工会委员会"', 'proposal = "{name}工会委员会[[[[[[[[[[[[[[[[[[[[[[[[[[]"')
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    assert load(path).rule("size").proposal.endswith("[[[[[[[[[[[[[[[[[[[[[[[[[[]")


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    padding = "# " + "填" * 100 + "\n"
    reason = error_for(PACKAGED + padding * (MAX_BYTES // len(padding.encode()) + 1), tmp_path)
    assert "上限" in reason


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "记事本.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PACKAGED.encode("utf-8"))
    rs = load(path)
    assert rs.parameters == packaged().parameters and rs.digest != packaged().digest


@pytest.mark.parametrize("text", [
    edited("value = 20\n", "value = nan\n"),
    edited('proposal = "{name}工会委员会"', 'proposal = "{name:>50000000}"'),
    edited('proposal = "{name}工会委员会"', 'proposal = "{name!r:{county}}"'),
    "x = " + "[" * 100_000 + "]" * 100_000 + "\n",
])
def test_every_invalid_rule_file_is_exit_2(text: str, tmp_path: Path, cli: Cli) -> None:
    survey = write_survey(tmp_path / "调查表.xlsx")
    rules = tmp_path / "规则.toml"
    rules.write_text(text, encoding="utf-8")
    code, out, err = cli("classify", survey, "--no-workbook", "--no-ledger", "--rules", rules)
    assert code == 2, err
    assert "规则.toml" in err and "Traceback" not in out + err


def test_packaged_rules_nest_shallowly() -> None:
    from qhunion.decide.ruleset import MAX_DEPTH, _nesting

    assert _nesting(PACKAGED) <= MAX_DEPTH // 4
