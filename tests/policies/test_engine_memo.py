"""The memoised engine decides exactly as a cold one: one warm snapshot over thousands of generated
reviews gives, review by review, the same Decision and the same explanation as a fresh snapshot
with an empty memo (the straightforward path: every part computed from scratch)."""

import dataclasses
import datetime as dt
import random
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import translation

from policies.decisions import ReviewFacts
from policies.engine import decide, explain
from policies.loader import load_policy

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")

TEXTS = [
    "",
    "很好用，物流也快，好评",
    "此用户没有填写评价。",
    "物流太慢了，等了一周才到",
    "快递太慢了，一个星期才到",
    "外包装破损，东西压坏了",
    "质量太差，用了两天就坏了",
    "做工粗糙，线头很多",
    "客服态度很差，爱答不理",
    "不会用，说明书看不懂",
    "颜色和图片有色差",
    "不给返现就差评，加微信给红包我就删评",
    "给我返现50元我就改好评",
    "不给我返现就一直差评",
    "东西还行，不过之前投诉过一次物流",
    "还可以吧，差评是不至于",
    "假货！要投诉到12315",
    "QUALITY 太差",
    "物流慢，质量也差，客服不理人",
]
APPENDED = ["", "", "", "用了一周，追评一下：质量太差", "追评：客服后来处理了"]
AMOUNTS = [
    None,
    Decimal("0"),
    Decimal("9.90"),
    Decimal("59.00"),
    Decimal("80"),
    Decimal("129.00"),
    Decimal("299.00"),
    Decimal("1200.00"),
]
FEES = [None, Decimal("0.00"), Decimal("8.00"), Decimal("12.00")]
RECEIVED = [
    dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH),
    dt.datetime(2026, 11, 20, 23, 59, tzinfo=SH),
    dt.datetime(2026, 11, 21, 3, 0, tzinfo=SH),
]


def generated_reviews(n: int, *, seed: int = 20261201) -> list[ReviewFacts]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        received = rng.choice(RECEIVED)
        out.append(
            ReviewFacts(
                platform="taobao",
                rating=rng.randint(1, 5),
                text=rng.choice(TEXTS),
                appended_text=rng.choice(APPENDED),
                received_at=received,
                reviewed_at=rng.choice([None, received - dt.timedelta(minutes=rng.randrange(0, 20000))]),
                order_amount=rng.choice(AMOUNTS),
                shipping_fee=rng.choice(FEES),
                annual_spend=rng.choice([None, Decimal("0"), Decimal("6000")]),
                order_count=rng.choice([None, 1, 8]),
                negative_reviews_same_ip=rng.choice([{}] * 8 + [{7: 1}, {7: 4}]),
                negative_reviews_same_buyer=rng.choice([{}] * 8 + [{30: 1}, {30: 6}]),
                return_rate_percent=rng.choice([None] * 8 + [Decimal("10"), Decimal("62.5")]),
                shop_id=None,
            )
        )
    return out


def cold(policy):
    """The same rules with nothing remembered: what the engine computes from scratch."""
    return dataclasses.replace(policy, memo={}, compliance_cache={})


@pytest.fixture
def policy(policy_pack):
    return load_policy(platform="taobao")


def test_a_warm_snapshot_decides_every_generated_review_exactly_as_a_cold_one(policy):
    warm = cold(policy)
    reviews = generated_reviews(3000)
    opened = malicious = offered = 0
    for facts in reviews:
        fast, slow = decide(facts, warm), decide(facts, cold(policy))
        assert fast == slow, facts
        assert explain(fast) == explain(slow)
        opened += fast.classification.opens_case
        malicious += fast.classification.malicious
        offered += bool(fast.compensation)
    # The generated set reaches every branch: cases and no cases, malicious ones, offers.
    assert opened > 1000 and malicious > 100 and offered > 500
    assert len(warm.memo) < len(reviews)  # it did remember: fewer entries than reviews


def test_the_memo_keeps_each_language_apart(policy):
    warm = cold(policy)
    for facts in generated_reviews(300, seed=7):
        with translation.override("zh-hans"):
            chinese = decide(facts, warm)
            assert chinese == decide(facts, cold(policy))
        with translation.override("en"):
            english = decide(facts, warm)
            assert english == decide(facts, cold(policy))
            assert explain(english, language="en") == explain(decide(facts, cold(policy)), language="en")
        if chinese.classification.opens_case:
            assert english.classification.reason != chinese.classification.reason


def test_an_unmatched_text_shares_one_text_class_whatever_its_words(policy):
    warm = cold(policy)
    first = decide(ReviewFacts(platform="taobao", rating=2, text="一般般吧", received_at=RECEIVED[0]), warm)
    second = decide(ReviewFacts(platform="taobao", rating=2, text="说不上来", received_at=RECEIVED[0]), warm)
    assert first.classification is second.classification
    assert first.classification.issue_type_code == "other" and first.classification.matched_keywords == ()
    hit = decide(ReviewFacts(platform="taobao", rating=2, text="物流太慢", received_at=RECEIVED[0]), warm)
    assert hit.classification.issue_type_code == "logistics"
    assert first.sla is not hit.sla and first.sla.tier != hit.sla.tier
