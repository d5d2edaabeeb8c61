"""Real export files for the intake tests: XLSX written by openpyxl, CSV in a chosen encoding."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

TAOBAO_HEADERS = [
    "订单编号",
    "子订单编号",
    "宝贝名称",
    "商品ID",
    "商品属性/SKU",
    "评价等级",
    "评价内容",
    "评价时间",
    "买家昵称",
    "实付金额",
    "运费",
    "物流公司",
    "追评内容",
    "追评时间",
]
DOUYIN_HEADERS = [
    "评价日期",
    "订单ID",
    "商品ID",
    "商品名称",
    "商品规格",
    "商品评价得分",
    "评价内容",
    "用户昵称",
    "追评内容",
    "追评时间",
    "商家是否回复",
    "回复内容",
]


def taobao_row(n: int = 1, **overrides) -> dict:
    row = {
        "订单编号": f"31000000000{n:05d}",
        "子订单编号": f"31000000000{n:05d}01",
        "宝贝名称": "北欧简约陶瓷马克杯",
        "商品ID": "640012345678",
        "商品属性/SKU": "颜色分类:奶白色",
        "评价等级": "差评",
        "评价内容": "杯子收到就裂了，质量太差",
        "评价时间": "2026-11-20 13:05:00",
        "买家昵称": f"t**买家{n}",
        "实付金额": "￥59.00",
        "运费": "0.00",
        "物流公司": "中通快递",
        "追评内容": "",
        "追评时间": "",
    }
    row.update(overrides)
    return row


def douyin_row(n: int = 1, **overrides) -> dict:
    row = {
        "评价日期": "2026-11-20 13:05:00",
        "订单ID": f"69000000000{n:05d}",
        "商品ID": "3600001",
        "商品名称": "宽松卫衣",
        "商品规格": "黑色 XL",
        "商品评价得分": 2,
        "评价内容": "衣服起球严重",
        "用户昵称": f"抖音用户{n}",
        "追评内容": "",
        "追评时间": "",
        "商家是否回复": "否",
        "回复内容": "",
    }
    row.update(overrides)
    return row


def xlsx_bytes(
    headers: list[str],
    rows: list[dict] | list[list],
    *,
    title_rows: list[list] = (),
    sheet_title="评价",
    extra_sheets: list[tuple[str, list[list]]] = (),
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    for line in title_rows:
        sheet.append(line)
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers] if isinstance(row, dict) else row)
    for name, lines in extra_sheets:
        other = workbook.create_sheet(name)
        for line in lines:
            other.append(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    headers: list[str], rows: list[dict] | list[list], *, encoding="utf-8-sig", delimiter=","
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            [("" if row.get(h) is None else row.get(h)) for h in headers] if isinstance(row, dict) else row
        )
    return buffer.getvalue().encode(encoding)
