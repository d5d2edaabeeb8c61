"""The offers rollup on the hand-made data set (tests/insights/dataset.py): the backfill holds exactly
what the offers themselves say, a rebuild is idempotent, and what the rollup does not store (the
issue type's name) is read live."""

import datetime as dt
import importlib
from collections import defaultdict
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction

from cases.models import CompensationOffer
from insights.models import OfferRollup
from insights.selectors.dashboard import Filters, compensation_tables
from insights.services.offer_rollup import offer_rollup_rebuild, offer_rollup_rebuild_case
from insights.services.rollup import rollup_rebuild, rollup_rebuild_all
from tests.factories import CompensationOfferFactory
from tests.insights.dataset import NOW, SH, at, case, review

D = Decimal
pytestmark = pytest.mark.django_db
KEY = ("shop_id", "day", "platform", "option_id", "option_name", "issue_type_id", "answer", "offers", "cost")


def stored():
    return sorted(OfferRollup.objects.values_list(*KEY), key=repr)


def from_the_offers():
    """The rollup's rows computed here, offer by offer, without the database grouping anything."""
    counts = defaultdict(lambda: [0, D("0")])
    for offer in CompensationOffer.objects.select_related("case"):
        c = offer.case
        key = (
            c.shop_id,
            c.opened_at.astimezone(SH).date(),
            c.platform,
            offer.option_id,
            offer.option_name,
            c.issue_type_id,
            offer.buyer_answer,
        )
        counts[key][0] += 1
        counts[key][1] += offer.cost
    return sorted(((*key, n, cost) for key, (n, cost) in counts.items()), key=repr)


def offer(world, case_obj, option, cost, answer):
    opt = world.options[option]
    return CompensationOfferFactory(
        case=case_obj,
        option_id=opt.pk,
        option_name=opt.name,
        option_kind=opt.kind,
        rule_ref={},
        amount=D(cost),
        cost=D(cost),
        status=answer or "offered",
        requested_by=world.agent1,
        requested_at=NOW,
        buyer_answer=answer,
    )


def test_the_backfill_holds_exactly_what_the_offers_say(world):
    assert stored() == from_the_offers()
    a = world.shop_a.pk
    assert sorted(OfferRollup.objects.values_list("day", "option_name", "answer", "offers", "cost")) == [
        (dt.date(2026, 11, 16), "赔偿运费(订单运费的1.5倍)", "accepted", 1, D("12.00")),
        (dt.date(2026, 11, 17), "赔偿运费(订单运费的1.5倍)", "accepted", 1, D("12.00")),
        (dt.date(2026, 11, 18), "赔偿运费(订单运费的1.5倍)", "", 1, D("12.00")),
        (dt.date(2026, 11, 19), "无理由补发(顺丰包邮，48小时内发货)", "accepted", 1, D("30.00")),
        (dt.date(2026, 11, 19), "无理由补发(顺丰包邮，48小时内发货)", "declined", 1, D("30.00")),
        (dt.date(2026, 11, 20), "官方道歉(私信 + 评价回复)", "accepted", 1, D("0.00")),
    ]
    assert set(OfferRollup.objects.values_list("shop_id", flat=True)) == {a}


def test_a_case_opened_after_every_review_and_one_without_issue_type_are_backfilled(world):
    late = case(review(world.shop_a, at(11, 22, 9), 1), world.issue["quality"])
    late.opened_at = at(12, 1, 9)  # imported a week after the review was written
    late.save(update_fields=["opened_at"])
    unclassified = case(review(world.shop_b, at(11, 18), 1, "B1", "黑", "京东物流"), None)
    offer(world, late, "reship", "30.00", "accepted")
    offer(world, unclassified, "apology", "0.00", "")
    offer(world, unclassified, "apology", "0.00", "")
    rollup_rebuild_all()
    assert stored() == from_the_offers()
    assert OfferRollup.objects.get(day=dt.date(2026, 12, 1)).offers == 1
    assert OfferRollup.objects.get(shop=world.shop_b, issue_type=None).offers == 2
    cost, cost_issue, _acceptance = compensation_tables(
        Filters(
            shop_ids=(world.shop_a.pk, world.shop_b.pk), start=dt.date(2026, 11, 16), end=dt.date(2026, 12, 1)
        )
    )
    assert cost.rows[-1] == ["合计", 5, D("84.00")]
    assert cost_issue.rows == [
        ["产品质量", 2, D("60.00")],
        ["服务态度", 1, D("0.00")],
        ["物流延误/包裹破损", 2, D("24.00")],
    ]


def test_a_rebuild_is_idempotent_and_rebuilds_only_its_days(world):
    before = stored()
    day = dt.date(2026, 11, 19)
    ids_elsewhere = set(OfferRollup.objects.exclude(day=day).values_list("pk", flat=True))
    assert offer_rollup_rebuild(shop_id=world.shop_a.pk, days=[day]) == 2
    assert offer_rollup_rebuild(shop_id=world.shop_a.pk, days=[day]) == 2
    assert (
        rollup_rebuild(shop_id=world.shop_a.pk, days=[day, dt.date(2026, 11, 20)]) > 0
    )  # the 5-minute refresh's path
    assert stored() == before
    assert (
        set(OfferRollup.objects.exclude(day__in=[day, dt.date(2026, 11, 20)]).values_list("pk", flat=True))
        <= ids_elsewhere
    )
    assert offer_rollup_rebuild(shop_id=world.shop_a.pk, days=[]) == 0
    assert stored() == before


def test_an_offer_changed_behind_the_rollups_back_shows_after_its_days_rebuild(world):
    made = offer(world, world.cases["c9"], "reship", "30.00", "")  # c9 opened Sun 11-22 23:50 Shanghai
    before = stored()
    assert offer_rollup_rebuild_case(case_id=made.case_id) == 1
    added = sorted(set(stored()) - set(before), key=repr)
    assert added == [
        (
            world.shop_a.pk,
            dt.date(2026, 11, 22),
            "taobao",
            made.option_id,
            made.option_name,
            world.issue["misunderstanding"].pk,
            "",
            1,
            D("30.00"),
        )
    ]
    assert stored() == from_the_offers()
    assert offer_rollup_rebuild_case(case_id=999_999_999) == 0
    assert stored() == from_the_offers()


def test_the_key_is_unique_even_without_an_issue_type(world):
    row = OfferRollup.objects.create(
        shop=world.shop_b,
        day=dt.date(2026, 11, 18),
        platform="douyin",
        option_id=1,
        option_name="官方道歉",
        issue_type=None,
        answer="",
        offers=1,
        cost=D("0"),
    )
    before = stored()
    with pytest.raises(IntegrityError), transaction.atomic():
        OfferRollup.objects.create(
            shop=world.shop_b,
            day=row.day,
            platform="douyin",
            option_id=1,
            option_name="官方道歉",
            issue_type=None,
            answer="",
            offers=2,
            cost=D("0"),
        )
    assert stored() == before


def test_issue_type_names_are_read_live(world):
    quality = world.issue["quality"]
    quality.name = "产品质量问题"
    quality.save(update_fields=["name"])
    before = stored()
    _cost, cost_issue, _acceptance = compensation_tables(
        Filters(shop_ids=(world.shop_a.pk,), start=dt.date(2026, 11, 9), end=dt.date(2026, 11, 22))
    )
    assert cost_issue.rows[0] == ["产品质量问题", 1, D("30.00")]
    assert stored() == before  # no rebuild was needed


def test_the_migrations_backfill_writes_the_same_rows(world):
    expected = stored()
    OfferRollup.objects.all().delete()
    importlib.import_module("insights.migrations.0003_offer_rollup").backfill(apps, None)
    assert stored() == expected
