"""Text → the canonical form compliance rules are matched on, with a map back to the original text.

Rewording must not evade a rule, so before matching the text is: NFKC-folded (full-width → half-width,
circled digits → digits), converted from traditional to simplified Chinese (OpenCC), case-folded,
stripped of whitespace, punctuation, symbols, separators and zero-width/format characters, its
Chinese numerals written as digits ("五星" → "5星", "十块" → "10元", "一三八…" → "138…"), and the usual
disguises undone ("hao评" → "好评", "wx"/"V信"/"薇信" → "微信", "扣扣" → "qq", "公主号" → "公众号" …).

Every character of the normalised text remembers the span of the original it came from, so a finding
reports what the agent typed (``Normalised.original_span``), never the canonical form.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import opencc

_T2S = opencc.OpenCC("t2s")

# Symbols that carry meaning in a disguised inducement; every other symbol is dropped.
_SYMBOLS = {
    "⭐": "星",
    "★": "星",
    "☆": "星",
    "✩": "星",
    "✰": "星",
    "🌟": "星",
    "🧧": "红包",
    "💰": "钱",
    "💴": "钱",
    "💵": "钱",
    "🎁": "礼品",
}
# Kept: letters and numbers. Dropped: marks (M*), punctuation (P*), symbols (S*), separators (Z*),
# control and format characters (C*: zero-width spaces and joiners are Cf).
_KEPT = ("L", "N")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
_DIGITS.update({"八": 8, "九": 9})
# The banker's numerals (壹贰叁… as on a cheque), a common way around a rule written with 五.
_DIGITS.update({"壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9})
_POWERS = {"十": 10, "百": 100, "千": 1000, "万": 10000, "拾": 10, "佰": 100, "仟": 1000}
# A numeral is read as a number only before a unit a reward or a rating is counted in, or as a run of
# three digits or more (a phone number spoken digit by digit): "一下", "一直", "十分抱歉" stay words.
_UNITS = "星颗元块圆毛角折张次天倍"
_DIGIT_CHARS = "零〇一幺二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_NUMERAL_RUN = re.compile(rf"[{_DIGIT_CHARS}十百千万拾佰仟]+(?=[{_UNITS}])|[{_DIGIT_CHARS}]{{3,}}")

# Disguises undone before the numerals are read (the text is already lower case and has no spaces).
_WORDS = [
    (r"hao评|好ping|haoping|郝评", "好评"),
    (r"cha评|差ping|chaping", "差评"),
    (r"zhui评|追ping|zhuiping", "追评"),
    (r"shan评|删ping|shanping", "删评"),
    (r"ping价|评jia|pingjia", "评价"),
    (r"返xian|fanxian|反现|饭现|返钱|返米", "返现"),
    (r"红bao|hong包|hongbao|红苞|虹包|鸿包", "红包"),
    (r"免dan|mian单|miandan", "免单"),
    (r"weixin|wechat|v信|威信|薇信|微x|徽信|维信|wei信|wx|vx", "微信"),
    (r"(?<=加)(?:v(?!ip)|薇|威|维(?![修护持])|微(?![信笑博]))", "微信"),
    (r"扣扣|qq|企鹅号", "qq"),
    (r"公主号|公号|gzh|gongzhonghao", "公众号"),
    (r"客fu|ke服", "客服"),
    (r"五颗星|5颗星|五颗心|5颗心", "5星"),
]
# Rewritten after the numerals are digits.
_AFTER_DIGITS = [
    (r"(?<=\d)(?:颗星|颗心|xing)", "星"),
    (r"(?<=\d)(?:块钱|块|圆|rmb)", "元"),
]


def _compile(pairs):
    return [(re.compile(pattern), replacement) for pattern, replacement in pairs]


_WORD_RULES = _compile(_WORDS)
_DIGIT_RULES = _compile(_AFTER_DIGITS)


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    # For each character of ``text``: the (start, end) span of the original it came from.
    spans: tuple[tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span behind ``text[start:end]`` (end exclusive)."""
        if not self.spans or start >= end:
            return (0, 0)
        return (self.spans[start][0], self.spans[end - 1][1])

    def original_text(self, start: int, end: int) -> str:
        begin, finish = self.original_span(start, end)
        return self.original[begin:finish]


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One original character → its canonical characters ("" when dropped)."""
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    out = []
    for part in unicodedata.normalize("NFKC", char):
        if part in _SYMBOLS:
            out.append(_SYMBOLS[part])
            continue
        if unicodedata.category(part)[0] not in _KEPT:
            continue
        if ord(part) >= 0x3400:
            part = _T2S.convert(part)
        out.append(part.casefold())
    return "".join(out)


def _number(run: str) -> str:
    """A run of Chinese numerals → its digits ("二十" → "20", "一三八" → "138", "十五" → "15")."""
    if not any(c in _POWERS for c in run):
        return "".join(str(_DIGITS[c]) for c in run)
    total, section, digit = 0, 0, None
    for c in run:
        if c in _DIGITS:
            digit = _DIGITS[c]
        elif c == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _POWERS[c]
            digit = None
    return str(total + section + (digit or 0))


def _rewrite(
    chars: list[str], spans: list[tuple[int, int]], rules
) -> tuple[list[str], list[tuple[int, int]]]:
    """Apply (regex, replacement or function) rules; each replacement character maps to the span of
    everything it replaced."""
    for pattern, replacement in rules:
        text = "".join(chars)
        if not pattern.search(text):
            continue
        new_chars: list[str] = []
        new_spans: list[tuple[int, int]] = []
        last = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            if start == end:
                continue
            new_chars.extend(chars[last:start])
            new_spans.extend(spans[last:start])
            value = replacement(match.group(0)) if callable(replacement) else replacement
            span = (spans[start][0], spans[end - 1][1])
            new_chars.extend(value)
            new_spans.extend([span] * len(value))
            last = end
        new_chars.extend(chars[last:])
        new_spans.extend(spans[last:])
        chars, spans = new_chars, new_spans
    return chars, spans


@functools.lru_cache(maxsize=2048)
def normalise(text: str) -> Normalised:
    """The canonical form of ``text`` with the map back to it (cached: the same drafts are checked often)."""
    text = text or ""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        for part in _fold_char(char):
            chars.append(part)
            spans.append((index, index + 1))
    chars, spans = _rewrite(chars, spans, _WORD_RULES)
    chars, spans = _rewrite(chars, spans, [(_NUMERAL_RUN, _number)])
    chars, spans = _rewrite(chars, spans, _DIGIT_RULES)
    return Normalised(original=text, text="".join(chars), spans=tuple(spans))


def normalise_phrase(phrase: str) -> str:
    """A rule's literal phrase in the same canonical form as the texts it is matched on."""
    return normalise(phrase).text
