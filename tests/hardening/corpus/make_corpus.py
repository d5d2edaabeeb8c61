"""The big or binary fixtures of the bad-input corpus, generated deterministically at test time.

Small text fixtures are committed under ``files/``; what is better generated (a decompression bomb, a
10 MB cell, a 3 MB body, binary evidence files, workbooks) is made here, byte for byte the same on
every run, into a directory the test gives (pytest's tmp_path). ``python -m tests.hardening.corpus.make_corpus DIR``
(from the checkout) writes them all, to look at.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from tests.cases.exports import TAOBAO_HEADERS
from tests.cases.exports import taobao_row as taobao_fields

SCORE_HEADERS = ["工号", "模块代码", "周期", "成绩", "备注"]
PNG_HEAD = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
# A fixed timestamp for every zip member, so that the bytes never depend on the clock.
ZIP_TIME = (2026, 11, 20, 13, 5, 0)

GENERATORS: dict[str, Callable[[], bytes]] = {}


def generator(name: str):
    def register(function: Callable[[], bytes]) -> Callable[[], bytes]:
        GENERATORS[name] = function
        return function

    return register


def make(name: str, directory: Path) -> Path:
    """Write the generated fixture ``name`` into ``directory`` and return its path."""
    path = directory / name
    path.write_bytes(GENERATORS[name]())
    return path


# --- building blocks -------------------------------------------------------------------------------


def taobao_row(n: int, **overrides) -> list:
    row = taobao_fields(n, **overrides)
    return [row[h] for h in TAOBAO_HEADERS]


def csv_text(headers: list[str], rows: list[list]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def fixed_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(
                zipfile.ZipInfo(name, date_time=ZIP_TIME), content, compress_type=zipfile.ZIP_DEFLATED
            )
    return buffer.getvalue()


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An XLSX written by openpyxl, its zip members re-stamped with a fixed time (deterministic bytes)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    # openpyxl stamps the save time into the document properties: two builds a second apart differed.
    members["docProps/core.xml"] = re.sub(
        rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
        rb"\g<1>2026-01-01T00:00:00Z",
        members["docProps/core.xml"],
    )
    return fixed_zip(members)


def bomb() -> bytes:
    """A workbook-shaped zip whose one sheet inflates 50 MB of zeros from ~50 KB (ratio ~1000:1)."""
    return fixed_zip(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (50 * 1024 * 1024),
        }
    )


# --- review exports --------------------------------------------------------------------------------


@generator("review-nul-after-4k.csv")
def _review_nul() -> bytes:
    rows = [taobao_row(n) for n in range(1, 61)] + [taobao_row(61, 评价内容="杯子\x00裂了")]
    return csv_text(TAOBAO_HEADERS, rows).encode("utf-8")


@generator("review-gbk-utf8-mix.csv")
def _review_mixed() -> bytes:
    head = csv_text(TAOBAO_HEADERS, [taobao_row(1)]).encode("utf-8")
    tail = csv_text(TAOBAO_HEADERS, [taobao_row(2)]).split("\r\n", 1)[1].encode("gbk")
    return head + tail


@generator("review-10mb-cell.csv")
def _review_10mb() -> bytes:
    return csv_text(TAOBAO_HEADERS, [taobao_row(1, 评价内容="长" * (10 * 1024 * 1024 // 3))]).encode("utf-8")


@generator("review-unclosed-quote.csv")
def _review_quote() -> bytes:
    good = csv_text(TAOBAO_HEADERS, [taobao_row(n) for n in range(1, 3)])
    rest = csv_text(TAOBAO_HEADERS, [taobao_row(n) for n in range(3, 2000)]).split("\r\n", 1)[1]
    return (good + '"3100000000099999,' + rest).encode("utf-8")


@generator("review-formula-ids.xlsx")
def _review_formula() -> bytes:
    row = taobao_row(1, 订单编号="=1+1", 子订单编号='=A2&"01"')
    return workbook_bytes({"评价": [TAOBAO_HEADERS, row]})


@generator("review-bomb.xlsx")
def _review_bomb() -> bytes:
    return bomb()


# --- API bodies ------------------------------------------------------------------------------------

ITEM = {
    "shop": "tb-main",
    "order_no": "3100000000000002",
    "sub_order_no": "310000000000000201",
    "item_id": "640012345678",
    "rating": "差评",
    "content": "杯子收到就裂了",
    "reviewed_at": "2026-11-20 13:05:00",
    "buyer_nick": "t**2",
    "order_amount": "59.00",
}


@generator("api-3mb-body.json")
def _api_big() -> bytes:
    return json.dumps({**ITEM, "content": "长" * 1_000_000}, ensure_ascii=False).encode()


@generator("api-20000-chars.json")
def _api_long() -> bytes:
    return json.dumps({**ITEM, "content": "长" * 20_000}, ensure_ascii=False).encode()


@generator("api-100k-items.json")
def _api_many() -> bytes:
    return json.dumps([{"shop": "tb-main"}] * 100_000).encode()


@generator("api-deep-nesting.json")
def _api_deep() -> bytes:
    return b"[" * 100_000 + b"]" * 100_000


@generator("action-note-2001.json")
def _action_long_note() -> bytes:
    return json.dumps({"version": 3, "note": "长" * 2001}, ensure_ascii=False).encode()


# --- evidence files --------------------------------------------------------------------------------


@generator("聊天截图.jpg")
def _exe_as_jpg() -> bytes:
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode."
    )


@generator("空白.png")
def _empty_png() -> bytes:
    return b""


@generator("超大截图.png")
def _oversized_png() -> bytes:
    return PNG_HEAD + b"\x00" * (20 * 1024 * 1024 + 1 - len(PNG_HEAD))


@generator("聊天记录.xlsx")
def _zip_as_xlsx() -> bytes:
    return fixed_zip({"readme.txt": "这不是工作簿".encode()})


@generator("通话录音.png")
def _png_as_audio() -> bytes:
    return PNG_HEAD


@generator("聊天记录.txt")
def _nul_txt() -> bytes:
    return "买家：东西坏了\n".encode() + b"\x00\x00\x00" + "客服：抱歉\n".encode()


@generator("setup.exe")
def _exe() -> bytes:
    return b"MZ\x90\x00" + b"\x00" * 100


# --- training scores -------------------------------------------------------------------------------


@generator("scores-nul-note.csv")
def _scores_nul() -> bytes:
    return csv_text(SCORE_HEADERS, [["A001", "product_knowledge", "2026-11", "90", "补\x00考"]]).encode(
        "utf-8-sig"
    )


@generator("scores-gbk-utf8-mix.csv")
def _scores_mixed() -> bytes:
    head = csv_text(SCORE_HEADERS, [["A001", "product_knowledge", "2026-11", "90", "月度考试"]]).encode(
        "utf-8"
    )
    return head + "A002,product_knowledge,2026-11,85,补考通过\r\n".encode("gbk")


@generator("scores-utf16.csv")
def _scores_utf16() -> bytes:
    return csv_text(SCORE_HEADERS, [["A001", "product_knowledge", "2026-11", "90", ""]]).encode("utf-16")


@generator("scores-formula.xlsx")
def _scores_formula() -> bytes:
    return workbook_bytes({"成绩": [SCORE_HEADERS, ["A001", "product_knowledge", "2026-11", "=90+5", ""]]})


@generator("scores-bomb.xlsx")
def _scores_bomb() -> bytes:
    return bomb()


# --- policy pack -----------------------------------------------------------------------------------


@generator("pack-bomb.xlsx")
def _pack_bomb() -> bytes:
    return bomb()


@generator("pack-unknown-sheet.xlsx")
def _pack_unknown() -> bytes:
    return workbook_bytes({"随便写的表": [["名称", "金额"], ["红包", 5]]})


@generator("templates-undecodable.csv")
def _templates_undecodable() -> bytes:
    return b"\xff\xfe\xff\xfe\x81\x30" * 20


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-out")
    target.mkdir(parents=True, exist_ok=True)
    for fixture in GENERATORS:
        print(make(fixture, target))
