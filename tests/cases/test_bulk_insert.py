"""cases.imports.bulk.insert_dicts stores JSON columns as given (shared objects, distinct ones,
text with quotes and CJK, an already encoded ``JsonText``), and on PostgreSQL encodes an object that many
rows share once (the routing log's refusals, a template's default [])."""

import json

import pytest
from django.utils import timezone

from cases.choices import WorkflowAction
from cases.imports import bulk
from cases.imports.bulk import JsonText, insert_dicts, row_template
from cases.models import CaseEvent
from tests.cases.routing_support import make_case

pytestmark = pytest.mark.django_db

SHARED = {
    "note": """店铺没有在职的“客服”成员："引号"和'单引号'""",
    "candidates": [{"user": 1, "why": ["满"]}],
}


def _rows(case):
    template = {
        **row_template(CaseEvent),
        "case_id": case.pk,
        "actor_id": None,
        "action": WorkflowAction.NOT_ROUTED,
        "at": timezone.now(),
    }
    payloads = [SHARED, SHARED, {"note": "别的"}, JsonText('{"encoded": "已编码"}'), SHARED]
    return [{**template, "version": n, "payload": p} for n, p in enumerate(payloads)]


def _stored(ids):
    by_pk = dict(CaseEvent.objects.filter(pk__in=ids).values_list("pk", "payload"))
    return [by_pk[pk] for pk in ids]


def test_json_columns_are_stored_as_given(shop):
    case = make_case(shop)
    ids = insert_dicts(CaseEvent, _rows(case))
    assert _stored(ids) == [SHARED, SHARED, {"note": "别的"}, {"encoded": "已编码"}, SHARED]
    assert SHARED["candidates"] == [{"user": 1, "why": ["满"]}]  # the shared object is not changed


@pytest.mark.postgres
def test_an_object_many_rows_share_is_encoded_once(shop, monkeypatch):
    case = make_case(shop)
    encoded, dumps = [], json.dumps

    def counting(value, *args, **kwargs):
        encoded.append(value)
        return dumps(value, *args, **kwargs)

    monkeypatch.setattr(bulk.json, "dumps", counting)
    ids = insert_dicts(CaseEvent, _rows(case))
    monkeypatch.undo()
    # SHARED once, the other dict once; the JsonText is sent as it is.
    assert sorted(map(str, encoded)) == sorted(map(str, [SHARED, {"note": "别的"}]))
    assert _stored(ids)[:3] == [SHARED, SHARED, {"note": "别的"}]


def test_the_binary_copy_takes_each_column_as_its_field_holds_it(shop):
    """PostgreSQL's binary COPY has no casts: an inet column given text, a numeric one given an int or a
    float, a NULL in either, aware timestamps and a text choice are stored as the text form stored them."""
    from decimal import Decimal

    from cases.models import Review

    now = timezone.now()
    base = {
        **row_template(Review),
        "platform": shop.platform,
        "shop_id": shop.pk,
        "rating": 1,
        "reviewed_at": now,
        "received_at": now,
        "created_at": now,
        "updated_at": now,
        "fingerprint": "f",
        "source": "file",
    }
    given = [
        ("10.0.0.7", Decimal("59.00"), 8),
        ("2001:db8::1", 12.5, None),
        (None, None, Decimal("0.10")),
    ]
    rows = [
        {**base, "external_id": f"e{n}", "buyer_ip": ip, "order_amount": amount, "shipping_fee": fee}
        for n, (ip, amount, fee) in enumerate(given)
    ]
    ids = insert_dicts(Review, rows)
    stored = {
        pk: (ip, amount, fee, at)
        for pk, ip, amount, fee, at in Review.objects.filter(pk__in=ids).values_list(
            "pk", "buyer_ip", "order_amount", "shipping_fee", "reviewed_at"
        )
    }
    assert [stored[pk][:3] for pk in ids] == [
        ("10.0.0.7", Decimal("59.00"), Decimal("8.00")),
        ("2001:db8::1", Decimal("12.50"), None),
        (None, None, Decimal("0.10")),
    ]
    assert {stored[pk][3] for pk in ids} == {now}
