"""Cell values as exports really hold them → clean Python values. Each parser raises
``BadValue(message)`` with a Chinese message for the row report.

Tolerated: surrounding spaces, full-width digits and punctuation in numbers and ids, currency
signs (￥59.00, ¥, 元, RMB), thousands separators, Excel's ="0123" text trick, Excel date cells,
Excel serial numbers and the usual text dates (2026-11-20 13:05:00, 2026/11/20 13:05,
2026年11月20日 13:05, date only).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import zoneinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from django.utils.translation import gettext as _

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TWO_PLACES = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")

# Full-width ASCII (！ .. ～) → ASCII, and the ideographic space → space.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20


class BadValue(ValueError):
    pass


def half_width(text: str) -> str:
    return text.translate(_FULL_WIDTH)


def header_key(text) -> str:
    """How headers compare: half-width, no spaces, lower case (商品 ID ≡ 商品ID ≡ 商品id)."""
    return re.sub(r"\s+", "", half_width(str(text or ""))).lower()


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the insert.
    if "\x00" in value:
        raise BadValue(_("含有空字符(NUL)，请删除后重试"))
    return value


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _no_nul(value).strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


_EXCEL_TEXT = re.compile(r'^="(.*)"$')
_ID_CHARACTERS = re.compile(r"^[A-Za-z0-9_:./#-]*$")


def identifier(value) -> str:
    """Order numbers and ids: digits must survive (no 1.23E+17), full-width folded, ="…" unwrapped."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        raise BadValue(_("应为编号，却是布尔值"))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        raise BadValue(
            _("编号被Excel存成了数值(%(v)s)，已丢失精度：请把该列设为文本后重新导出") % {"v": value}
        )
    if isinstance(value, str) and value.isascii() and value.isalnum():
        return value  # the usual cell (digits, letters): nothing below would change or refuse it
    result = half_width(str(value)).strip()
    match = _EXCEL_TEXT.match(result)
    if match:
        result = match.group(1).strip()
    result = result.lstrip("'")
    if not _ID_CHARACTERS.match(result):
        raise BadValue(
            _("编号“%(v)s”只能由字母、数字和 - _ : . / # 组成(不能含汉字、表情符号或空字符)") % {"v": value}
        )
    return result


_MONEY_NOISE = re.compile(r"[￥¥$元,，\s]|RMB|CNY", re.IGNORECASE)


def money(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue(_("金额格式不正确"))
    if isinstance(value, int | float):
        return _checked_money(Decimal(repr(value)), value)
    if isinstance(value, str):
        return _money_text(value)
    return _money_text.__wrapped__(str(value), value)


@lru_cache(
    maxsize=4096
)  # an export repeats a few prices and fees: parse each text once (a refusal is not cached)
def _money_text(cell: str, original=None) -> Decimal | None:
    original = cell if original is None else original
    cleaned = _MONEY_NOISE.sub("", half_width(cell))
    if cleaned in ("", "-"):
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise BadValue(_("金额“%(v)s”不是有效数字") % {"v": original})
    return _checked_money(amount, original)


def _checked_money(amount: Decimal, value) -> Decimal:
    if not amount.is_finite():
        raise BadValue(_("金额“%(v)s”不是有效数字") % {"v": value})
    if amount < 0:
        raise BadValue(_("金额不能为负数(%(v)s)") % {"v": value})
    if amount > MAX_MONEY:
        raise BadValue(_("金额过大(%(v)s)") % {"v": value})
    return amount.quantize(TWO_PLACES)


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T\s]\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?$"
)
_PLAIN_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", re.ASCII)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


EARLIEST = dt.datetime(2000, 1, 1, tzinfo=SHANGHAI)  # before any of the platforms existed
FUTURE_SLACK = dt.timedelta(days=1)  # clock skew and zone mistakes, not reviews from next week


def moment(value, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """An aware datetime in Asia/Shanghai (exports carry local times without a zone), between
    2000-01-01 and a day from now."""
    parsed = _moment(value)
    if parsed is None:
        return None
    if parsed < EARLIEST:
        raise BadValue(_("日期时间“%(v)s”早于2000年，不是真实的评价时间") % {"v": value})
    if parsed > (now or dt.datetime.now(dt.UTC)) + FUTURE_SLACK:
        raise BadValue(_("日期时间“%(v)s”在未来，请检查年份和时区") % {"v": value})
    return parsed


def _moment(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=SHANGHAI)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:  # an Excel serial date whose cell lost its date format
            naive = _EXCEL_EPOCH + dt.timedelta(days=float(value))
            return naive.replace(microsecond=0, tzinfo=SHANGHAI)
        raise BadValue(_("“%(v)s”不是日期时间") % {"v": value})
    if isinstance(value, str) and _PLAIN_MOMENT.fullmatch(value):
        try:  # the usual cell, 2026-11-20 13:05:00: what _DATE below reads, at C speed
            return dt.datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
        except ValueError:
            pass  # 2026-02-30 …: the full path words the refusal
    raw = half_width(str(value)).strip()
    match = _DATE.match(raw)
    if not match and ("T" in raw or "+" in raw or raw.endswith("Z")):
        try:  # ISO 8601 with a zone, as API clients send it
            parsed = dt.datetime.fromisoformat(raw)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)
    if not match:
        raise BadValue(_("日期时间“%(v)s”无法识别，应为 2026-11-20 13:05:00 这样的格式") % {"v": value})
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)
    except ValueError:
        raise BadValue(_("日期时间“%(v)s”不存在") % {"v": value})


def rating(value, levels: dict[str, int]) -> tuple[int, str]:
    """(score 1–5, the original text). Scores 1–5 pass; words go through the mapping's levels."""
    if value is None or value == "":
        raise BadValue(_("评分为空"))
    original = text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        score = value
    else:
        cleaned = half_width(original).strip()
        if cleaned in levels:
            return levels[cleaned], original
        try:
            score = float(cleaned.removesuffix("分").removesuffix("星"))
        except ValueError:
            # best first, whatever order the mapping's JSON came back in (PostgreSQL's jsonb sorts keys)
            known = (
                "、".join(sorted((k for k in levels if len(k) > 1), key=lambda k: (-levels[k], k))) or "1–5"
            )
            raise BadValue(
                _("无法识别的评价等级“%(v)s”，应为 %(known)s 或 1–5 分") % {"v": original, "known": known}
            )
    if float(score).is_integer() and 1 <= score <= 5:
        return int(score), original
    raise BadValue(_("评分“%(v)s”超出1–5的范围") % {"v": original})


_TRUE = {"是", "已回复", "y", "yes", "true", "1", "有", "√"}
_FALSE = {"否", "未回复", "n", "no", "false", "0", "无", "×", "-"}


def yes_no(value) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    key = half_width(text(value)).lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadValue(_("“%(v)s”应为 是 或 否") % {"v": value})


def ip(value) -> str | None:
    raw = half_width(text(value))
    if not raw:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise BadValue(_("“%(v)s”不是有效的IP地址") % {"v": value})


# Fields that define "the review changed" when a later copy arrives; the fingerprint covers them.
TRACKED_FIELDS = (
    "order_no",
    "sub_order_no",
    "item_id",
    "item_title",
    "sku",
    "rating",
    "rating_text",
    "content",
    "appended_content",
    "appended_at",
    "reviewed_at",
    "buyer_nick",
    "buyer_ip",
    "buyer_phone",
    "buyer_address",
    "order_amount",
    "shipping_fee",
    "courier",
    "seller_replied",
    "reply_content",
)


def _canonical(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def fingerprint(values: dict) -> str:
    get = values.get
    joined = "\x1f".join(
        [
            value if type(value) is str else "" if value is None else _canonical(value)
            for value in map(get, TRACKED_FIELDS)
        ]
    )
    return hashlib.blake2b(joined.encode(), digest_size=16).hexdigest()


def external_id(values: dict, id_fields: list[str]) -> str:
    """The review's stable identity when the export has no review id: the sub-order alone (one
    item per sub-order), else the order plus the item id."""
    given = values.get("external_id")
    if given:
        return given
    for name in id_fields or ("sub_order_no", "order_no"):
        number = values.get(name)
        if not number:
            continue
        if name == "sub_order_no":
            return f"sub:{number}"
        item = values.get("item_id")
        return f"order:{number}:item:{item}" if item else f"order:{number}"
    return ""
