"""Two clients' imports never mix (real commits on PostgreSQL): exports of two clients' shops, with the
same order numbers and buyer nicks, imported at the same moment in two threads, give cases only in their
own shops, buyers per shop, and every case is routed, notified and visible only to its own client's
people (members of the client, not of a shop)."""

from __future__ import annotations

import pytest

from cases.hooks import certification_checks
from cases.imports.uploads import reviews_import_file
from cases.models import Buyer, Case, Notification, Review
from reviewdesk.access import restrict
from reviewdesk.models import Client, ClientMembership, User
from tests import default_pack
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.factories import ShopFactory, UserFactory
from tests.postgres_race import race_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROWS = 30


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


def people_of(client) -> dict[str, User]:
    found = {}
    for role in ("agent", "legal", "supervisor"):
        user = UserFactory(role=role, username=f"{client.code}-{role}", display_name=f"{client.name}{role}")
        ClientMembership.objects.create(client=client, user=user)
        found[role] = user
    return found


def test_two_clients_importing_the_same_order_numbers_at_once_stay_apart():
    default_pack.insert()
    jia = Client.objects.create(code="pg-jia", name="品牌甲")
    yi = Client.objects.create(code="pg-yi", name="品牌乙")
    shops = {
        jia.pk: ShopFactory(code="pg-jia-tb", platform="taobao", name="甲淘宝店", client=jia),
        yi.pk: ShopFactory(code="pg-yi-tb", platform="taobao", name="乙淘宝店", client=yi),
    }
    people = {jia.pk: people_of(jia), yi.pk: people_of(yi)}
    files = {
        client.pk: xlsx_bytes(
            TAOBAO_HEADERS,
            [
                taobao_row(n, 评价内容=f"{client.name}：质量太差", 买家昵称=f"买家{n % 4}")
                for n in range(1, ROWS + 1)
            ],
        )
        for client in (jia, yi)
    }

    results, errors = race_all(
        [
            lambda c=client: reviews_import_file(
                shop=shops[c.pk], data=files[c.pk], file_name=f"{c.code}.xlsx"
            )
            for client in (jia, yi)
        ]
    )

    assert errors == [] and all(r.ok and r.created == ROWS for r in results)
    for client, other in ((jia, yi), (yi, jia)):
        shop, mine = shops[client.pk], people[client.pk]
        cases = Case.objects.filter(shop=shop)
        assert cases.count() == ROWS
        assert set(Review.objects.filter(shop=shop).values_list("content", flat=True)) == {
            f"{client.name}：质量太差"
        }
        assert set(Case.objects.filter(review__shop=shop).values_list("shop_id", flat=True)) == {shop.pk}
        assert Buyer.objects.filter(shop=shop).count() == 4
        assert Buyer.objects.filter(shop=shop, reviews__shop=shops[other.pk]).count() == 0
        assignees = set(cases.exclude(assignee=None).values_list("assignee_id", flat=True))
        assert assignees, "routed to the client's members (a ClientMembership)"
        assert assignees <= {person.pk for person in mine.values()}
        for person in mine.values():
            fresh = User.objects.get(pk=person.pk)
            visible = restrict(Case.objects.all(), fresh)
            assert set(visible.values_list("shop_id", flat=True)) == {shop.pk}
            assert visible.count() == ROWS
            assert not Notification.objects.filter(user=person).exclude(shop=shop).exclude(shop=None).exists()
    same_orders = set(Review.objects.filter(shop=shops[jia.pk]).values_list("order_no", flat=True))
    assert same_orders == set(Review.objects.filter(shop=shops[yi.pk]).values_list("order_no", flat=True))
