"""Triage's per-batch caches change nothing: case rows built through one shared clock from a warm
engine snapshot equal, column by column, those built one by one from a cold snapshot."""

import dataclasses
import datetime as dt
import json

import pytest

from cases.imports import triage
from cases.imports.bulk import JsonText
from policies.engine import decide
from policies.loader import load_policy
from reviewdesk.models import Shop
from tests.policies.test_engine_memo import cold, generated_reviews

pytestmark = pytest.mark.django_db


def test_case_rows_from_the_shared_clock_equal_rows_built_one_by_one(policy_pack):
    shop = Shop.objects.create(code="memo-tb", platform="taobao", name="缓存测试店")
    policy = load_policy(shop=shop, platform="taobao")
    warm, clock = cold(policy), triage.WarnClock(policy)
    compared = 0
    for index, facts in enumerate(generated_reviews(1500, seed=99)):
        facts = dataclasses.replace(facts, shop_id=shop.pk)
        fast = decide(facts, warm)
        if not fast.classification.opens_case:
            continue
        slow = decide(facts, cold(policy))
        opened_at = facts.received_at + dt.timedelta(seconds=index)
        row = triage.case_values(review_id=index, shop=shop, decision=fast, opened_at=opened_at, clock=clock)
        expected = triage.case_values(
            review_id=index, shop=shop, decision=slow, opened_at=opened_at, clock=triage.WarnClock(policy)
        )
        assert row == expected
        parts, cold_parts = (
            triage.decision_parts(fast, clock),
            triage.decision_parts(slow, triage.WarnClock(policy)),
        )
        assert parts == cold_parts  # the same shared part, hence the same digest and record
        assert {**parts.decision, "windows": row["decision_windows"]} == triage.decision_as_json(slow)
        assert parts.policy_refs == [dataclasses.asdict(ref) for ref in slow.rule_refs]
        # What COPY sends: the same values, the windows encoded.
        encoded = triage.case_row(
            {}, review_id=index, shop=shop, decision=fast, opened_at=opened_at, clock=clock
        )
        json_columns = ("decision_windows", "malicious_signals", "matched_keywords")
        for name in json_columns:  # encoded once per distinct value, exactly as COPY would encode it
            assert isinstance(encoded[name], JsonText)
            assert json.loads(encoded[name]) == json.loads(json.dumps(expected[name]))
        assert json.loads(encoded["malicious_signals"]) == expected["malicious_signals"]
        assert json.loads(encoded["matched_keywords"]) == expected["matched_keywords"]
        assert {k: v for k, v in encoded.items() if k not in json_columns} == {
            k: v for k, v in expected.items() if k not in json_columns
        }
        compared += 1
    assert compared > 500
