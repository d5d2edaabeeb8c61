"""Two rebuilds of one shop's rollups at the same moment (real commits on PostgreSQL): the second waits
for the first and then replaces its rows, instead of inserting a duplicate beside them — for the
offers rollup (an offer event while the 5-minute refresh runs) and for the review rollup."""

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import close_old_connections, connection, transaction

from insights.models import OfferRollup, ReviewRollup
from insights.services.offer_rollup import offer_rollup_rebuild
from insights.services.rollup import rollup_rebuild
from tests.factories import CaseFactory, CompensationOfferFactory, ShopFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SH = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 11, 18)


def an_offer(shop, user, n: int, answer: str):
    at = dt.datetime(2026, 11, 18, 10, n, tzinfo=SH)
    case = CaseFactory(
        shop=shop,
        status="offered",
        opened_at=at,
        review__item_id="A1",
        review__sku="红",
        review__content="差",
        review__courier="中通",
    )
    return CompensationOfferFactory(
        case=case,
        option_id=7,
        option_name="补发",
        option_kind="reship",
        rule_ref={},
        amount=Decimal("10.00"),
        cost=Decimal("10.00"),
        status=answer or "offered",
        requested_by=user,
        requested_at=at,
        buyer_answer=answer,
    )


@pytest.mark.parametrize(
    "rebuild", [offer_rollup_rebuild, rollup_rebuild], ids=["offers", "reviews_and_offers"]
)
def test_a_second_rebuild_waits_for_the_first_and_replaces_its_rows(rebuild):
    shop = ShopFactory(code="race-shop", platform="taobao")
    user = UserFactory(username="race-agent")
    an_offer(shop, user, 1, "accepted")
    rebuild(shop_id=shop.pk, days=[DAY])
    an_offer(shop, user, 2, "accepted")
    second_done = threading.Event()
    failures = []

    def second():
        try:
            rebuild(shop_id=shop.pk, days=[DAY])
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the second rebuild raised
            failures.append(exc)
        finally:
            second_done.set()
            close_old_connections()
            connection.close()

    with transaction.atomic():
        rebuild(shop_id=shop.pk, days=[DAY])  # holds the shop's lock until this commits
        thread = threading.Thread(target=second)
        thread.start()
        assert not second_done.wait(1.0)  # the second rebuild is waiting
    thread.join(10)
    assert second_done.is_set() and failures == []
    assert list(OfferRollup.objects.filter(shop=shop).values_list("day", "answer", "offers", "cost")) == [
        (DAY, "accepted", 2, Decimal("20.00"))
    ]
    if rebuild is rollup_rebuild:
        assert sorted(
            ReviewRollup.objects.filter(shop=shop).values_list("dimension", "key", "reviews", "negative")
        ) == [("courier", "中通", 2, 2), ("issue_type", "", 2, 2), ("sku", "A1|红", 2, 2)]
