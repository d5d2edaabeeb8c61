"""Two uploads of the same export at the same moment (two threads, real commits on PostgreSQL): the
shop lock serialises them, so each review, buyer and case exists once and the second sees "unchanged"."""

import pytest

from cases.imports.uploads import reviews_import_file
from cases.models import Buyer, Case, Review, ReviewRevision
from tests import default_pack
from tests.cases.exports import TAOBAO_HEADERS, taobao_row, xlsx_bytes
from tests.factories import ShopFactory
from tests.postgres_race import race_all

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_file_uploaded_twice_at_once_is_stored_once():
    default_pack.insert()
    shop = ShopFactory(code="pg-intake", platform="taobao", name="并发导入店")
    rows = [taobao_row(n, 买家昵称=f"买家{n % 5}") for n in range(1, 41)]
    data = xlsx_bytes(TAOBAO_HEADERS, rows)

    results, errors = race_all([lambda: reviews_import_file(shop=shop, data=data, file_name="a.xlsx")] * 2)

    assert errors == []
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 40), (40, 0)]
    assert Review.objects.count() == 40 and Case.objects.count() == 40
    assert sorted(Buyer.objects.values_list("review_count", flat=True)) == [8] * 5
    assert ReviewRevision.objects.count() == 0


def test_two_shops_importing_the_same_new_decisions_at_once_share_the_records():
    """Imports of two shops (no shop lock between them) that make the same new decisions at once:
    the second waits on the unique digest, then reuses the first's record — no error, no duplicate."""
    from cases.models import DecisionRecord

    default_pack.insert()
    shops = [ShopFactory(code=f"pg-rec-{n}", platform="taobao", name=f"并发决定店{n}") for n in (1, 2)]
    rows = [
        taobao_row(n, 评价内容=text)
        for n, text in enumerate(["快递太慢了", "杯子裂了，质量太差", "客服态度很差"] * 4, start=1)
    ]
    data = xlsx_bytes(TAOBAO_HEADERS, rows)

    results, errors = race_all(
        [lambda s=s: reviews_import_file(shop=s, data=data, file_name="a.xlsx") for s in shops]
    )

    assert errors == [] and all(r.ok for r in results)
    assert Case.objects.filter(shop=shops[0]).count() == Case.objects.filter(shop=shops[1]).count() == 12
    per_shop = [set(Case.objects.filter(shop=s).values_list("decision_record_id", flat=True)) for s in shops]
    assert per_shop[0] == per_shop[1] == set(DecisionRecord.objects.values_list("pk", flat=True))
    assert 1 < DecisionRecord.objects.count() <= 3
