"""Fill the `pinyin` column of src/qhunion/data/qinghai_divisions.csv (run once by hand; not a runtime need).

    pip install pypinyin && python tools/divisions_pinyin.py

The column is the toneless, lowercase pinyin of `short_name`, without separators (玛沁 → maqin). pypinyin's
reading is checked against READINGS, the names whose characters have more than one reading, read by hand as
the places are called (乐都 lè dū, 都兰 dū lán, 称多 chèn duō …): the hand reading is written, and each
disagreement is printed (pypinyin 0.55.0 reads 称多 as chengduo).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pypinyin import Style, lazy_pinyin

CSV = Path(__file__).resolve().parents[1] / "src/qhunion/data/qinghai_divisions.csv"

# Polyphones, read by hand: short name → pinyin.
READINGS = {
    "乐都": "ledu",  # 乐 lè, not yuè; 都 dū, not dōu
    "都兰": "dulan",
    "称多": "chenduo",  # 称 chèn
    "大通": "datong",  # 大 dà, not dài
    "化隆": "hualong",
    "循化": "xunhua",
    "尖扎": "jianzha",  # 扎 zhā
    "泽库": "zeku",
    "河南": "henan",  # also the province 河南省: see places.BARE_READINGS
    "海南": "hainan",  # also the province 海南省
    "玉树": "yushu",  # 玉树藏族自治州 and 玉树市 alike
    "大柴旦": "dachaidan",
    "曲麻莱": "qumalai",  # 曲 qū
    "治多": "zhiduo",
    "杂多": "zaduo",
    "茫崖": "mangya",  # 崖 yá (local usage also máng'ái; the romanised name is Mangnai — not used in file names)
    "果洛": "guoluo",
    "湟中": "huangzhong",
    "城中": "chengzhong",
    "互助": "huzhu",
    "班玛": "banma",
    "玛多": "maduo",
    "囊谦": "nangqian",
    "格尔木": "geermu",
    "德令哈": "delingha",
}


def pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.NORMAL)).replace("ü", "v").lower()


def main() -> None:
    rows = list(csv.DictReader(io.StringIO(CSV.read_text("utf-8"))))
    fields = [f for f in rows[0] if f != "pinyin"] + ["pinyin"]
    for row in rows:
        machine = pinyin(row["short_name"])
        by_hand = READINGS.get(row["short_name"])
        if by_hand is not None and by_hand != machine:
            print(f"{row['short_name']}: pypinyin reads {machine}, written as read by hand: {by_hand}")
        row["pinyin"] = by_hand or machine
    out = io.StringIO()
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    CSV.write_text(out.getvalue(), "utf-8")


if __name__ == "__main__":
    main()
