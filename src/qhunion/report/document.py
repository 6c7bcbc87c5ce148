"""`qhunion report` as a Word document laid out like a Chinese official document (GB/T 9704-2012).

Renders `report.facts` values; decides nothing. A4 with margins of 37/35/28/26 mm, the title in 方正小标宋简体
二号, body in 仿宋_GB2312 三号, level-1 headings 黑体 and level-2 楷体_GB2312, page numbers “— 1 —” outside
(odd pages right, even pages left). Fonts are named in the East Asian slot (w:eastAsia) as well as the Latin
ones, so Word and WPS on an office PC use them or their own substitutes. python-docx is imported inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qhunion.report.chart import FontSearch, find_cjk_font, rate_chart
from qhunion.summary import CHANGE_COLUMNS, RATE_COLUMNS, column_labels

if TYPE_CHECKING:
    from docx.document import Document
    from docx.text.paragraph import Paragraph

    from qhunion.decide.ruleset import RuleSet
    from qhunion.report.facts import PilotData, ProgressData, Sources

TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT, NUMBER_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = 22, 16, 14, 10.5  # 二号, 三号, 四号, 五号 in points
LINE_PT = 28.95  # GB/T 9704 7.1: 22 lines a page in 三号
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6
MARK = "qhunion"  # in the document's properties: how a later run knows the file is its own output
TITLE_STYLE = "公文标题"

UNION_TABLE = ("enterprises", "required", "required_with_union", "to_form", "union_rate")
MEMBER_TABLE = ("employees", "members", "membership_rate", "driver_membership_rate", "migrant_membership_rate",
                "migrant_target_gap")
CHANGE_TABLE = ("new_unions", "union_rate_change", "new_members", "membership_rate_change",
                "new_migrant_members", "migrant_membership_rate_change")
ROUND_TABLE = ("enterprises", "required", "required_with_union", "union_rate", "members", "membership_rate",
               "migrant_membership_rate")


# ── Numbers as the document shows them ───────────────────────────────────────────────────────────────
def number_text(key: str, value: Any) -> str:
    """1,234 · 45.5% · +2.5 (percentage points) · — for a rate nobody is counted in."""
    if value is None:
        return "—"
    if key in RATE_COLUMNS:
        return f"{value * 100:+.1f}" if key in CHANGE_COLUMNS else f"{value:.1%}"
    if key in CHANGE_COLUMNS:
        return f"{value:+,}"
    return f"{value:,}"


# ── Fonts and styles ─────────────────────────────────────────────────────────────────────────────────
def set_fonts(element: Any, east_asia: str, latin: str | None = None) -> None:
    """Name a font in every slot of an rPr (a run's or a style's), dropping theme fonts that would win."""
    from docx.oxml.ns import qn

    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr, name in (("ascii", latin or east_asia), ("hAnsi", latin or east_asia), ("eastAsia", east_asia),
                       ("cs", latin or east_asia)):
        fonts.set(qn(f"w:{attr}"), name)


def _style(doc: Document, name: str, font: str, size: float, *, base: str | None = None,
           centred: bool = False, bold: bool = False, indent: bool = False) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt, RGBColor

    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if base:
        style.base_style = styles[base]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    set_fonts(style.element, font, "Times New Roman" if font == BODY_FONT else font)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(max(LINE_PT, size * 1.25))
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.first_line_indent = Pt(size * 2) if indent else Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.keep_with_next = name.startswith("Heading") or name == TITLE_STYLE


def new_document() -> Document:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    doc = docx.Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28)  # the page number 7 mm below the text block (GB/T 9704 7.5)
    _style(doc, "Normal", BODY_FONT, SIZE_3, indent=True)
    _style(doc, TITLE_STYLE, TITLE_FONT, SIZE_2, base="Normal", centred=True)
    _style(doc, "Heading 1", H1_FONT, SIZE_3, base="Normal", indent=True)
    _style(doc, "Heading 2", H2_FONT, SIZE_3, base="Normal", indent=True)
    _page_numbers(doc)
    props = doc.core_properties
    props.author, props.comments, props.category = MARK, "由 qhunion report 根据账本生成", MARK
    return doc


def _page_numbers(doc: Document) -> None:
    """“— 1 —” in 四号 宋体: odd pages right and even pages left, one character in from the edge."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.first_line_indent = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(SIZE_4)
        else:
            fmt.left_indent = Pt(SIZE_4)

        def run(text: str = "", p: Paragraph = p) -> Any:
            r = p.add_run(text)
            r.font.size = Pt(SIZE_4)
            set_fonts(r._r, NUMBER_FONT)
            return r

        run("— ")
        for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            r = run()
            if kind:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            elif instr == "1":
                el = OxmlElement("w:t")
                el.text = instr
            else:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = instr
            r._r.append(el)
        run(" —")


# ── Building blocks ──────────────────────────────────────────────────────────────────────────────────
def para(doc: Document, text: str, style: str | None = None, *, indent: bool = True,
         align: str | None = None) -> Paragraph:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    p = doc.add_paragraph(text, style)
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    if align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def caption(doc: Document, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    para(doc, text, indent=False).alignment = WD_ALIGN_PARAGRAPH.CENTER


def table(doc: Document, header: Sequence[str], rows: Sequence[Sequence[str]],
          widths_cm: Sequence[float] | None = None, total_last: bool = True) -> None:
    """A grid table in 仿宋 五号 with fixed column widths: the header row repeated on every page, rows never
    split, text left and numbers right. Written as one XML fragment: python-docx's cell-by-cell API took 5 s
    for the 300-row annex."""
    import html
    import re

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    if widths_cm is None:
        first = 3.4
        rest = (TEXT_WIDTH_CM - first) / max(1, len(header) - 1)
        widths_cm = [first, *[rest] * (len(header) - 1)]
    twips = [round(w * 567) for w in widths_cm]
    size = round(SIZE_5 * 2)  # half-points
    line = round(SIZE_5 * 1.5 * 20)

    def xml_text(text: str) -> str:  # a control character in a name would make the document unreadable
        return html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text), quote=False)

    def cell(text: str, width: int, align: str, strong: bool) -> str:
        font = H1_FONT if strong else BODY_FONT
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr>'
                f'<w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/>'
                f'<w:ind w:firstLine="0" w:firstLineChars="0"/><w:jc w:val="{align}"/></w:pPr><w:r><w:rPr>'
                f'<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="{font}" '
                f'w:cs="Times New Roman"/>{"<w:b/>" if strong else ""}<w:sz w:val="{size}"/>'
                f'<w:szCs w:val="{size}"/></w:rPr><w:t xml:space="preserve">{xml_text(text)}</w:t></w:r></w:p></w:tc>')

    parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{doc.styles["Table Grid"].style_id}"/>'
             f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
             '</w:tblPr><w:tblGrid>', *(f'<w:gridCol w:w="{w}"/>' for w in twips), "</w:tblGrid>"]
    for i, values in enumerate([header, *rows]):
        strong = i == 0 or (total_last and i == len(rows))
        parts.append(f'<w:tr><w:trPr><w:cantSplit/>{"<w:tblHeader/>" if i == 0 else ""}</w:trPr>')
        parts += [cell(v, w, "center" if i == 0 else "left" if j == 0 else "right", strong)
                  for j, (v, w) in enumerate(zip(values, twips, strict=True))]
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    body = doc.element.body
    body.sectPr.addprevious(parse_xml("".join(parts)))


def figure_table(doc: Document, summary: dict[str, Any], keys: Sequence[str], labels: dict[str, str],
                 first: str) -> None:
    """Rows and the total of a `Summary.as_dict()`, the figures as the summary has them."""
    rows = [[str(r["label"]), *(number_text(k, r.get(k)) for k in keys)] for r in [*summary["rows"], summary["total"]]]
    table(doc, [first, *(labels[k] for k in keys)], rows)


def chart(doc: Document, number: int, what: str, summary: dict[str, Any], target: float, target_shown: str,
          search: FontSearch | None = None) -> None:
    """The rates by row against the target, with its caption — or a sentence saying why it is left out."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    rows = summary["rows"]
    names = [str(r["label"]) for r in rows]
    legend = ("建会率", "入会率", f"农民工入会率目标 {target_shown}")
    search = search or find_cjk_font("".join(names) + "".join(legend))
    caption = f"图{number}  {what}建会率、入会率与 {target_shown} 目标"
    if search.font is None:
        para(doc, f"（{caption}未附：{search.reason}，为免图中文字显示为方框，略去此图；数字见上表。）")
        return
    png = rate_chart(names, [r["union_rate"] for r in rows], [r["membership_rate"] for r in rows], target,
                     legend, search.font)
    import io

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    p.paragraph_format.keep_with_next = True
    p.add_run().add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM))
    c = para(doc, caption, indent=False)
    c.alignment = WD_ALIGN_PARAGRAPH.CENTER
    note = c.add_run(f"（图中文字字体：{search.font.family}）")
    note.font.size = Pt(SIZE_5)


def sources_line(doc: Document, s: Sources) -> None:
    rounds = "；".join(f"{label or '未标注轮次'} {n} 个文件" for label, n in s.by_round)
    decided = "、".join(s.decision_rule_sets) or s.rule_set
    para(doc, f"数据来源：账本 {s.ledger} 中的 {s.imports} 次导入（{rounds or '无'}）；判定所用规则集 {decided}，"
              f"汇总所用规则集 {s.rule_set}。本文数字与同一账本的 qhunion summary 输出一致。")


def annex(doc: Document, pending: Sequence[Any], total: int, rs: RuleSet, scope_note: str) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    para(doc, "附件", "Heading 1", indent=False)
    para(doc, "应单独建会尚未建会企业名单", TITLE_STYLE)
    if total > len(pending):
        para(doc, f"{scope_note}共 {total:,} 家，此处按地区列出前 {len(pending):,} 家；完整名单见各县（市、区）的"
                  "判定工作簿（qhunion classify 输出）。")
    if not pending:
        para(doc, f"{scope_note}应单独建会的企业均已建会。")
        return
    rows = [[str(i), p.name or p.credit_code or "", p.county or p.prefecture or "",
             p.proposal or rs.label(p.decision), p.responsible or ""] for i, p in enumerate(pending, start=1)]
    table(doc, ["序号", "企业名称", "县（市、区）", "建会建议", "责任单位"], rows, [1.2, 4.2, 2.4, 4.8, 3.0],
          total_last=False)


def _closing(doc: Document, unit: str, day: Any) -> None:
    para(doc, "")
    para(doc, unit, align="right")
    para(doc, f"{day.year}年{day.month}月{day.day}日", align="right")


# ── The two reports ──────────────────────────────────────────────────────────────────────────────────
def progress_document(d: ProgressData, rs: RuleSet, font: FontSearch | None = None) -> Document:
    doc = new_document()
    labels = column_labels(rs)
    scope, name = d.scope, d.unit.removesuffix("总工会")
    t = d.counties["total"]
    when = f"截至 {d.round_label} 轮调查" if d.round_label else "截至目前"
    para(doc, f"关于{name}推动货车司机等群体入会工作进展情况的通报", TITLE_STYLE)
    para(doc, "")
    recipients = {"province": "各市（州）总工会，各产业工会：", "prefecture": "各县（市、区）总工会：",
                  "county": "各乡镇（街道）工会："}[scope.level]
    para(doc, recipients, indent=False)
    para(doc, f"按照《{rs.meta.title}》（{rs.meta.document}）六（三）“加强督促检查”的要求，现将{when}"
              f"{name}货车司机等群体建会入会工作进展情况通报如下。")
    para(doc, "一、总体情况", "Heading 1")
    where = (f"全省 {d.surveyed_counties} 个县（市、区）" if scope.level == "province" else
             f"{d.surveyed_counties} 个县（市、区）" if scope.level == "prefecture" else name)
    para(doc, f"{when}，{where}共调查摸底企业 {t['enterprises']:,} 家。按{rs.meta.document}三（二），"
              f"其中应单独建会 {t['required']:,} 家，已建会 {t['required_with_union']:,} 家，"
              f"建会率 {number_text('union_rate', t['union_rate'])}，尚需单独建会 {t['to_form']:,} 家。"
              f"职工 {t['employees']:,} 人，会员 {t['members']:,} 人，入会率 {number_text('membership_rate', t['membership_rate'])}；"
              f"货车司机 {t['drivers']:,} 人，已入会 {t['driver_members']:,} 人，"
              f"入会率 {number_text('driver_membership_rate', t['driver_membership_rate'])}；"
              f"农民工 {t['migrant_workers']:,} 人，已入会 {t['migrant_members']:,} 人，"
              f"入会率 {number_text('migrant_membership_rate', t['migrant_membership_rate'])}，"
              f"距农民工入会率 {d.target_shown} 的目标（二）尚需发展农民工会员 {t['migrant_target_gap']:,} 人。")
    n = 1
    chart_of = d.counties
    if d.prefectures is not None:
        para(doc, "（一）分市（州）情况", "Heading 2")
        caption(doc, f"表{n}  各市（州）建会情况")
        figure_table(doc, d.prefectures, UNION_TABLE, labels, "市（州）")
        caption(doc, f"表{n + 1}  各市（州）入会情况")
        figure_table(doc, d.prefectures, MEMBER_TABLE, labels, "市（州）")
        n += 2
        chart_of = d.prefectures
    para(doc, f"（{'二' if d.prefectures is not None else '一'}）分县（市、区）情况", "Heading 2")
    caption(doc, f"表{n}  各县（市、区）建会情况")
    figure_table(doc, d.counties, UNION_TABLE, labels, "县（市、区）")
    caption(doc, f"表{n + 1}  各县（市、区）入会情况")
    figure_table(doc, d.counties, MEMBER_TABLE, labels, "县（市、区）")
    n += 2
    chart(doc, 1, "各市（州）" if d.prefectures is not None else "各县（市、区）", chart_of, rs.param("migrant_target"),
          d.target_shown, font)
    para(doc, "二、进展较慢的县（市、区）", "Heading 1")
    if d.lagging:
        for lag in d.lagging:
            para(doc, f"{lag.label}：{'；'.join(lag.reasons)}。")
    else:
        para(doc, f"各县（市、区）均已按期调查摸底{f'并在本轮（{d.this_round}）报送' if d.this_round else ''}，"
                  "建会率均不低于所在市（州）。")
    if d.compare:
        para(doc, f"三、与 {d.compare} 轮相比的变化", "Heading 1")
        para(doc, f"与 {d.compare} 轮相比，新建工会 {t['new_unions']:+,} 家，建会率变化 "
                  f"{number_text('union_rate_change', t['union_rate_change'])} 个百分点；新增会员 {t['new_members']:+,} 人，"
                  f"入会率变化 {number_text('membership_rate_change', t['membership_rate_change'])} 个百分点；"
                  f"新增入会农民工 {t['new_migrant_members']:+,} 人。")
        caption(doc, f"表{n}  各县（市、区）变化（比率变化为百分点）")
        figure_table(doc, d.counties, CHANGE_TABLE, labels, "县（市、区）")
    sources_line(doc, d.sources)
    _closing(doc, d.unit, d.generated)
    annex(doc, d.pending, d.pending_total, rs, f"{name}应单独建会尚未建会的企业")
    return doc


def pilot_document(d: PilotData, rs: RuleSet, font: FontSearch | None = None) -> Document:
    doc = new_document()
    labels = column_labels(rs)
    name = d.unit.removesuffix("总工会")
    para(doc, f"关于{name}推动货车司机等群体入会试点工作情况的报告", TITLE_STYLE)
    para(doc, "")
    para(doc, "省总工会：", indent=False)
    first, last = d.rounds[0], d.rounds[-1]
    para(doc, f"按照《{rs.meta.title}》（{rs.meta.document}）五（二）的安排，{d.unit}作为试点单位，"
              f"自 {d.start.month}月{d.start.day}日 启动试点，至 {d.end.month}月底 全面开展试点工作。"
              f"现将试点工作情况报告如下。")
    para(doc, "一、各轮调查情况", "Heading 1")
    rounds = "、".join(r for r, _ in d.rounds)
    para(doc, f"试点期间共开展 {len(d.rounds)} 轮调查（{rounds}）。各轮结束时的情况见表1。")
    if d.left_out:
        para(doc, f"账本中另有轮次 {'、'.join(d.left_out)} 不在试点期间（或轮次名称未写明年月），未列入。")
    caption(doc, "表1  各轮调查结束时的情况")
    table(doc, ["轮次", *(labels[k] for k in ROUND_TABLE)],
          [[r, *(number_text(k, t.get(k)) for k in ROUND_TABLE)] for r, t in d.rounds], total_last=False)
    para(doc, "二、试点成效", "Heading 1")
    t = last[1]
    if d.change is not None:
        c = d.change
        para(doc, f"与首轮（{first[0]}）相比，截至 {last[0]} 轮新建工会 {c['new_unions']:+,} 家，建会率变化 "
                  f"{number_text('union_rate_change', c['union_rate_change'])} 个百分点；新增会员 {c['new_members']:+,} 人，"
                  f"其中货车司机 {c['new_driver_members']:+,} 人、农民工 {c['new_migrant_members']:+,} 人。")
    else:
        para(doc, f"试点期间只有一轮调查（{first[0]}），尚无可比较的变化。")
    para(doc, f"截至 {last[0]} 轮，应单独建会 {t['required']:,} 家，已建会 {t['required_with_union']:,} 家，"
              f"建会率 {number_text('union_rate', t['union_rate'])}；入会率 {number_text('membership_rate', t['membership_rate'])}，"
              f"农民工入会率 {number_text('migrant_membership_rate', t['migrant_membership_rate'])}。各县（市、区）情况见表2、表3。")
    caption(doc, f"表2  截至 {last[0]} 轮各县（市、区）建会情况")
    figure_table(doc, d.latest, UNION_TABLE, labels, "县（市、区）")
    caption(doc, f"表3  截至 {last[0]} 轮各县（市、区）入会情况")
    figure_table(doc, d.latest, MEMBER_TABLE, labels, "县（市、区）")
    chart(doc, 1, "各县（市、区）", d.latest, rs.param("migrant_target"), d.target_shown, font)
    para(doc, "三、尚需推进的工作", "Heading 1")
    para(doc, f"尚有 {d.pending_total:,} 家应单独建会的企业未建会（名单见附件），"
              f"距农民工入会率 {d.target_shown} 的目标尚需发展农民工会员 {t['migrant_target_gap']:,} 人。")
    sources_line(doc, d.sources)
    _closing(doc, d.unit, d.generated)
    annex(doc, d.pending, d.pending_total, rs, f"截至 {last[0]} 轮，{name}应单独建会尚未建会的企业")
    return doc



def save(doc: Document, target: Path) -> None:
    from qhunion.outputs import atomic_path

    with atomic_path(target) as tmp:
        doc.save(str(tmp))
