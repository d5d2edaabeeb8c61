"""Issue #15 §4: a period is locked once it has ended, or early from a confirmation page that shows the
totals, the negative balances with their causes and the open disputes. The rule lives in the service, so
every path (the page, the admin action, a direct call, a shop lock) obeys it; refusals change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incentives.choices import EntryKind, PeriodStatus
from incentives.errors import IncentiveError
from incentives.forms import LockForm
from incentives.models import PayoutLine, Period, PeriodShopLock
from incentives.services.disputes import dispute_open
from incentives.services.ledger import reversal_post
from incentives.services.period_review import period_review
from incentives.services.periods import period_has_ended, period_lock, period_lock_shops
from tests.incentives.period_support import early_lock_form
from tests.training.conftest import make_case


def _state():
    """Everything a lock writes: the period rows, the shop locks and the payout snapshot."""
    return (
        sorted(Period.objects.values_list("code", "status", "locked_by_id")),
        sorted(PeriodShopLock.objects.values_list("period_id", "shop_id")),
        PayoutLine.objects.count(),
    )


@pytest.fixture
def hr_a(make_user, shop):
    return make_user("hr", shops=[shop], is_staff=True, display_name="甲店人事", employee_code="HA01")


@pytest.fixture
def hr_b(make_user, other_shop):
    return make_user("hr", shops=[other_shop], display_name="乙店人事", employee_code="HB01")


@pytest.fixture
def month(agent, other_agent, hr, post, shop, other_shop, previous_period, current_period):
    """The running month of two shops: agent (shop A) is negative because an award paid and locked last
    month was reversed and an adjustment took money back; other_agent (shop B) is positive; a dispute is
    open about each."""
    case = make_case(shop, assignee=agent)
    paid = post(agent, "80", period=previous_period, event="verified_conversion", case_ref=case.pk)
    period_lock(period=previous_period, by=hr)
    reversal, _ = reversal_post(entry=paid, reason="买家改回差评")
    post(agent, "30", event="handled_within_sla")
    adjustment = post(agent, "-20", kind=EntryKind.ADJUSTMENT, note="多发的补贴扣回")
    entry_b = post(other_agent, "90", event="verified_conversion", case_ref=make_case(other_shop).pk)
    disputes = {
        "a": dispute_open(entry=reversal, by=agent, reason="这单不该冲正"),
        "b": dispute_open(entry=entry_b, by=other_agent, reason="少算一单"),
    }
    return {"paid": paid, "reversal": reversal, "adjustment": adjustment, "disputes": disputes}


# --- the service -----------------------------------------------------------------------------------


def test_a_month_has_ended_from_the_first_day_of_the_next(current_period):
    assert not period_has_ended(current_period, today=current_period.ends_on)
    assert not period_has_ended(current_period, today=current_period.starts_on)
    assert period_has_ended(current_period, today=current_period.ends_on + dt.timedelta(days=1))


def test_the_running_month_is_not_locked_without_the_confirmation(hr, month, current_period):
    before = _state()

    with pytest.raises(ValidationError) as exc:
        period_lock(period=current_period, by=hr)

    assert exc.value.code == IncentiveError.PERIOD_RUNNING
    assert exc.value.messages == [
        f"期间 {current_period.code} 尚未结束({current_period.ends_on.isoformat()} 结束)。提前锁定须在确认页核对"
        "合计、负数余额和未结申诉后明确确认。"
    ]
    assert _state() == before


def test_a_shop_lock_of_the_running_month_obeys_the_same_rule(hr_a, shop, month, current_period):
    before = _state()
    for attempt in (
        lambda: period_lock(period=current_period, by=hr_a),
        lambda: period_lock_shops(period=current_period, shop_ids={shop.pk}, by=hr_a),
    ):
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert exc.value.code == IncentiveError.PERIOD_RUNNING
    assert _state() == before

    locks = period_lock(period=current_period, by=hr_a, early_confirmed=True)

    assert [lock.shop_id for lock in locks] == [shop.pk]
    assert Period.objects.get(pk=current_period.pk).status == PeriodStatus.OPEN


def test_an_ended_month_locks_without_a_confirmation(hr, agent, post, previous_period):
    post(agent, "50", period=previous_period)
    period_lock(period=previous_period, by=hr)
    assert Period.objects.get(pk=previous_period.pk).status == PeriodStatus.LOCKED


def test_the_running_month_locks_with_the_confirmation(hr, month, current_period):
    period_lock(period=current_period, by=hr, early_confirmed=True)
    current_period.refresh_from_db()
    assert (current_period.status, current_period.locked_by) == (PeriodStatus.LOCKED, hr)
    assert PayoutLine.objects.filter(period=current_period).count() == 2


def test_four_eyes_is_still_checked_first_with_the_confirmation(agent, hr, post, current_period):
    post(agent, "-5", kind=EntryKind.ADJUSTMENT, created_by=hr)
    with pytest.raises(ValidationError) as exc:
        period_lock(period=current_period, by=hr, early_confirmed=True)
    assert exc.value.code == IncentiveError.FOUR_EYES
    assert PayoutLine.objects.count() == 0


# --- what the confirmation shows -------------------------------------------------------------------


def test_the_review_shows_totals_negative_balances_with_causes_and_open_disputes(
    hr, agent, other_agent, month, previous_period, current_period
):
    review = period_review(period=current_period, by=hr)

    assert (review.ended, review.locked, review.whole, review.entries) == (False, False, True, 4)
    assert [(r.employee_code, r.total_payable) for r in review.rows] == [
        ("A001", Decimal("-70.00")),
        ("A002", Decimal("90.00")),
    ]
    assert review.totals["total_payable"] == Decimal("20.00") == sum(r.total_payable for r in review.rows)
    assert (review.totals["agents"], review.totals["negative_agents"]) == (2, 1)
    [negative] = review.negatives
    assert str(negative.total) == "-70.00"  # quantized as money, whatever the database's SUM returns
    assert (negative.employee_code, negative.total, negative.credits, negative.debits) == (
        "A001",
        Decimal("-70.00"),
        Decimal("30.00"),
        Decimal("-100.00"),
    )
    reversal = month["reversal"]
    assert [(c["id"], c["amount"], c["earlier_period"]) for c in negative.causes] == [
        (reversal.pk, Decimal("-80.00"), True),
        (month["adjustment"].pk, Decimal("-20.00"), False),
    ]
    assert negative.causes[0]["text"] == (
        f"冲正 #{reversal.pk}：撤销 {previous_period.code} 的分录 #{month['paid'].pk}"
        f"(差评转化(平台数据确认)，案件 #{month['paid'].case_ref})"
    )
    assert negative.causes[1]["note"] == "多发的补贴扣回"
    assert [(d["id"], d["this_period"]) for d in review.disputes] == [
        (month["disputes"]["a"].pk, True),
        (month["disputes"]["b"].pk, True),
    ]


def test_an_hr_of_one_shop_reviews_only_that_shops_part(hr_b, month, current_period):
    review = period_review(period=current_period, by=hr_b)

    assert (review.whole, review.shops) == (False, ["dy-main"])
    assert [r.employee_code for r in review.rows] == ["A002"]
    assert review.negatives == []
    assert [d["id"] for d in review.disputes] == [month["disputes"]["b"].pk]


# --- the pages, per role ----------------------------------------------------------------------------


def test_the_periods_page_offers_the_running_month_only_through_its_confirmation_page(
    client, hr, month, current_period, previous_period
):
    client.force_login(hr)
    page = client.get(reverse("incentives:periods")).content.decode()

    detail = reverse("incentives:period", args=[current_period.pk])
    assert f'href="{detail}#lock"' in page
    assert f'action="{reverse("incentives:lock", args=[current_period.pk])}"' not in page
    # The negative total of the running month is on the list with its cause.
    assert f"冲正 #{month['reversal'].pk}：撤销 {previous_period.code}" in page


def test_hr_sees_the_confirmation_page_with_totals_negatives_and_disputes(
    client, hr, month, current_period, previous_period
):
    client.force_login(hr)
    response = client.get(reverse("incentives:period", args=[current_period.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<td class="num" id="total-payable">20.00</td>' in html
    assert f"冲正 #{month['reversal'].pk}：撤销 {previous_period.code}" in html
    assert "这单不该冲正" in html and "少算一单" in html
    assert 'name="early_confirmed"' in html and "确认提前锁定" in html
    assert response.context["lock_form"].initial["review_token"]


def test_a_lock_of_the_running_month_without_the_confirmation_goes_to_the_confirmation_page(
    client, hr, month, current_period
):
    client.force_login(hr)
    before = _state()

    response = client.post(reverse("incentives:lock", args=[current_period.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("incentives:period", args=[current_period.pk])
    assert _state() == before
    page = client.get(response["Location"]).content.decode()
    assert f"期间 {current_period.code} 尚未结束" in page


@pytest.mark.parametrize(
    "token",
    [
        "",
        "forged",
        "other-user",
        "other-period",
    ],
)
def test_a_tick_without_this_pages_token_is_refused_and_changes_nothing(
    client, hr, hr_b, month, current_period, previous_period, token
):
    tokens = {
        "": "",
        "forged": "eyJwZXJpb2QiOjF9:abc:def",
        "other-user": LockForm.token(period=current_period, user=hr_b),
        "other-period": LockForm.token(period=previous_period, user=hr),
    }
    client.force_login(hr)
    before = _state()

    response = client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        {"early_confirmed": "on", "review_token": tokens[token]},
        follow=True,
    )

    assert "提前锁定须在本期间的确认页上确认" in response.content.decode()
    assert _state() == before


def test_an_expired_confirmation_page_is_refused(client, hr, month, current_period, monkeypatch):
    client.force_login(hr)
    data = early_lock_form(current_period, hr)
    monkeypatch.setattr(LockForm, "MAX_AGE", -1)
    before = _state()

    response = client.post(reverse("incentives:lock", args=[current_period.pk]), data, follow=True)

    assert "确认页已过期" in response.content.decode()
    assert _state() == before


def test_hr_confirms_on_the_page_and_the_running_month_is_locked(client, hr, month, current_period):
    client.force_login(hr)
    token = (
        client.get(reverse("incentives:period", args=[current_period.pk]))
        .context["lock_form"]
        .initial["review_token"]
    )

    response = client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        {"early_confirmed": "on", "review_token": token},
        follow=True,
    )

    assert f"期间 {current_period.code} 已锁定，结算快照已生成。" in response.content.decode()
    current_period.refresh_from_db()
    assert (current_period.status, current_period.locked_by) == (PeriodStatus.LOCKED, hr)


def test_another_shops_hr_confirms_and_locks_only_their_shop(client, hr_b, other_shop, month, current_period):
    client.force_login(hr_b)
    page = client.get(reverse("incentives:period", args=[current_period.pk])).content.decode()
    assert "王小丽" not in page and "李明" in page  # shop A's agent is not in shop B's review

    client.post(reverse("incentives:lock", args=[current_period.pk]), early_lock_form(current_period, hr_b))

    assert list(PeriodShopLock.objects.values_list("period_id", "shop_id")) == [
        (current_period.pk, other_shop.pk)
    ]
    assert Period.objects.get(pk=current_period.pk).status == PeriodStatus.OPEN


@pytest.mark.parametrize("role", ["manager", "supervisor", "agent", "other_manager"])
def test_roles_without_the_lock_permission_cannot_lock_even_with_a_confirmation(
    client, make_user, shop, other_shop, month, current_period, previous_period, role
):
    user = make_user(
        "manager" if role == "other_manager" else role,
        shops=[other_shop] if role == "other_manager" else [shop],
        employee_code=f"R-{role}",
    )
    client.force_login(user)
    before = _state()

    for period in (current_period, previous_period):
        response = client.post(reverse("incentives:lock", args=[period.pk]), early_lock_form(period, user))
        assert response.status_code == 403
    page = client.get(reverse("incentives:period", args=[current_period.pk]))

    assert _state() == before
    if role in ("manager", "other_manager"):  # they see the payout figures of their shops, with no lock form
        assert page.status_code == 200 and page.context["lock_form"] is None
        assert "确认提前锁定" not in page.content.decode()
    else:
        assert page.status_code == 403


def test_the_admin_action_refuses_the_running_month_and_changes_nothing(
    client, make_user, shop, other_shop, month, current_period
):
    hr = make_user("hr", shops=[shop, other_shop], is_staff=True, employee_code="H077")
    client.force_login(hr)
    before = _state()

    response = client.post(
        reverse("admin:incentives_period_changelist"),
        {"action": "lock_periods", "_selected_action": [current_period.pk]},
        follow=True,
    )

    assert f"期间 {current_period.code} 尚未结束" in response.content.decode()
    assert _state() == before


def test_the_negative_balances_of_every_period_cost_the_same_queries_however_many(
    client, hr, agent, other_agent, post, current_period
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incentives.services.periods import period_ensure

    def page_queries():
        client.force_login(hr)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("incentives:periods")).status_code == 200
        return len(queries)

    year = current_period.year - 2
    for month in (1, 2):
        post(agent, "-5", kind=EntryKind.ADJUSTMENT, period=period_ensure(year=year, month=month))
    few = page_queries()
    for month in range(3, 9):
        period = period_ensure(year=year, month=month)
        post(agent, "-5", kind=EntryKind.ADJUSTMENT, period=period)
        post(other_agent, "-7", kind=EntryKind.ADJUSTMENT, period=period)
    many = page_queries()

    negatives = client.get(reverse("incentives:periods")).context["periods"]
    assert sum(len(row["negatives"]) for row in negatives) == 2 + 6 * 2
    assert many == few


def test_a_shop_locked_part_has_no_lock_form_left_and_the_other_shop_still_can(
    client, hr_a, hr_b, month, current_period
):
    period_lock(period=current_period, by=hr_a, early_confirmed=True)

    client.force_login(hr_a)
    page = client.get(reverse("incentives:period", args=[current_period.pk]))
    assert page.context["review"]["locked"] is True and page.context["lock_form"] is None
    assert page.context["review"]["shops"] == ["tb-main"]  # the snapshot's shops, reviewed after the lock
    client.force_login(hr_b)
    page = client.get(reverse("incentives:period", args=[current_period.pk]))
    assert page.context["review"]["locked"] is False and page.context["lock_form"] is not None
    assert page.context["review"]["shops"] == ["dy-main"]
