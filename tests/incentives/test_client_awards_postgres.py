"""Two clients' conversion awards never mix (PostgreSQL, real commits): award runs for the cases of
client 甲's shops and of client 乙's run at the same time (each twice, as a retried run would), while
甲's HR locks the month for 甲. Every case is paid once; 甲's awards land only in 甲's lock snapshot
and 甲-scoped exports (the COPY path), 乙's only in 乙's; 乙's shop is never locked or moved."""

import csv
import io
from decimal import Decimal

import pytest

from incentives.choices import AwardEvent, PeriodStatus
from incentives.models import LedgerEntry, PayoutLine, Period, PeriodShopLock
from incentives.receivers import on_case_event
from incentives.selectors import payout_scope
from incentives.services.payouts import export_csv, span_summary
from incentives.services.periods import parse_span, period_lock_client, posting_period
from reviewdesk.models import Client, ClientMembership
from tests.factories import ShopFactory
from tests.incentives.test_awards import conversion_payload
from tests.postgres_race import race_all
from tests.training.conftest import make_case

pytestmark = [pytest.mark.postgres]
CASES_PER_SHOP = 4


def _member(make_user, role, *clients):
    user = make_user(role)
    for client in clients:
        ClientMembership.objects.create(client=client, user=user)
    return user


def _exported_cases(user, client, codes) -> set[int]:
    """The case ids in the client-scoped detail CSV (PostgreSQL's COPY) of each month in ``codes``."""
    found = set()
    for code in codes:
        out = io.BytesIO()
        export_csv(code, out, shop_ids=payout_scope(user, client))
        rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
        found |= {int(row[9]) for row in rows[1:] if row[9]}
    return found


@pytest.mark.django_db(transaction=True)
def test_concurrent_award_runs_of_two_clients_never_mix(make_user):
    jia = Client.objects.create(code="brand-jia", name="品牌甲")
    yi = Client.objects.create(code="brand-yi", name="品牌乙")
    shops = {
        "jia": [
            ShopFactory(code="tb-jia", platform="taobao", client=jia),
            ShopFactory(code="tm-jia", platform="taobao", client=jia),
        ],
        "yi": [ShopFactory(code="tb-yi", platform="taobao", client=yi)],
    }
    shared = _member(make_user, "agent", jia, yi)  # serves both clients
    agents = {"jia": _member(make_user, "agent", jia), "yi": _member(make_user, "agent", yi)}
    hr = {"jia": _member(make_user, "hr", jia), "yi": _member(make_user, "hr", yi)}
    cases = {name: [] for name in shops}
    for name, client_shops in shops.items():
        for shop in client_shops:
            for index in range(CASES_PER_SHOP):
                agent = shared if index % 2 else agents[name]
                cases[name].append((make_case(shop, assignee=agent), agent, shop))
    period = posting_period()

    def award_run(name):
        def run():
            for case, agent, shop in cases[name]:
                on_case_event(
                    event="conversion_candidate", case_id=case.pk, payload=conversion_payload(agent, shop)
                )
            return len(cases[name])

        return run

    def lock_jia():
        return period_lock_client(period=period, client=jia, by=hr["jia"], early_confirmed=True)

    results, errors = race_all(
        [award_run("jia"), award_run("yi"), lock_jia, award_run("jia"), award_run("yi")]
    )

    assert errors == [] and len(results) == 5
    ids = {name: {case.pk for case, _a, _s in rows} for name, rows in cases.items()}
    awards = LedgerEntry.objects.filter(event=AwardEvent.VERIFIED_CONVERSION)
    paid = list(awards.values_list("case_ref", flat=True))
    assert sorted(paid) == sorted(ids["jia"] | ids["yi"])  # each case once, despite two runs each

    # The lock: 甲's two shops only, the month still open for 乙.
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN
    assert sorted(PeriodShopLock.objects.values_list("shop__code", flat=True)) == ["tb-jia", "tm-jia"]
    assert set(PayoutLine.objects.values_list("shop__client__code", flat=True)) <= {"brand-jia"}
    jia_in_period = awards.filter(case_ref__in=ids["jia"], period=period)
    snapshot = sum(
        PayoutLine.objects.filter(period=period).values_list("total_payable", flat=True), Decimal(0)
    )
    assert snapshot == sum(jia_in_period.values_list("amount", flat=True), Decimal(0))
    moved = awards.filter(case_ref__in=ids["jia"]).exclude(period=period)
    assert all(entry.period.starts_on > period.ends_on for entry in moved)
    assert awards.filter(case_ref__in=ids["yi"], period=period).count() == len(ids["yi"])  # never moved

    # The exports of each client hold its own cases' awards only (both months, PostgreSQL's COPY).
    codes = list(Period.objects.filter(entries__in=awards).distinct().values_list("code", flat=True))
    assert _exported_cases(hr["jia"], jia, codes) == ids["jia"]
    assert _exported_cases(hr["yi"], yi, codes) == ids["yi"]
    # And the shared agent's two clients' payouts add up to their total.
    shared_total = sum(awards.filter(account__user=shared).values_list("amount", flat=True), Decimal(0))
    per_client = {
        name: sum(
            (
                row.total_payable
                for code in codes
                for row in span_summary(parse_span(code), shop_ids=payout_scope(hr[name], client))
                if row.user_id == shared.pk
            ),
            Decimal(0),
        )
        for name, client in (("jia", jia), ("yi", yi))
    }
    assert per_client["jia"] > 0 and per_client["yi"] > 0
    assert per_client["jia"] + per_client["yi"] == shared_total
