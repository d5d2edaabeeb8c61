"""Masking of a buyer's personal data: the one implementation every page, API, notification and export uses.

- ``mask_phone(phone)`` / ``mask_address(address)``: the review's own contact fields (138****5678;
  浙江省杭州市********).
- ``mask_free_text(text)``: what buyers type into free text (review, appended review, item title, SKU
  text). Masked, each replaced whole by a bracketed label ([电话已隐藏], [号码已隐藏], [证件号已隐藏],
  [地址已隐藏]; free text goes to group notifications and robots too, so no digit of it is kept):
  mainland mobile numbers (+86/0086 prefixes; spaces, dashes, dots or full-width digits between the
  digits), landlines (with or without the area code in brackets), any other run of seven or more digits
  (dates such as 2024-11-20 excepted), 18- and 15-digit ID-card numbers, and street addresses (a road,
  lane, village or estate followed by a number, or named right after a district, county or town). The
  rest of the text is kept as written, so a reader still understands the complaint; province, city and
  district names stay (as ``mask_address`` keeps them).

Matching runs on a copy of the text in which full-width digits and separators are replaced one character
for one by their ASCII forms, so the spans found apply to the original text unchanged. Numbers spelled out
in Chinese characters (一三八…) are not recognised: a buyer who writes them on purpose is not the case this
guards against (a number copied from an order or a chat).

The placeholders are in the active language (gettext); masked text is never the input of anything that
parses it back.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_DIGIT = re.compile(r"\d")

# One character for one character, so spans on the normalised copy are spans on the original.
_NORMALISE = str.maketrans(
    {
        **{chr(0xFF10 + n): str(n) for n in range(10)},  # ０-９
        "＋": "+",
        "－": "-",
        "—": "-",
        "–": "-",
        "‐": "-",
        "‑": "-",
        "　": " ",
        "（": "(",
        "）": ")",
        "Ｘ": "X",
        "ｘ": "x",
        "．": ".",
    }
)
_SEP = r"[ \t\-.]"  # at most one between two digits
_COUNTRY = r"(?:(?:\+|00)86" + _SEP + r"?|\(\+?86\)\s?)"
# 2024-11-20, 2024.11.20, 2024/11/20: a date, not a number to hide.
_DATE = r"(?:19|20)\d{2}(?P<date_sep>[-./])(?:0?[1-9]|1[0-2])(?P=date_sep)(?:0?[1-9]|[12]\d|3[01])(?!\d)"
_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])\d(?:" + _SEP + r"?\d){16}" + _SEP + r"?[\dXx](?![0-9A-Za-z])"  # 18 digits, X last
    r"|(?<![0-9A-Za-z])[1-9]\d{5}" + _SEP + r"?\d{6}" + _SEP + r"?\d{3}(?![0-9A-Za-z])"  # the old 15 digits
)
_PHONE = re.compile(
    r"(?<![0-9A-Za-z+])(?<![A-Za-z]-)"
    r"(?:" + _COUNTRY + r"?1[3-9]\d(?:" + _SEP + r"?\d){8}"  # mobile
    r"|\(0\d{2,3}\)\s?\d(?:" + _SEP + r"?\d){6,7}"  # (021) 6888 8888
    r"|0[1-9]\d{1,2}" + _SEP + r"?[2-9]\d{2,3}" + _SEP + r"?\d{4}"  # a landline with its area code
    r"|(?!" + _DATE + r")(?P<other>\d(?:" + _SEP + r"?\d){6,}))"  # any other long number (order, QQ …)
    r"(?!\d)"
)
# Addresses. Kept: province, city, district, county and town names. Masked: from the road (or estate,
# village …) on, with its numbers. A road's name may not contain the units before it or the words that
# introduce an address (寄到…, 住在…), so "寄到上海市浦东新区世纪大道100号" masks only "世纪大道100号".
_NUMERAL = r"[0-9一二三四五六七八九十百千零〇两]"
_UNIT = r"(?:号楼|号院|号|弄|栋|幢|座|楼|层|单元|室|户|组|排)"
_NUMBER = r"(?:\s?" + _NUMERAL + r"+\s?" + _UNIT + r")+(?:\s?[\-#]?\s?\d+)?"
_ROAD_NAME = r"[^\W\d_省市区县镇乡旗到在是寄送发往住址和的与或，。、；：！？]{1,8}?"
_ROAD = r"(?:大道|大街|路|街(?!道)|巷|弄|胡同|里|村|屯|小区|社区|花园|公寓|大厦|广场|新村|家园|苑|园|城|坊)"
_ADDRESS = re.compile(
    _ROAD_NAME
    + _ROAD
    + r"(?:"
    + _ROAD_NAME
    + _ROAD
    + r")?"
    + _NUMBER  # 中山路100号3栋2单元501室
    + r"|(?<=[区县镇乡旗])"
    + _ROAD_NAME
    + r"(?:大道|大街|路|街(?!道)|巷|胡同|村|小区)"
    + r"(?:"
    + _NUMBER
    + r")?"
)
_PLACEHOLDER_RUN = re.compile(r"(\[[^\[\]]{1,20}\])(?:\s*\1)+")


# Keys of a stored event payload (a case's timeline) that could carry a buyer's contact data: never shown or
# answered, whoever asks (the case page and the API both read this set).
PAYLOAD_HIDDEN = frozenset({"phone", "address", "buyer_phone", "buyer_address"})


def mask_phone(phone: str | None) -> str:
    """138****5678: the first three and last four digits stay; short numbers keep only the last two."""
    if not phone:
        return ""
    digits = _DIGIT.findall(str(phone).translate(_NORMALISE))
    if len(digits) == 13 and digits[:2] == ["8", "6"]:  # +86 country code
        digits = digits[2:]
    elif len(digits) == 15 and digits[:4] == ["0", "0", "8", "6"]:  # 0086
        digits = digits[4:]
    if len(digits) >= 11:
        return "".join(digits[:3]) + "****" + "".join(digits[-4:])
    if len(digits) >= 4:
        return "*" * (len(digits) - 2) + "".join(digits[-2:])
    return "*" * len(digits)


def mask_nick(nick: str | None) -> str:
    """A buyer's nick as the client viewer sees it: its first character and the last when longer than two
    (t***1, 王*), never the whole name; the same nick always masks the same way."""
    if not nick:
        return ""
    nick = str(nick)
    if len(nick) <= 2:
        return nick[0] + "*"
    return nick[0] + "***" + nick[-1]


def mask_address(address: str | None) -> str:
    """The first six characters (province/city) stay, the rest is hidden: 浙江省杭州市********."""
    if not address:
        return ""
    keep = min(6, max(len(address) // 3, 1))
    return address[:keep] + "*" * min(len(address) - keep, 8)


def mask_free_text(text: str | None) -> str:
    """``text`` with the phone numbers, ID-card numbers and street addresses a buyer typed into it masked
    (see the module docstring); everything else as written. Idempotent: masking masked text changes
    nothing."""
    if not text:
        return ""
    text = str(text)
    spans: list[tuple[int, int, str]] = []
    normal = text.translate(_NORMALISE)
    phone_label, number_label = f"[{_('电话已隐藏')}]", f"[{_('号码已隐藏')}]"
    id_label, address_label = f"[{_('证件号已隐藏')}]", f"[{_('地址已隐藏')}]"
    for match in _ID_CARD.finditer(normal):
        spans.append((match.start(), match.end(), id_label))
    taken = _blank(normal, spans)
    for match in _PHONE.finditer(taken):
        spans.append((match.start(), match.end(), number_label if match.group("other") else phone_label))
    taken = _blank(normal, spans)
    for match in _ADDRESS.finditer(taken):
        spans.append((match.start(), match.end(), address_label))
    pieces, last = [], 0
    for start, end, replacement in sorted(spans):
        pieces += [text[last:start], replacement]
        last = end
    pieces.append(text[last:])
    return _PLACEHOLDER_RUN.sub(r"\1", "".join(pieces))


def _blank(normal: str, spans: list[tuple[int, int, str]]) -> str:
    """``normal`` with the spans already masked replaced by a character no pattern matches (same length)."""
    chars = list(normal)
    for start, end, _replacement in spans:
        chars[start:end] = "\x00" * (end - start)
    return "".join(chars)
