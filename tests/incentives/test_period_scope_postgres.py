"""F12 on PostgreSQL: a shop lock racing posts (real commits), and the scoped COPY export."""

import csv
import io
from decimal import Decimal

import pytest

from incentives.choices import EntryKind, PeriodStatus, Unit
from incentives.models import LedgerEntry, PayoutLine, PeriodShopLock
from incentives.services.ledger import balance_for, entry_post
from incentives.services.payouts import DETAIL_HEADERS, detail_rows, export_csv
from incentives.services.periods import parse_span, period_lock, posting_period
from tests.postgres_race import race_all
from tests.training.conftest import make_case

pytestmark = [pytest.mark.postgres]


@pytest.mark.django_db(transaction=True)
def test_posts_racing_a_shop_lock_are_in_its_snapshot_or_in_the_shops_next_month(make_user, shop, other_shop):
    agent_a = make_user("agent", shops=[shop])
    agent_b = make_user("agent", shops=[other_shop])
    hr_a = make_user("hr", shops=[shop])
    period = posting_period()

    def poster(user, index):
        return lambda: entry_post(
            user=user, unit=Unit.CNY, kind=EntryKind.AWARD, amount=Decimal("10"), key=f"shop-race:{index}"
        )

    targets = [lambda: period_lock(period=period, by=hr_a, early_confirmed=True)]
    targets += [poster(agent_a, i) for i in range(5)] + [poster(agent_b, 100 + i) for i in range(4)]
    results, errors = race_all(targets)

    assert errors == [] and len(results) == len(targets)
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN
    assert list(PeriodShopLock.objects.values_list("shop_id", flat=True)) == [shop.pk]
    in_period_a = LedgerEntry.objects.filter(period=period, account__user=agent_a).count()
    line = PayoutLine.objects.filter(period=period, user=agent_a, shop=shop).first()
    assert (line.total_payable if line else Decimal("0.00")) == Decimal("10.00") * in_period_a
    assert LedgerEntry.objects.filter(period=period, account__user=agent_b).count() == 4  # B never moved
    later = LedgerEntry.objects.exclude(period=period)
    assert all(e.account.user_id == agent_a.pk and e.period.starts_on > period.ends_on for e in later)
    assert balance_for(user=agent_a, unit=Unit.CNY) == Decimal("50.00")


@pytest.mark.django_db
def test_the_scoped_copy_csv_equals_the_scoped_python_rows(make_user, shop, other_shop, post):
    shared = make_user("agent", shops=[shop, other_shop], display_name="共享", employee_code="S001")
    case_a, case_b = make_case(shop, assignee=shared), make_case(other_shop, assignee=shared)
    post(shared, "50", event="verified_conversion", case_ref=case_a.pk, note="A")
    post(shared, "70", event="verified_conversion", case_ref=case_b.pk, note="B")
    post(shared, "5", note="KPI")
    post(shared, "6", case_ref=999999, note="案件已不存在")
    code = posting_period().code

    for scope in ({shop.pk}, {other_shop.pk}):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(DETAIL_HEADERS)
        writer.writerows(detail_rows(parse_span(code), shop_ids=scope))
        expected = list(csv.reader(io.StringIO(buffer.getvalue())))
        out = io.BytesIO()
        result = export_csv(code, out, shop_ids=scope)
        copied = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
        assert copied == expected and result["rows"] == len(expected) - 1
    a_text = out.getvalue().decode("utf-8-sig")  # the last scope: shop B
    assert case_b.review.order_no in a_text and case_a.review.order_no not in a_text and "KPI" not in a_text
