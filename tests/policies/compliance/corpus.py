"""The measured corpus of the compliance checker: replies that break a rule (with their category) and
ordinary replies, read from the two text files beside this module. ``bench/eval_compliance.py`` prints the
figures per category and platform; ``test_corpus.py`` holds them to the targets."""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = ("inducement", "conditional_offer", "revision_request", "diversion", "abuse", "personal_data")
PLATFORMS = ("taobao", "tmall", "douyin", "jd", "pdd")
# Every line is checked as a public reply: every rule applies there (personal data only in public).
CHANNEL = "public_reply"


def _lines(name: str) -> list[str]:
    text = (HERE / name).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    # "\u200b" in the file stands for the zero-width character itself (invisible when editing).
    return [re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), ln) for ln in lines]


def violating(holdout: bool = False) -> list[tuple[str, str]]:
    """(category, text) pairs; ``holdout``: the set written after the rules were tuned."""
    pairs = []
    for line in _lines("corpus_holdout_violating.txt" if holdout else "corpus_violating.txt"):
        category, _tab, text = line.partition("\t")
        assert category in CATEGORIES and text, line
        pairs.append((category, text))
    return pairs


def ordinary(holdout: bool = False) -> list[str]:
    return _lines("corpus_holdout_ordinary.txt" if holdout else "corpus_ordinary.txt")


def measure(flags, platforms=PLATFORMS, holdout: bool = False) -> dict:
    """``flags(text, platform) -> bool`` over the corpus: {"recall": {category|"all": {platform|"all": %}},
    "false_alarm": {platform|"all": %}, "missed": [...], "false_alarms": [...]}."""
    bad, good = violating(holdout), ordinary(holdout)
    caught: dict[tuple[str, str], list[bool]] = {}
    missed, alarms = [], []
    for category, text in bad:
        for platform in platforms:
            hit = flags(text, platform)
            for key in ((category, platform), (category, "all"), ("all", platform), ("all", "all")):
                caught.setdefault(key, []).append(hit)
            if not hit:
                missed.append((platform, category, text))
    raised: dict[str, list[bool]] = {}
    for text in good:
        for platform in platforms:
            hit = flags(text, platform)
            for key in (platform, "all"):
                raised.setdefault(key, []).append(hit)
            if hit:
                alarms.append((platform, text))

    def pct(values):
        return 100.0 * sum(values) / len(values) if values else 0.0

    recall = {}
    for (category, platform), hits in caught.items():
        recall.setdefault(category, {})[platform] = pct(hits)
    return {
        "recall": recall,
        "false_alarm": {platform: pct(hits) for platform, hits in raised.items()},
        "missed": missed,
        "false_alarms": alarms,
        "counts": {"violating": len(bad), "ordinary": len(good)},
    }
