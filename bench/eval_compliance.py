#!/usr/bin/env python
"""Compliance checker, measured: recall and false-alarm rate per category and per platform, BEFORE (the
six literal rules of the old default pack, matched on the raw text as the old engine did) and AFTER
(the default pack's rules through ``policies.engine.check_compliance``, on normalised text).

    .venv/bin/python bench/eval_compliance.py [--missed]

The corpus is tests/policies/compliance/corpus_*.txt (≥ 150 violating replies labelled by category,
≥ 150 ordinary ones). A reply counts as flagged when the check reports any finding (block or warn) for
it as a public reply on that platform. No database: the rules are built from the pack's rows the way
the loader builds them. Targets (issue 15): recall ≥ 95 %, false alarms ≤ 3 %.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewdesk.settings")

# The old default pack's six rules and matcher, copied as they were before normalisation (for BEFORE).
_OLD_REVISION = [
    r"改(成|为)?好评",
    r"(更新|修改|更改|改一下|改下|删除|删掉|撤销|撤回|追加)(一下)?(您的|你的)?(评价|差评|中评|评论)",
    r"追加好评",
    r"追评有礼",
    r"删评",
    r"(帮忙|麻烦).{0,6}(改|删|追加|更新).{0,4}(评价|评论|好评)",
]
OLD_RULES = [
    # (platforms, channels, mode, patterns)
    (
        (),
        (),
        "keywords",
        "好评返现 全五星返现 五星好评返现 五星返现 好评返红包 好评返优惠券 好评返券 好评免单 好评有礼 晒图返现 "
        "好评送 好评大使 转好评送".split(),
    ),
    (("taobao", "tmall"), (), "regex", _OLD_REVISION),
    (("douyin", "jd", "pdd"), (), "regex", _OLD_REVISION),
    (
        (),
        ("public_reply",),
        "regex",
        [r"(?<!\d)1[3-9]\d{9}(?!\d)", r"(?<!\d)1[3-9]\d[ -]\d{4}[ -]\d{4}(?!\d)"],
    ),
    (
        (),
        ("public_reply",),
        "regex",
        [
            r"[\u4e00-\u9fa5]{2,8}(省|自治区)[\u4e00-\u9fa5]{2,8}市",
            r"[\u4e00-\u9fa5]{2,8}市[\u4e00-\u9fa5]{1,8}(区|县)",
            r"[\u4e00-\u9fa5\d]{2,20}(路|街|巷|弄)\d+号",
            r"\d+(号楼|栋|幢)\d*(单元)?",
            r"\d+单元\d+",
            r"\d{3,4}室",
            r"收货地址[:：]",
        ],
    ),
    ((), (), "keywords", "不是我们的问题 是快递的错 你找快递 与本店无关 跟我们没关系 你自己的问题".split()),
]


def old_flags(text: str, platform: str, channel: str) -> bool:
    for platforms, channels, mode, patterns in OLD_RULES:
        if (platforms and platform not in platforms) or (channels and channel not in channels):
            continue
        if mode == "regex":
            source = "|".join(f"(?:{p})" for p in patterns)
        else:
            source = "|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True))
        if re.search(source, text, re.IGNORECASE):
            return True
    return False


def new_checker():
    import django

    django.setup()
    from policies.compliance.default_rules import COMPLIANCE_RULES
    from policies.compliance.match import build_spec
    from policies.decisions import RuleRef
    from policies.engine import check_compliance

    specs = [
        build_spec(RuleRef("compliancerule", i, 1, r["name"]), r) for i, r in enumerate(COMPLIANCE_RULES)
    ]
    specs = tuple(s for s in specs if s is not None)

    def flags(text: str, platform: str, channel: str, *, blocked_only: bool = False) -> bool:
        policy = SimpleNamespace(compliance_rules=specs, compliance_cache={}, platform_rule=None)
        report = check_compliance(text, platform=platform, channel=channel, policy=policy)
        return report.blocked if blocked_only else bool(report.findings)

    return flags


def table(title: str, result: dict, platforms) -> None:
    from tests.policies.compliance.corpus import CATEGORIES

    print(f"\n{title}")
    head = f"{'':20}" + "".join(f"{p:>9}" for p in (*platforms, "all"))
    print(head)
    for category in (*CATEGORIES, "all"):
        row = result["recall"].get(category, {})
        print(f"{'recall ' + category:20}" + "".join(f"{row.get(p, 0):8.1f}%" for p in (*platforms, "all")))
    fa = result["false_alarm"]
    print(f"{'false alarms':20}" + "".join(f"{fa.get(p, 0):8.1f}%" for p in (*platforms, "all")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missed", action="store_true", help="list what AFTER misses and flags wrongly")
    args = parser.parse_args()
    from tests.policies.compliance.corpus import CHANNEL, PLATFORMS, measure

    new = new_checker()
    before = measure(lambda text, platform: old_flags(text, platform, CHANNEL))
    after = measure(lambda text, platform: new(text, platform, CHANNEL))
    counts = after["counts"]
    print(
        f"corpus: {counts['violating']} violating, {counts['ordinary']} ordinary replies; channel {CHANNEL}"
    )
    table("BEFORE (old 6 literal rules, raw text)", before, PLATFORMS)
    table("AFTER (default pack, normalised text)", after, PLATFORMS)
    blocked = measure(lambda text, platform: new(text, platform, CHANNEL, blocked_only=True))
    table("AFTER, blocked (a warning lets the agent send after confirming)", blocked, PLATFORMS)
    held_before = measure(lambda text, platform: old_flags(text, platform, CHANNEL), holdout=True)
    held = measure(lambda text, platform: new(text, platform, CHANNEL), holdout=True)
    counts = held["counts"]
    print(
        f"\nsecond corpus: {counts['violating']} violating, {counts['ordinary']} ordinary (written after the rules "
        "were tuned on the first: its first 50 gave recall 78.0 %, then a third set of 30 written by another engineer "
        "gave 90.0 %, false alarms 0.0 % both times, before the misses were fixed)"
    )
    table("second corpus, BEFORE", held_before, PLATFORMS)
    table("second corpus, AFTER", held, PLATFORMS)
    if args.missed:
        print("\nmissed:")
        for platform, category, text in after["missed"]:
            print(f"  {platform:7} {category:18} {text}")
        print("false alarms:")
        for platform, text in after["false_alarms"]:
            print(f"  {platform:7} {text}")
        print("second corpus, missed:")
        for platform, category, text in held["missed"]:
            print(f"  {platform:7} {category:18} {text}")
        print("second corpus, false alarms:")
        for platform, text in held["false_alarms"]:
            print(f"  {platform:7} {text}")
    ok = after["recall"]["all"]["all"] >= 95 and after["false_alarm"]["all"] <= 3
    print(f"\ntargets (recall ≥ 95 %, false alarms ≤ 3 %): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
