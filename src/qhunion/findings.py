"""Findings: what the reader and the rules noticed about the data, as values.

Each finding has a stable code from one catalogue, a severity, and the place as Excel shows it (file, sheet,
1-based row, column letter and header), so staff can go straight to the cell. Checks return findings; they
never raise and never print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True, slots=True)
class Kind:
    """One entry of the catalogue: a code, its severity, a title and a message template."""

    code: str
    severity: Severity
    title: str
    template: str


E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO  # N: notice (info)

CATALOGUE: dict[str, Kind] = {
    k.code: k
    for k in (
        # Files and sheets
        Kind("sheet-skipped", N, "工作表未识别", "工作表中没有调查表表头（如“企业名称”），已跳过{why}"),
        Kind("sheet-hidden", N, "隐藏工作表", "隐藏的工作表没有调查表表头，已跳过"),
        Kind("sheet-unread", W, "工作表未读取", "本工作表未读取：{why}"),
        Kind("encoding-used", N, "文件编码", "按 {encoding} 编码读取"),
        Kind("column-unmapped", N, "未识别的列", "该列不是调查表字段，已保留原值，不参与判定"),
        Kind("column-duplicate", W, "重复的列", "与 {other} 列同为“{label}”，以 {other} 列为准"),
        Kind("column-missing", W, "缺少的列", "表中没有“{label}”列{why}"),
        Kind("column-unsure", W, "表头含义待确认", "{text}；如不对，请用 --map 指定（如 --map \"{map}\"）"),
        Kind("column-guess", W, "未能确定的列", "{text}；如是，请加 --map \"{map}\""),
        # Cell values
        Kind("count-approx", W, "约数", "“{value}”是约数，已按 {number} 读取，请核实"),
        Kind("count-read-as", N, "数字写法", "“{value}”已按 {number} 读取"),
        Kind("count-invalid", E, "无法识别的数字", "“{value}”不是有效的人数或车辆数，请填写整数"),
        Kind("count-negative", E, "负数", "“{value}”为负数，请更正"),
        Kind("count-fraction", E, "小数", "“{value}”不是整数，请更正"),
        Kind("count-absurd", E, "数值过大", "“{value}”超过 {limit}，明显有误，请核实"),
        Kind("count-inconsistent", E, "数字矛盾", "{part_label} {part} 大于 {whole_label} {whole}，请核实"),
        Kind("bool-invalid", E, "无法识别的是/否", "“{value}”无法识别为是或否，请填写“是”或“否”"),
        Kind("status-invalid", W, "经营状况不明", "“{value}”不是 正常/停业/歇业/注销/吊销 之一，按正常处理"),
        Kind("type-invalid", W, "主体类型不明", "“{value}”不是已知的主体类型，请从下拉列表中选择"),
        Kind("group-invalid", W, "群体不明", "“{value}”不是“八大群体”之一，按货车司机处理"),
        Kind("field-invalid", W, "领域不明", "“{value}”不是“五大领域”之一"),
        Kind("cell-error", E, "单元格错误", "单元格为 Excel 错误值“{value}”，请修正公式或改填数值"),
        Kind("formula-uncached", E, "公式没有计算结果", "单元格是公式“{value}”，但文件中没有保存它的计算结果"
                                                     "（文件由其他程序生成）；请在 Excel 中打开、保存后再试，或改填数值"),
        Kind("cell-date", E, "日期填在数字列", "“{value}”是日期，该列应填数字"),
        Kind("text-too-long", W, "文字过长", "内容有 {length} 个字符，已截断为 {limit} 个"),
        Kind("text-control", N, "控制字符", "内容中的不可见控制字符已去除"),
        Kind("name-missing", E, "缺少企业名称", "该行有数据但没有企业名称，已跳过"),
        # Regions
        Kind("region-unknown", E, "未知地区", "“{value}”不是青海省的市（州）或县（市、区）{nearest}"),
        Kind("region-former", N, "旧地名", "“{value}”现为“{current}”，已按“{current}”统计"),
        Kind("region-mismatch", E, "地区矛盾", "{county}属于{actual}，与所填市（州）“{stated}”不符，已按{actual}统计"),
        Kind("region-missing", E, "缺少地区", "未填写县（市、区）或市（州），地址、工作表名、标题和文件名中也没有，"
                                             "无法按地区判定和汇总（汇总时计入“地区不明”）"),
        Kind("region-context", N, "地区取自上下文", "本行未填{what}，按{source}中的“{value}”计"),
        Kind("region-context-sheet", N, "地区取自上下文", "本表没有县（市、区）列，本行起没有地址可依的各行都按{source}中的“{value}”计"),
        Kind("region-from-code", W, "地区取自信用代码", "本行及上下文都没有经营地，暂按信用代码的登记地“{place}”计；"
                                                   "登记地不一定是实际经营所在地（青总办〔2018〕19号 三（一）），请核实"),
        # Credit codes
        Kind("code-invalid", E, "信用代码无效", "“{value}”不是有效的统一社会信用代码（{why}）"),
        Kind("code-duplicate", W, "信用代码重复", "与 {other} 重复，同一企业可能填了两次"),
        Kind("code-region", N, "登记地与经营地不同", "信用代码的登记地为{registered}，与所填经营地{declared}不同"),
        Kind("code-type", N, "按信用代码推定类型", "未填主体类型，按信用代码第 2 位推定为“{kind}”"),
        # Rules
        Kind("registered-only", W, "仅有登记车辆数", "未填实际拥有车辆数；登记车辆数 {value} 含挂靠车辆，不能据以单独建会，请补填实际拥有数"),
        Kind("unverified", W, "待核实", "{missing}未填，可能达到单独建会标准，请补填后重新判定"),
        # Places and values as people write them (branch places, issue 10 items 6-7)
        Kind("region-town", N, "按乡镇推定县", "{town}属于{current}，已按{current}统计"),
        Kind("region-ambiguous", W, "地名有歧义", "“{value}”可能指{options}，已按{chosen}统计，请核实"),
        Kind("status-moved", N, "已迁出", "“{value}”：登记已迁往外地，企业仍存续，按正常处理；请核实实际经营地是否仍在本地"),
        Kind("type-read-as", N, "主体类型写法", "“{value}”已按“{canon}”处理"),
        Kind("union-forming", N, "工会组建中", "“{value}”：工会正在组建、尚未建成，按未建会判定"),
        Kind("code-old-format", N, "旧版登记代码", "“{value}”是{why}（统一社会信用代码实施前的编号），已保留原值；"
                                                  "请补填 18 位统一社会信用代码"),
        # County files read without our template (branch county3)
        Kind("sheet-side-by-side", N, "并排的表格", "本表左右并排有 {count} 张表（{parts}），已分别读取；每张表的地区按它自己的列和它上方的标题确定"),
        # File names in pinyin (recognise/pinyin.py)
        Kind("region-file-ambiguous", W, "文件名中的地名有歧义", "文件名中的“{value}”可能指{options}，未据此确定地区；"
             "请在表中填写县（市、区）"),
    )
}


@dataclass(slots=True)
class Finding:
    """A finding at a place. ``row`` is the 1-based row as Excel (or a text editor for CSV) shows it;
    ``column`` is the 0-based column index, shown as a letter."""

    code: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None
    header: str | None = None
    value: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> Kind:
        return CATALOGUE[self.code]

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    @property
    def column_letter(self) -> str | None:
        return None if self.column is None else column_letter(self.column)

    @property
    def place(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.row is not None:
            cell = f"第 {self.row} 行"
            if self.column is not None:
                cell += f" {self.column_letter} 列"
                if self.header:
                    cell += f"（{self.header}）"
            parts.append(cell)
        elif self.column is not None:
            parts.append(f"{self.column_letter} 列" + (f"（{self.header}）" if self.header else ""))
        return " › ".join(parts)

    @property
    def text(self) -> str:
        """The message without the place, e.g. “二十辆”已按 20 读取."""
        return self.kind.template.format(value=self.value, **self.params)

    @property
    def message(self) -> str:
        return f"{self.place}：{self.text}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column_letter,
            "header": self.header,
            "value": self.value,
            "message": self.message,
        }


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (Excel's bijective base 26)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def count_by_severity(findings: list[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for f in findings:
        counts[f.severity] += 1
    return counts
