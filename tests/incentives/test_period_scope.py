"""F12 (issue #14): periods and payouts per scope. An HR of some shops locks only what its shops cover
(the other shops keep posting), locking the whole period is for who sees every shop, and a payout
export (web XLSX/CSV, admin, command) shows only the exporter's shops' entries — an agent shared
between shops appears with that shop's entries only, never another shop's order numbers."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from incentives.choices import PeriodStatus, Unit
from incentives.errors import TRIGGER_SHOP_LOCKED, IncentiveError
from incentives.models import LedgerEntry, PayoutLine, Period, PeriodShopLock
from incentives.services.ledger import balance_for
from incentives.services.payouts import export_csv, export_xlsx
from incentives.services.periods import period_lock
from tests.incentives.period_support import early_lock_form
from tests.training.conftest import make_case


@pytest.fixture
def hr_a(make_user, shop):
    return make_user("hr", shops=[shop], is_staff=True, employee_code="HA01")


@pytest.fixture
def hr_b(make_user, other_shop):
    return make_user("hr", shops=[other_shop], is_staff=True, employee_code="HB01")


@pytest.fixture
def shared(make_user, shop, other_shop):
    """An agent of both shops (home shop: the first one, ``shop``)."""
    return make_user("agent", shops=[shop, other_shop], display_name="共享客服", employee_code="S001")


@pytest.fixture
def world(shop, other_shop, agent, other_agent, shared, post, current_period):
    case_a = make_case(shop, assignee=shared)
    case_b = make_case(other_shop, assignee=shared)
    case_b_only = make_case(other_shop, assignee=other_agent)
    post(shared, "50", event="verified_conversion", case_ref=case_a.pk, note="A店转化")
    post(shared, "70", event="verified_conversion", case_ref=case_b.pk, note="B店转化")
    post(shared, "5", note="KPI奖金")  # no case: belongs to the home shop (shop A)
    post(agent, "20", event="verified_conversion", case_ref=make_case(shop, assignee=agent).pk)
    post(other_agent, "90", event="verified_conversion", case_ref=case_b_only.pk)
    return {"case_a": case_a, "case_b": case_b, "case_b_only": case_b_only}


def _state():
    period_rows = sorted(Period.objects.values_list("code", "status", "locked_by_id"))
    return (
        period_rows,
        PeriodShopLock.objects.count(),
        PayoutLine.objects.count(),
        LedgerEntry.objects.count(),
    )


# --- locking ------------------------------------------------------------------------------------


def test_f12_an_hr_of_one_shop_locks_only_that_shop(
    hr_a, shop, other_shop, agent, other_agent, shared, world, post, current_period
):
    result = period_lock(period=current_period, by=hr_a, early_confirmed=True)

    current_period.refresh_from_db()
    assert current_period.status == PeriodStatus.OPEN and current_period.locked_by is None  # not every shop's
    assert [(lock.shop_id, lock.locked_by_id) for lock in result] == [(shop.pk, hr_a.pk)]
    lines = {line.user_id: line for line in PayoutLine.objects.filter(period=current_period)}
    assert {(u, line.shop_id, line.total_payable) for u, line in lines.items()} == {
        (shared.pk, shop.pk, Decimal("55.00")),
        (agent.pk, shop.pk, Decimal("20.00")),
    }

    # shop B keeps posting into the month; shop A's entries move on to the next one
    b_entry = post(other_agent, "10", event="verified_conversion", case_ref=world["case_b_only"].pk)
    shared_b = post(shared, "11", event="verified_conversion", case_ref=world["case_b"].pk)
    a_entry = post(agent, "12", event="verified_conversion", case_ref=world["case_a"].pk)
    home = post(shared, "3", note="无案件：归主店铺 A")
    assert b_entry.period == current_period and shared_b.period == current_period
    assert a_entry.period.code > current_period.code and home.period.code > current_period.code


def test_f12_an_hr_of_one_shop_cannot_lock_the_whole_period_on_any_path(client, hr_a, world, current_period):
    client.force_login(hr_a)
    client.post(reverse("incentives:lock", args=[current_period.pk]), early_lock_form(current_period, hr_a))
    client.post(
        reverse("admin:incentives_period_changelist"),
        {"action": "lock_periods", "_selected_action": [current_period.pk]},
    )

    current_period.refresh_from_db()
    assert current_period.status == PeriodStatus.OPEN
    assert list(PeriodShopLock.objects.values_list("shop__code", flat=True)) == ["tb-main"]


def test_f12_the_page_says_which_shops_were_locked(client, hr_a, world, current_period):
    client.force_login(hr_a)
    response = client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        early_lock_form(current_period, hr_a),
        follow=True,
    )
    assert (
        f"期间 {current_period.code} 已为店铺 tb-main 锁定，结算快照已生成；其他店铺仍可记账。"
        in response.content.decode()
    )
    row = next(p for p in response.context["periods"] if p["code"] == current_period.code)
    assert row["locked"] is True


def test_f12_locking_ones_shops_twice_is_refused_and_changes_nothing(hr_a, world, current_period):
    period_lock(period=current_period, by=hr_a, early_confirmed=True)
    before = _state()
    with pytest.raises(ValidationError) as exc:
        period_lock(period=current_period, by=hr_a, early_confirmed=True)
    assert exc.value.code == IncentiveError.PERIOD_NOT_OPEN
    assert exc.value.messages == [f"期间 {current_period.code} 已为你的店铺锁定，不能重复锁定。"]
    assert _state() == before


def test_f12_an_hr_of_no_shop_locks_nothing(make_user, world, current_period):
    nobody = make_user("hr", employee_code="H000")
    before = _state()
    with pytest.raises(ValidationError) as exc:
        period_lock(period=current_period, by=nobody, early_confirmed=True)
    assert (exc.value.code, exc.value.messages) == (
        IncentiveError.FORBIDDEN,
        ["你不属于任何店铺，没有可锁定的结算范围。"],
    )
    assert _state() == before


def test_f12_who_sees_every_shop_locks_the_whole_period(hr, world, current_period, other_agent):
    period_lock(period=current_period, by=hr, early_confirmed=True)
    current_period.refresh_from_db()
    assert (current_period.status, current_period.locked_by) == (PeriodStatus.LOCKED, hr)
    assert not PayoutLine.objects.filter(shop__isnull=False).exists()


def test_f12_both_shops_lock_their_parts_and_the_shared_agent_is_paid_once(
    hr_a, hr_b, shared, world, current_period
):
    period_lock(period=current_period, by=hr_a, early_confirmed=True)
    period_lock(period=current_period, by=hr_b, early_confirmed=True)
    paid = PayoutLine.objects.filter(period=current_period, user=shared).values_list(
        "shop__code", "total_payable"
    )
    assert sorted(paid) == [("dy-main", Decimal("70.00")), ("tb-main", Decimal("55.00"))]
    assert sum(total for _code, total in paid) == balance_for(user=shared, unit=Unit.CNY)


def test_f12_four_eyes_still_applies_to_a_shop_lock(make_user, shop, agent, post, current_period):
    hr_manager = make_user("manager", shops=[shop], employee_code="HM02")
    hr_manager.groups.add(*make_user("hr").groups.all())
    post(agent, "10", kind="adjustment", created_by=hr_manager)
    before = _state()
    with pytest.raises(ValidationError) as exc:
        period_lock(period=current_period, by=hr_manager, early_confirmed=True)
    assert exc.value.code == IncentiveError.FOUR_EYES
    assert _state() == before


# --- exports ------------------------------------------------------------------------------------


def _csv_text(**kwargs):
    buffer = io.BytesIO()
    export_csv(**kwargs, out=buffer)
    return buffer.getvalue().decode("utf-8-sig")


def test_f12_hr_of_a_csv_and_xlsx_show_no_order_number_of_b(client, hr_a, shared, world, current_period):
    a_order, b_order = world["case_a"].review.order_no, world["case_b"].review.order_no
    b_only = world["case_b_only"].review.order_no
    client.force_login(hr_a)

    detail = client.get(
        reverse("incentives:payout_download", args=[current_period.code, "csv"])
    ).content.decode("utf-8-sig")
    summary = client.get(
        reverse("incentives:payout_download", args=[current_period.code, "csv"]) + "?sheet=summary"
    )
    workbook = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("incentives:payout_download", args=[current_period.code, "xlsx"])).content
        )
    )

    assert a_order in detail and b_order not in detail and b_only not in detail
    assert "B店转化" not in detail and "KPI奖金" in detail
    sheet_text = "\n".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row)
    assert a_order in sheet_text and b_order not in sheet_text and b_only not in sheet_text
    rows = {r["工号"]: r for r in csv.DictReader(io.StringIO(summary.content.decode("utf-8-sig")))}
    assert set(rows) == {"A001", "S001"}
    assert (rows["S001"]["应发合计(元)"], rows["S001"]["店铺"]) == ("55.00", "tb-main")


def test_f12_hr_of_a_export_of_a_wholly_locked_month_still_shows_only_a(
    client, hr, hr_a, shared, world, current_period
):
    period_lock(period=current_period, by=hr, early_confirmed=True)
    client.force_login(hr_a)
    detail = client.get(
        reverse("incentives:payout_download", args=[current_period.code, "csv"])
    ).content.decode("utf-8-sig")
    summary = client.get(
        reverse("incentives:payout_download", args=[current_period.code, "csv"]) + "?sheet=summary"
    )
    assert world["case_b"].review.order_no not in detail and world["case_a"].review.order_no in detail
    rows = {
        r["工号"]: r["应发合计(元)"] for r in csv.DictReader(io.StringIO(summary.content.decode("utf-8-sig")))
    }
    assert rows == {"A001": "20.00", "S001": "55.00"}


def test_f12_the_admin_export_is_scoped_too(client, hr_a, world, current_period):
    client.force_login(hr_a)
    response = client.post(
        reverse("admin:incentives_period_changelist"),
        {"action": "export_csv", "_selected_action": [current_period.pk]},
    )
    text = response.content.decode("utf-8-sig")
    assert world["case_a"].review.order_no in text and world["case_b"].review.order_no not in text


def test_f12_whoever_sees_every_shop_exports_everything(world, current_period):
    text = _csv_text(span_code=current_period.code)
    for case in world.values():
        assert case.review.order_no in text


def test_f12_the_command_exports_one_shop_with_shop(tmp_path, world, current_period):
    out = tmp_path / "a.csv"
    call_command(
        "export_payouts",
        "--period",
        current_period.code,
        "--format",
        "csv",
        "--shop",
        "tb-main",
        "--out",
        str(out),
    )
    text = out.read_text(encoding="utf-8-sig")
    assert world["case_a"].review.order_no in text and world["case_b"].review.order_no not in text

    xlsx = tmp_path / "b.xlsx"
    call_command("export_payouts", "--period", current_period.code, "--shop", "dy-main", "--out", str(xlsx))
    cells = [
        str(v) for ws in openpyxl.load_workbook(xlsx) for row in ws.iter_rows(values_only=True) for v in row
    ]
    assert world["case_b"].review.order_no in cells and world["case_a"].review.order_no not in cells
    assert "KPI奖金" not in cells  # the shared agent's agent-level entry belongs to the home shop only


def test_f12_the_command_refuses_an_unknown_shop_and_writes_no_file(tmp_path, world, current_period):
    out = tmp_path / "x.csv"
    with pytest.raises(CommandError, match="未知店铺代码：nope"):
        call_command("export_payouts", "--period", current_period.code, "--shop", "nope", "--out", str(out))
    assert not out.exists()


def test_f12_xlsx_export_function_takes_the_scope(shop, world, current_period):
    buffer = io.BytesIO()
    result = export_xlsx(current_period.code, buffer, shop_ids={shop.pk})
    assert result == {
        "span": current_period.code,
        "agents": 2,
        "entries": 3,
        "total_payable": Decimal("75.00"),
        "negative_agents": 0,
    }


# --- the database guard ---------------------------------------------------------------------------


def _raw_insert(entry, period, key, case_ref=None):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incentives_ledgerentry (account_id, period_id, kind, amount, idempotency_key, event, "
            "subject_ref, note, created_at, case_ref) VALUES (%s, %s, 'award', 1, %s, '', '', '', %s, %s)",
            [entry.account_id, period.pk, key, entry.created_at, case_ref],
        )


def test_f12_the_database_refuses_a_raw_insert_into_a_shop_locked_period(hr_a, shared, world, current_period):
    period_lock(period=current_period, by=hr_a, early_confirmed=True)
    sample = LedgerEntry.objects.filter(account__user=shared).first()
    count = LedgerEntry.objects.count()

    for key, case_ref in (("raw-a", world["case_a"].pk), ("raw-home", None)):
        with pytest.raises(IntegrityError) as exc:
            _raw_insert(sample, current_period, key, case_ref)
        assert TRIGGER_SHOP_LOCKED in str(exc.value)
    assert LedgerEntry.objects.count() == count

    _raw_insert(sample, current_period, "raw-b", world["case_b"].pk)  # shop B's month is still open
    assert LedgerEntry.objects.count() == count + 1


def test_f12_the_periods_page_counts_only_the_hrs_shops_entries(client, hr_a, hr, world, current_period):
    client.force_login(hr_a)
    row = next(
        p
        for p in client.get(reverse("incentives:periods")).context["periods"]
        if p["code"] == current_period.code
    )
    assert row["entries"] == 3  # shared agent's A case and KPI bonus, agent A's case: not shop B's two
    client.force_login(hr)
    row = next(
        p
        for p in client.get(reverse("incentives:periods")).context["periods"]
        if p["code"] == current_period.code
    )
    assert row["entries"] == LedgerEntry.objects.filter(period=current_period).count() == 5


def test_an_awards_cap_counts_the_month_it_is_paid_in_when_its_shop_locked_the_month(
    agent, shop, hr_a, previous_period
):
    """A late cause dated in a month its shop has locked is paid in the next open month; the rule's cap
    must count that month, else an agent is paid past the cap there."""
    from incentives.models import AwardRule, WithheldAward
    from incentives.services.awards import AwardCause, award_apply
    from incentives.services.periods import period_lock_shops

    rule = AwardRule.objects.get(code="sla-handled-points")
    rule.cap_per_period = 1
    rule.save()
    case_now, case_late = make_case(shop, assignee=agent), make_case(shop, assignee=agent)
    period_lock_shops(period=previous_period, shop_ids={shop.pk}, by=hr_a)
    award_apply(
        cause=AwardCause(event="handled_within_sla", agent_id=agent.pk, case_ref=case_now.pk, shop_id=shop.pk)
    )
    late = dt.datetime.combine(previous_period.starts_on, dt.time(12), tzinfo=dt.UTC)

    outcomes = award_apply(
        cause=AwardCause(
            event="handled_within_sla",
            agent_id=agent.pk,
            case_ref=case_late.pk,
            shop_id=shop.pk,
            occurred_at=late,
        )
    )

    assert [o.entries for o in outcomes] == [[]]
    assert WithheldAward.objects.get(case_ref=case_late.pk).reason_code == "cap_reached"
    assert LedgerEntry.objects.filter(rule=rule, account__user=agent).count() == 1


def test_a_shared_agents_dispute_about_shop_b_stays_with_shop_bs_managers(
    client, make_user, shop, other_shop, world, shared
):
    """The manager queue and the resolve action follow the entry's shop, not the agent's memberships: a
    manager of shop A neither sees nor decides a dispute about a shop-B case (its order number is B's)."""
    from incentives.models import Dispute
    from incentives.services.disputes import dispute_open

    manager_a = make_user("manager", shops=[shop], employee_code="MA01")
    manager_b = make_user("manager", shops=[other_shop], employee_code="MB01")
    entry_b = LedgerEntry.objects.get(case_ref=world["case_b"].pk)
    dispute = dispute_open(entry=entry_b, by=shared, reason="金额不对")

    client.force_login(manager_a)
    page = client.get(reverse("incentives:manage"))
    assert f"#{entry_b.pk}" not in page.content.decode() and "金额不对" not in page.content.decode()
    answer = client.post(reverse("incentives:resolve", args=[dispute.pk]), {"amount": "10", "note": "x"})
    assert answer.status_code == 404
    assert Dispute.objects.get(pk=dispute.pk).status == "open"

    client.force_login(manager_b)
    assert "金额不对" in client.get(reverse("incentives:manage")).content.decode()


def test_the_admin_lists_a_shared_agents_entries_by_the_entrys_shop(client, hr_a, world, shared):
    """The ledger, withheld-award and payout admins go through the one access path with the entry's shop:
    HR of shop A sees the shared agent's shop-A entries, never the shop-B one (its order number is B's)."""
    entry_a = LedgerEntry.objects.get(case_ref=world["case_a"].pk)
    entry_b = LedgerEntry.objects.get(case_ref=world["case_b"].pk)
    client.force_login(hr_a)

    listed = client.get(reverse("admin:incentives_ledgerentry_changelist")).context["cl"].queryset
    assert entry_a in listed and entry_b not in listed
    assert client.get(reverse("admin:incentives_ledgerentry_change", args=[entry_b.pk])).status_code in (
        302,
        404,
    )
