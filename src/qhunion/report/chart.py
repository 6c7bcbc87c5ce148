"""The report's chart (建会率 and 入会率 by region against the 60% line) and the CJK font it is drawn with.

A chart with a font that lacks a glyph prints boxes (豆腐块) where a county's name should be: the font is
chosen only if it has every character the chart will show, and otherwise the report leaves the chart out and
says why (issue 16). matplotlib is imported inside the functions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from qhunion.xlsx.styles import TARGET_COLOUR  # the target's red, the same in the workbook and the report

# In order of preference: what CI installs (Noto CJK), then what Windows and Linux desktops carry.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Source Han Sans CN", "思源黑体",
    "SimHei", "黑体", "Microsoft YaHei", "微软雅黑", "DengXian", "等线", "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN", "Noto Sans CJK TC", "Noto Sans CJK JP",
)
# Fonts a stale matplotlib font cache may not list yet (installed after it was built): found by file name.
_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehansans", "simhei", "msyh", "wqy", "droidsansfallback")


@dataclass(frozen=True)
class FontChoice:
    family: str
    path: str  # the font file (a collection's face is picked by family)


@dataclass(frozen=True)
class FontSearch:
    font: FontChoice | None
    reason: str  # why none was chosen, one Chinese clause; "" when one was


def _charmap(path: object) -> set[int]:
    from matplotlib import font_manager

    return set(font_manager.get_font(path).get_charmap())  # type: ignore[arg-type]


def find_cjk_font(text: str) -> FontSearch:
    """The first preferred CJK font installed here that has a glyph for every character of ``text``."""
    from matplotlib import font_manager

    needed = {ord(c) for c in text if not c.isspace()}
    manager = font_manager.fontManager
    names = {f.name for f in manager.ttflist}
    if not any(f in names for f in CJK_FAMILIES):
        for path in font_manager.findSystemFonts():
            if any(h in path.lower().replace("-", "").replace("_", "") for h in _FILE_HINTS):
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {f.name for f in manager.ttflist}
    tried = []
    for family in CJK_FAMILIES:
        if family not in names:
            continue
        found = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        missing = sorted(needed - _charmap(found))
        if not missing:
            return FontSearch(FontChoice(family, str(getattr(found, "path", found))), "")
        tried.append(f"{family} 缺少“{''.join(chr(c) for c in missing[:5])}”等字形")
    if tried:
        return FontSearch(None, "本机的中文字体不能显示图中全部文字（" + "；".join(tried) + "）")
    return FontSearch(None, "本机没有可用的中文字体（如 Noto Sans CJK、黑体、微软雅黑）")


def rate_chart(categories: Sequence[str], union: Sequence[float | None], membership: Sequence[float | None],
               target: float, labels: tuple[str, str, str], font: FontChoice) -> bytes:
    """Grouped bars (建会率, 入会率) per category and a dashed line at the target, as a PNG."""
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    prop = font_manager.FontProperties(family=font.family)
    n = len(categories)
    fig = Figure(figsize=(7.2, 3.6 if n <= 12 else 4.4), dpi=200)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    xs = range(n)
    width = 0.38
    nan = float("nan")
    ax.bar([x - width / 2 for x in xs], [nan if v is None else v for v in union], width, label=labels[0],
           color="#2F5597")
    ax.bar([x + width / 2 for x in xs], [nan if v is None else v for v in membership], width, label=labels[1],
           color="#A9C4EB")
    ax.axhline(target, color=TARGET_COLOUR, linestyle="--", linewidth=1.2, label=labels[2])
    ax.set_xticks(list(xs))
    ax.set_xticklabels(categories, fontproperties=prop, rotation=0 if n <= 8 else 45,
                       ha="center" if n <= 8 else "right", fontsize=9 if n <= 12 else 7)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(prop=font_manager.FontProperties(family=font.family, size=9), frameon=False, ncol=3,
              loc="upper center", bbox_to_anchor=(0.5, 1.12))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
