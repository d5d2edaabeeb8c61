#!/usr/bin/env python
"""Generate realistic platform review exports (Taobao/Tmall, Douyin) for benchmarks and demos.

    python bench/gen_exports.py taobao 100000 /tmp/tb.xlsx [--csv] [--bad 10] [--revise /tmp/tb2.xlsx]
    python bench/gen_exports.py douyin 5000 /tmp/dy.csv --csv --encoding gbk

Chinese texts for every issue type of the default pack (logistics, quality, service attitude,
buyer misunderstanding, malicious/extortion), good reviews that open nothing, watch words at good
ratings, repeat negative buyers; ``--revise`` writes a second export of the same reviews in which
some ratings improve or worsen and some get an appended review (追评); ``--bad N`` spoils N rows.
Deterministic for a given ``--seed``. XLSX is written with openpyxl in write-only mode.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, when run as a script

# The columns of the platforms' exports are the intake tests' (one definition for tests, benchmarks, demos).
from tests.cases.exports import DOUYIN_HEADERS, TAOBAO_HEADERS  # noqa: E402

TEXTS = {
    "logistics": [
        "快递太慢了，一个星期才到",
        "物流信息三天不更新，催了也没用",
        "外包装破损，东西压坏了",
        "快递员态度差还不送上门",
        "发货太慢，说好48小时发货结果拖了五天",
    ],
    "quality": [
        "质量太差，用了两天就坏了",
        "做工粗糙，线头很多",
        "有异味，洗了还是很臭",
        "尺寸和描述不符，质量一般",
        "开线了，起球严重",
    ],
    "service": ["客服态度很差，爱答不理", "问客服半天不回复", "客服回复敷衍，解决不了问题"],
    "misunderstanding": ["不会用，说明书看不懂", "颜色和图片有色差，和想象的不一样", "尺码偏小，穿不上"],
    "malicious": [
        "不给返现就差评，加微信给红包我就删评",
        "给我返现50元我就改好评",
        "同行看了都说垃圾，大家别买",
    ],
    "good": [
        "很好用，物流也快，好评",
        "质量不错，性价比高",
        "包装很好，客服热情，下次还来",
        "东西收到了，和描述一致",
        "宝贝很好，已经回购第三次了",
        "此用户没有填写评价。",
    ],
    "good_watch": ["东西还行，不过之前投诉过一次物流", "还可以吧，差评是不至于"],
}
ITEMS = [
    ("北欧简约陶瓷马克杯", "640012345678", ["颜色分类:奶白色", "颜色分类:雾霾蓝"], "59.00"),
    ("可折叠收纳箱大号", "640012345679", ["规格:66L 两只装", "规格:45L 单只"], "89.90"),
    ("儿童不锈钢保温杯", "640012345680", ["容量:350ml 粉色", "容量:500ml 蓝色"], "79.00"),
    ("宽松连帽卫衣男女同款", "640012345681", ["颜色:黑色;尺码:XL", "颜色:灰色;尺码:L"], "129.00"),
    ("多功能破壁料理机", "640012345682", ["套餐:标配", "套餐:豪华版"], "299.00"),
    ("无线蓝牙降噪耳机", "640012345683", ["颜色:白色", "颜色:黑色"], "159.00"),
]
COURIERS = ["中通快递", "圆通速递", "韵达快递", "申通快递", "顺丰速运", "极兔速递", "邮政EMS"]
KINDS = (
    ["good"] * 60
    + ["good_watch"] * 2
    + ["logistics"] * 12
    + ["quality"] * 12
    + ["service"] * 5
    + ["misunderstanding"] * 7
    + ["malicious"] * 2
)


def _level(kind: str, rng: random.Random) -> int:
    if kind in ("good", "good_watch"):
        return 5 if rng.random() < 0.85 else 4
    return rng.choice([1, 1, 1, 2, 3]) if kind != "misunderstanding" else rng.choice([3, 3, 2])


def reviews(n: int, *, seed: int = 7, start: dt.datetime | None = None) -> list[dict]:
    """Platform-neutral review records; ``taobao_row`` / ``douyin_row`` lay them out."""
    rng = random.Random(seed)
    start = start or dt.datetime(2026, 11, 1, 8, 0)
    repeaters = [f"差评专业户{i}" for i in range(20)]
    out = []
    for i in range(n):
        kind = KINDS[rng.randrange(len(KINDS))]
        title, item_id, skus, price = ITEMS[rng.randrange(len(ITEMS))]
        nick = (
            repeaters[rng.randrange(20)]
            if kind == "malicious"
            else f"{rng.choice('tbjxqwzmlhyc')}**{rng.randrange(10**6):06d}"
        )
        out.append(
            {
                "order": f"{3100000000000000 + i * 7}",
                "sub": f"{3100000000000000 + i * 7}01",
                "title": title,
                "item_id": item_id,
                "sku": skus[rng.randrange(len(skus))],
                "rating": _level(kind, rng),
                "text": rng.choice(TEXTS[kind]),
                "at": start + dt.timedelta(seconds=i * 13 + rng.randrange(10)),
                "nick": nick,
                "amount": price,
                "fee": rng.choice(["0.00", "0.00", "8.00", "12.00"]),
                "courier": rng.choice(COURIERS),
                "append": "",
                "append_at": None,
            }
        )
    return out


def revise(records: list[dict], *, seed: int = 11, share: float = 0.05) -> list[dict]:
    """The same reviews a week later: some negatives turned good, some good turned bad, some appended."""
    rng = random.Random(seed)
    out = []
    for record in records:
        r = dict(record)
        roll = rng.random()
        if r["rating"] <= 3 and roll < share * 2:
            r["rating"], r["text"] = 5, "商家处理很及时，改为好评"
        elif r["rating"] >= 4 and roll < share / 5:
            r["rating"] = 1
        elif roll < share * 3:
            r["append"], r["append_at"] = (
                "用了一周，追评一下：" + rng.choice(TEXTS["quality"] + TEXTS["good"]),
                r["at"] + dt.timedelta(days=7),
            )
        out.append(r)
    return out


LEVEL = {5: "好评", 4: "好评", 3: "中评", 2: "差评", 1: "差评"}


def taobao_row(r: dict) -> list:
    return [
        r["order"],
        r["sub"],
        r["title"],
        r["item_id"],
        r["sku"],
        LEVEL[r["rating"]],
        r["text"],
        r["at"].strftime("%Y-%m-%d %H:%M:%S"),
        r["nick"],
        f"￥{r['amount']}",
        r["fee"],
        r["courier"],
        r["append"],
        r["append_at"].strftime("%Y-%m-%d %H:%M:%S") if r["append_at"] else "",
    ]


def douyin_row(r: dict) -> list:
    return [
        r["at"].strftime("%Y/%m/%d %H:%M"),
        r["order"],
        r["item_id"],
        r["title"],
        r["sku"],
        r["rating"],
        r["text"],
        r["nick"],
        r["append"],
        r["append_at"].strftime("%Y/%m/%d %H:%M") if r["append_at"] else "",
        "否",
        "",
    ]


def spoil(rows: list[list], count: int, *, seed: int = 3) -> list[int]:
    """Puts an unreadable rating or date into ``count`` rows; returns their 0-based indexes."""
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(rows)), min(count, len(rows))))
    for n, index in enumerate(picked):
        if n % 2:
            rows[index][5] = "很差劲"
        else:
            rows[index][7 if len(rows[index]) == 14 else 0] = "上周三"
    return picked


def write_xlsx(path: str, headers: list[str], rows: list[list]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("评价数据")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path: str, headers: list[str], rows: list[list], encoding: str = "utf-8-sig") -> None:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("platform", choices=["taobao", "douyin"])
    parser.add_argument("rows", type=int)
    parser.add_argument("path")
    parser.add_argument("--csv", action="store_true")
    parser.add_argument("--encoding", default="utf-8-sig")
    parser.add_argument("--bad", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--revise", help="also write the later export (changed ratings, appends) here")
    args = parser.parse_args(argv)
    records = reviews(args.rows, seed=args.seed)
    headers, layout = (
        (TAOBAO_HEADERS, taobao_row) if args.platform == "taobao" else (DOUYIN_HEADERS, douyin_row)
    )
    batches = [(args.path, records)] + ([(args.revise, revise(records))] if args.revise else [])
    for path, batch in batches:
        rows = [layout(r) for r in batch]
        if args.bad and path == args.path:
            spoil(rows, args.bad)
        (write_csv(path, headers, rows, args.encoding) if args.csv else write_xlsx(path, headers, rows))
        print(f"wrote {len(rows)} rows to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
