"""cases.imports.bulk.update_objects writes each listed field of each object back (text with quotes,
decimals, timestamps set and cleared, JSON, foreign keys, booleans), and nothing else, on SQLite and
on PostgreSQL (where it is one UPDATE … FROM unnest instead of Django's CASE per row and field)."""

import datetime as dt
from decimal import Decimal

import pytest

from cases.imports.bulk import update_objects
from cases.models import Case, Review
from tests.cases.routing_support import make_case

pytestmark = pytest.mark.django_db


def test_update_objects_writes_the_listed_fields_of_each_row_and_nothing_else(shop, make_user):
    agent = make_user("agent", shops=[shop])
    cases = [make_case(shop, content=f"第{n}条") for n in range(3)]
    untouched = make_case(shop)
    reviews = [Review.objects.get(pk=c.review_id) for c in cases]
    when = dt.datetime(2026, 11, 3, 4, 5, 6, tzinfo=dt.UTC)
    for n, review in enumerate(reviews):
        review.content = f"""它说"好"，又说'不好' {n}"""
        review.order_amount = Decimal(f"{n}9.90")
        review.appended_at = when if n else None
        review.buyer_nick = "改过的昵称"
    update_objects(Review, reviews, ["content", "order_amount", "appended_at"])  # not buyer_nick
    for n, case in enumerate(cases):
        case.assignee = agent if n != 1 else None
        case.is_malicious = n == 2
        case.compliance_violations = [f"违规{n}"]
        case.version = 7
    update_objects(Case, cases, ["assignee", "is_malicious", "compliance_violations", "version"])

    stored = {r.pk: r for r in Review.objects.filter(pk__in=[r.pk for r in reviews])}
    for n, review in enumerate(reviews):
        got = stored[review.pk]
        assert (got.content, got.order_amount, got.appended_at) == (
            f"""它说"好"，又说'不好' {n}""",
            Decimal(f"{n}9.90"),
            when if n else None,
        )
        assert got.buyer_nick != "改过的昵称"
    rows = {
        c["pk"]: c
        for c in Case.objects.values("pk", "assignee_id", "is_malicious", "compliance_violations", "version")
    }
    assert [rows[c.pk] for c in cases] == [
        {
            "pk": cases[0].pk,
            "assignee_id": agent.pk,
            "is_malicious": False,
            "compliance_violations": ["违规0"],
            "version": 7,
        },
        {
            "pk": cases[1].pk,
            "assignee_id": None,
            "is_malicious": False,
            "compliance_violations": ["违规1"],
            "version": 7,
        },
        {
            "pk": cases[2].pk,
            "assignee_id": agent.pk,
            "is_malicious": True,
            "compliance_violations": ["违规2"],
            "version": 7,
        },
    ]
    assert rows[untouched.pk]["version"] == untouched.version and rows[untouched.pk]["assignee_id"] is None
