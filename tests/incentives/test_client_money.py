"""Money per client (品牌方): periods, locks and payout exports narrowed to one client's shops; a shared
agent reached through two clients appears in both, with each client's entries, and the two add up to
their total; people reached through a client are attributed (home shop, summaries, notices); HR of
one client reaches nothing of another's."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incentives.choices import PeriodStatus
from incentives.models import LedgerEntry, PayoutLine, Period, PeriodShopLock
from incentives.selectors import payout_client, payout_scope
from incentives.services.payouts import export_csv, export_xlsx, span_summary
from incentives.services.periods import period_lock_client
from incentives.services.scope import home_shop_ids, users_homed_in
from jobs.choices import JobKind, JobState
from jobs.models import Job
from jobs.runner import run_job
from reviewdesk.models import Client, ClientMembership
from tests.factories import ShopFactory
from tests.incentives.period_support import early_lock_form
from tests.training.conftest import make_case

NOT_YOURS = "没有这个品牌方，或你不服务该品牌方。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def brands(shop, other_shop):
    """Client 甲 owns tb-main and tm-jia2, client 乙 owns dy-main (shop ids in that order)."""
    jia = Client.objects.create(code="brand-jia", name="品牌甲")
    yi = Client.objects.create(code="brand-yi", name="品牌乙")
    jia2 = ShopFactory(code="tm-jia2", platform="tmall", name="甲天猫店", client=jia)
    shop.client, other_shop.client = jia, yi
    shop.save(update_fields=["client"])
    other_shop.save(update_fields=["client"])
    return {"jia": jia, "yi": yi, "jia2": jia2}


def _member(make_user, role, client, **kwargs):
    user = make_user(role, **kwargs)
    ClientMembership.objects.create(client=client, user=user)
    return user


@pytest.fixture
def people(make_user, brands, shop, other_shop):
    jia, yi = brands["jia"], brands["yi"]
    shared = make_user("agent", display_name="两家客服", employee_code="S001")
    for client in (jia, yi):
        ClientMembership.objects.create(client=client, user=shared)
    return {
        "shared": shared,  # reaches every shop only through the two clients
        "hr_jia": _member(make_user, "hr", jia, is_staff=True, employee_code="HJ01"),
        "hr_yi": _member(make_user, "hr", yi, is_staff=True, employee_code="HY01"),
        "manager_jia": _member(make_user, "manager", jia, employee_code="MJ01"),
        "manager_yi": _member(make_user, "manager", yi, employee_code="MY01"),
        "viewer_jia": _member(make_user, "client_viewer", jia, is_staff=True),
        "hr_all": make_user("hr", shops=[shop, brands["jia2"], other_shop], employee_code="H001"),
        "hr_tb": make_user("hr", shops=[shop], employee_code="H002"),  # one of 甲's two shops only
    }


@pytest.fixture
def ledger(people, brands, shop, other_shop, post, current_period):
    shared = people["shared"]
    cases = {
        "jia": make_case(shop, assignee=shared),
        "jia2": make_case(brands["jia2"], assignee=shared),
        "yi": make_case(other_shop, assignee=shared),
    }
    post(shared, "50", event="verified_conversion", case_ref=cases["jia"].pk, note="甲店转化")
    post(shared, "30", event="verified_conversion", case_ref=cases["jia2"].pk, note="甲天猫转化")
    post(shared, "70", event="verified_conversion", case_ref=cases["yi"].pk, note="乙店转化")
    post(shared, "5", note="KPI奖金")  # no case: the home shop, tb-main (the lowest id it reaches)
    return cases


def _state():
    return (
        sorted(Period.objects.values_list("code", "status", "locked_by_id")),
        sorted(PeriodShopLock.objects.values_list("period_id", "shop_id")),
        PayoutLine.objects.count(),
        LedgerEntry.objects.count(),
        Job.objects.count(),
    )


def _reaching(shop_ids) -> set[int]:
    from reviewdesk.access import members_of

    return {row["pk"] for row in members_of(shop_ids)}


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# --- members_of: people reached through a client --------------------------------------------------


def test_an_agent_reached_through_clients_has_a_home_shop_and_is_a_member(people, brands, shop, other_shop):
    shared = people["shared"]
    assert home_shop_ids([shared.pk]) == {shared.pk: shop.pk}
    assert shared.pk in _reaching({other_shop.pk}) and shared.pk in _reaching({brands["jia2"].pk})
    assert shared.pk in users_homed_in({shop.pk}) and shared.pk not in users_homed_in({other_shop.pk})


def test_the_home_shop_costs_one_query_whatever_the_number_of_agents(make_user, brands, shop):
    few = [_member(make_user, "agent", brands["jia"]) for _ in range(2)]
    with CaptureQueriesContext(connection) as two:
        homes = users_homed_in({shop.pk})
    many = [_member(make_user, "agent", brands["jia"]) for _ in range(8)]
    with CaptureQueriesContext(connection) as ten:
        more = users_homed_in({shop.pk})
    assert {u.pk for u in few} <= homes and {u.pk for u in few + many} <= more
    assert len(two.captured_queries) == len(ten.captured_queries) == 1


def test_a_client_members_entries_are_attributed_and_summarised(people, ledger, current_period):
    (row,) = span_summary(parse(current_period), shop_ids=None)
    assert (row.user_id, row.total_payable, row.conversions) == (people["shared"].pk, Decimal("155.00"), 3)
    assert row.shops == "dy-main、tb-main、tm-jia2"  # shops reached through the clients count


def parse(period):
    from incentives.services.periods import parse_span

    return parse_span(period.code)


# --- exports per client --------------------------------------------------------------------------


def test_an_agent_of_two_clients_is_in_both_exports_and_they_add_up(people, brands, ledger, current_period):
    hr = people["hr_all"]
    code = current_period.code
    totals, texts = {}, {}
    for name in ("jia", "yi"):
        scope = payout_scope(hr, brands[name])
        out = io.BytesIO()
        result = export_xlsx(code, out, shop_ids=scope)
        book = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
        summary = list(book.worksheets[0].iter_rows(values_only=True))
        assert summary[1][0] == "S001" and len(summary) == 3  # header, the agent, the totals row
        totals[name] = result["total_payable"]
        detail = io.BytesIO()
        export_csv(code, detail, shop_ids=scope)
        texts[name] = detail.getvalue().decode("utf-8-sig")
    assert totals == {"jia": Decimal("85.00"), "yi": Decimal("70.00")}
    assert sum(totals.values()) == Decimal("155.00") == span_summary(parse(current_period))[0].total_payable
    assert ledger["yi"].review.order_no in texts["yi"] and ledger["jia"].review.order_no not in texts["yi"]
    assert "KPI奖金" in texts["jia"] and "KPI奖金" not in texts["yi"]
    assert ledger["jia2"].review.order_no in texts["jia"] and ledger["yi"].review.order_no not in texts["jia"]


def test_the_web_download_of_a_client_names_it_and_holds_only_its_entries(
    client, people, ledger, current_period
):
    client.force_login(people["hr_all"])
    url = reverse("incentives:payout_download", args=[current_period.code, "csv"])
    response = client.get(url, {"client": "brand-yi"})
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="payouts-{current_period.code}-brand-yi-detail.csv"'
    )
    rows = _csv(response.content)
    assert [r[7] for r in rows[1:]] == ["70.00"] and rows[1][11] == ledger["yi"].review.order_no


def test_hr_of_one_client_may_not_download_anothers(client, people, ledger, current_period):
    client.force_login(people["hr_yi"])
    url = reverse("incentives:payout_download", args=[current_period.code, "xlsx"])
    response = client.get(url, {"client": "brand-jia"}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[0][1] == 302 and NOT_YOURS in body
    assert ledger["jia"].review.order_no not in body
    # Without a client, their own client's entries only.
    own = client.get(reverse("incentives:payout_download", args=[current_period.code, "csv"]))
    assert [r[7] for r in _csv(own.content)[1:]] == ["70.00"]


def test_the_periods_page_narrows_to_a_client(client, people, ledger, current_period):
    client.force_login(people["hr_all"])
    page = client.get(reverse("incentives:periods"), {"client": "brand-jia"})
    row = next(p for p in page.context["periods"] if p["code"] == current_period.code)
    assert row["entries"] == 3 and page.context["client"].code == "brand-jia"
    text = page.content.decode()
    assert "范围：品牌方 品牌甲" in text and "?client=brand-jia" in text
    assert [c.code for c in page.context["clients"]] == ["brand-jia", "brand-yi"]


def test_hr_of_one_client_is_offered_and_shown_only_their_client(client, people, ledger, current_period):
    client.force_login(people["hr_yi"])
    page = client.get(reverse("incentives:periods"))
    assert [c.code for c in page.context["clients"]] == ["brand-yi"]
    refused = client.get(reverse("incentives:periods"), {"client": "brand-jia"})
    body = refused.content.decode()
    assert NOT_YOURS in body and "品牌甲" not in body
    row = next(p for p in refused.context["periods"] if p["code"] == current_period.code)
    assert row["entries"] == 1  # their own scope: 乙's one entry
    detail = client.get(reverse("incentives:period", args=[current_period.pk]), {"client": "brand-jia"})
    assert detail.status_code == 302 and detail.url == reverse("incentives:periods")


def test_the_period_review_of_a_client(client, people, ledger, current_period):
    client.force_login(people["hr_all"])
    page = client.get(reverse("incentives:period", args=[current_period.pk]), {"client": "brand-jia"})
    review = page.context["review"]
    assert (review["shops"], review["totals"]["total_payable"], review["entries"]) == (
        ["tb-main", "tm-jia2"],
        Decimal("85.00"),
        3,
    )
    assert 'name="client" value="brand-jia"' in page.content.decode()


def test_a_client_viewer_sees_no_money_even_naming_their_client(client, people, ledger, current_period):
    client.force_login(people["viewer_jia"])
    for url in (
        reverse("incentives:periods"),
        reverse("incentives:period", args=[current_period.pk]),
        reverse("incentives:payout_download", args=[current_period.code, "csv"]),
    ):
        response = client.get(url, {"client": "brand-jia"})
        assert response.status_code == 403 and "85.00" not in response.content.decode()
    before = _state()
    response = client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        {"client": "brand-jia", **early_lock_form(current_period, people["viewer_jia"])},
    )
    assert response.status_code == 403 and _state() == before


# --- the background job and the command ----------------------------------------------------------


def test_the_job_exports_a_client_and_is_refused_one_not_served(client, people, ledger, current_period):
    code = current_period.code
    client.force_login(people["hr_yi"])
    before = _state()
    refused = client.post(
        reverse("incentives:payout_export_job", args=[code, "csv"]), {"client": "brand-jia"}
    )
    assert refused.status_code == 302 and refused.url == reverse("incentives:periods") and _state() == before

    client.force_login(people["hr_jia"])
    client.post(reverse("incentives:payout_export_job", args=[code, "csv"]), {"client": "brand-jia"})
    job = Job.objects.get()
    assert (job.kind, job.params["client"]) == (JobKind.PAYOUT_EXPORT, "brand-jia")
    run_job(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.file_name == f"payouts-{code}-brand-jia-detail.csv"
    with job.file.open("rb") as handle:
        text = handle.read().decode("utf-8-sig")
    assert ledger["jia"].review.order_no in text and ledger["yi"].review.order_no not in text

    # Read again when it runs: an HR who left the client gets nothing.
    client.post(reverse("incentives:payout_export_job", args=[code, "csv"]), {"client": "brand-jia"})
    later = Job.objects.latest("pk")
    ClientMembership.objects.filter(user=people["hr_jia"]).delete()
    run_job(later.pk)
    later.refresh_from_db()
    assert (later.state, later.message, later.file_name) == (JobState.DONE, NOT_YOURS, "")  # refused: no file


def test_export_payouts_by_client(tmp_path, people, ledger, current_period):
    out = tmp_path / "jia.csv"
    stdout = io.StringIO()
    call_command(
        "export_payouts",
        "--period",
        current_period.code,
        "--client",
        "brand-jia",
        "--out",
        str(out),
        "--format",
        "csv",
        "--sheet",
        "summary",
        "--no-progress",
        stdout=stdout,
    )
    rows = _csv(out.read_bytes())
    assert rows[1][0] == "S001" and rows[1][10] == "85.00" and rows[1][2] == "tb-main、tm-jia2"
    assert "品牌方：品牌甲(brand-jia)" in stdout.getvalue() and "应发合计：85.00 CNY" in stdout.getvalue()
    with pytest.raises(CommandError, match="未知品牌方代码：brand-nope"):
        call_command("export_payouts", "--period", current_period.code, "--client", "brand-nope")
    with pytest.raises(CommandError, match="--client 与 --shop 不能同时使用"):
        call_command(
            "export_payouts", "--period", current_period.code, "--client", "brand-jia", "--shop", "x"
        )


# --- locks per client ----------------------------------------------------------------------------


def test_locking_a_period_for_a_client_locks_each_of_its_shops(
    client, people, brands, ledger, current_period, shop
):
    hr = people["hr_all"]
    client.force_login(hr)
    response = client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        {"client": "brand-jia", **early_lock_form_for(current_period, hr, brands["jia"])},
        follow=True,
    )
    current_period.refresh_from_db()
    assert current_period.status == PeriodStatus.OPEN
    assert sorted(PeriodShopLock.objects.values_list("shop__code", flat=True)) == ["tb-main", "tm-jia2"]
    lines = sorted(PayoutLine.objects.values_list("shop__code", "total_payable"))
    assert lines == [("tb-main", Decimal("55.00")), ("tm-jia2", Decimal("30.00"))]
    assert f"期间 {current_period.code} 已为品牌方 品牌甲 的店铺 tb-main、tm-jia2 锁定，结算快照已生成。" in (
        response.content.decode()
    )
    assert response.redirect_chain[-1][0] == reverse("incentives:periods") + "?client=brand-jia"


def early_lock_form_for(period, user, client) -> dict:
    from incentives.forms import LockForm

    return {"early_confirmed": "on", "review_token": LockForm.token(period=period, user=user, client=client)}


def test_an_early_client_lock_needs_that_clients_confirmation_page(client, people, ledger, current_period):
    hr = people["hr_all"]
    client.force_login(hr)
    before = _state()
    # The whole-scope page's token does not confirm the client's page.
    client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        {"client": "brand-jia", **early_lock_form(current_period, hr)},
    )
    assert _state() == before


def test_a_client_lock_is_refused_to_who_reaches_only_some_of_its_shops(
    people, brands, ledger, current_period
):
    before = _state()
    with pytest.raises(ValidationError, match="你不能锁定品牌方 品牌甲 的全部店铺"):
        period_lock_client(
            period=current_period, client=brands["jia"], by=people["hr_tb"], early_confirmed=True
        )
    assert _state() == before


def test_hr_of_one_client_cannot_lock_another(client, people, ledger, current_period):
    hr = people["hr_yi"]
    client.force_login(hr)
    before = _state()
    response = client.post(
        reverse("incentives:lock", args=[current_period.pk]),
        {"client": "brand-jia", **early_lock_form(current_period, hr)},
        follow=True,
    )
    assert NOT_YOURS in response.content.decode() and _state() == before
    with pytest.raises(ValidationError, match="你不能锁定品牌方"):
        period_lock_client(period=current_period, client=Client.objects.get(code="brand-jia"), by=hr)
    assert _state() == before


def test_a_shop_added_to_the_client_later_is_not_locked_with_it(
    client, people, brands, ledger, post, current_period
):
    hr = people["hr_all"]
    period_lock_client(period=current_period, client=brands["jia"], by=hr, early_confirmed=True)
    newcomer = ShopFactory(code="jd-jia3", platform="jd", name="甲京东店", client=brands["jia"])
    ClientMembership.objects.create(client=brands["jia"], user=hr)  # reaches the new shop too
    hr = type(hr).objects.get(pk=hr.pk)  # its access read afresh
    entry = post(people["shared"], "9", event="verified_conversion", case_ref=make_case(newcomer).pk)
    assert entry.period == current_period  # still posting into the month

    client.force_login(hr)
    page = client.get(reverse("incentives:periods"), {"client": "brand-jia"})
    row = next(p for p in page.context["periods"] if p["code"] == current_period.code)
    assert row["locked"] is False and row["locked_shops"] == "tb-main、tm-jia2"

    locks = period_lock_client(period=current_period, client=brands["jia"], by=hr, early_confirmed=True)
    assert [lock.shop_id for lock in locks] == [newcomer.pk]
    assert PayoutLine.objects.get(shop=newcomer).total_payable == Decimal("9.00")


def test_payout_client_refuses_a_client_out_of_reach(people, brands):
    assert payout_client(people["hr_jia"], "brand-jia") == brands["jia"]
    assert payout_client(people["hr_jia"], "") is None
    for code in ("brand-yi", "brand-nope", "x" * 200):
        with pytest.raises(ValidationError, match=NOT_YOURS):
            payout_client(people["hr_jia"], code)


# --- isolation in the admin and the manager's queue, notices ----------------------------------


def test_hr_of_client_yi_lists_none_of_client_jias_ledger_in_the_admin(client, people, ledger):
    client.force_login(people["hr_yi"])
    page = client.get("/admin/incentives/ledgerentry/")
    shown = {obj.pk for obj in page.context["cl"].result_list}
    yi_entries = set(LedgerEntry.objects.filter(case_ref=ledger["yi"].pk).values_list("pk", flat=True))
    assert page.status_code == 200 and shown == yi_entries
    jia_entry = LedgerEntry.objects.get(case_ref=ledger["jia"].pk)
    assert client.get(f"/admin/incentives/ledgerentry/{jia_entry.pk}/change/").status_code == 302


def test_a_withheld_award_tells_the_managers_of_its_client_only(
    people, ledger, django_capture_on_commit_callbacks
):
    from cases.models import Notification
    from incentives.receivers import on_case_event
    from tests.incentives.test_awards import conversion_payload

    case = ledger["yi"]
    payload = conversion_payload(people["shared"], case.shop, compliance_violations=["好评返现"])
    with django_capture_on_commit_callbacks(execute=True):
        on_case_event(event="conversion_candidate", case_id=case.pk, payload=payload)
    told = set(Notification.objects.filter(kind="award_withheld").values_list("user_id", flat=True))
    assert told == {people["manager_yi"].pk}


def test_a_client_layer_award_rule_pays_only_in_that_clients_shops(people, brands, shop, other_shop):
    from incentives.models import AwardRule
    from incentives.receivers import on_case_event
    from tests.incentives.test_awards import conversion_payload

    rule = AwardRule.objects.get(code="conversion-bonus")
    AwardRule.objects.create(
        code="jia-extra",
        name="甲方加奖",
        event=rule.event,
        amount=Decimal("8"),
        client=brands["jia"],
        effective_from=rule.effective_from,
    )
    shared = people["shared"]
    case_jia, case_yi = make_case(shop, assignee=shared), make_case(other_shop, assignee=shared)
    on_case_event(event="conversion_candidate", case_id=case_jia.pk, payload=conversion_payload(shared, shop))
    on_case_event(
        event="conversion_candidate", case_id=case_yi.pk, payload=conversion_payload(shared, other_shop)
    )
    paid = sorted(LedgerEntry.objects.values_list("case_ref", "rule__code", "amount"))
    assert paid == sorted(
        [
            (case_jia.pk, "conversion-bonus", Decimal("50.00")),
            (case_jia.pk, "jia-extra", Decimal("8.00")),
            (case_yi.pk, "conversion-bonus", Decimal("50.00")),
        ]
    )


def test_a_shared_agents_redemption_is_decided_by_the_client_of_their_home_shop(client, people, post):
    from incentives.choices import RedemptionStatus, Unit
    from incentives.models import Redemption, RewardItem
    from incentives.services.redemptions import redemption_request

    shared = people["shared"]
    post(shared, "500", unit=Unit.POINTS)
    redemption = redemption_request(agent=shared, item=RewardItem.objects.get(name="定制保温杯"))

    client.force_login(people["manager_yi"])  # 乙 is not where the points are debited (home: tb-main, 甲)
    assert client.get(reverse("incentives:manage")).context["redemptions"] == []
    before = (_state(), list(Redemption.objects.values()))
    response = client.post(reverse("incentives:decide", args=[redemption.pk]), {"decision": "approve"})
    assert response.status_code == 404 and (_state(), list(Redemption.objects.values())) == before

    client.force_login(people["manager_jia"])
    assert [r["id"] for r in client.get(reverse("incentives:manage")).context["redemptions"]] == [
        redemption.pk
    ]
    client.post(reverse("incentives:decide", args=[redemption.pk]), {"decision": "approve"})
    redemption.refresh_from_db()
    assert redemption.status == RedemptionStatus.APPROVED


def test_a_dispute_about_client_yis_entry_is_reviewed_by_client_yi_only(client, people, ledger):
    from incentives.models import Dispute
    from incentives.services.disputes import dispute_open

    entry = LedgerEntry.objects.get(case_ref=ledger["yi"].pk)
    dispute = dispute_open(entry=entry, by=people["shared"], reason="少算了一单")

    client.force_login(people["manager_jia"])
    assert client.get(reverse("incentives:manage")).context["disputes"] == []
    before = (_state(), list(Dispute.objects.values()))
    response = client.post(reverse("incentives:resolve", args=[dispute.pk]), {"amount": "5", "note": "补发"})
    assert response.status_code == 404 and (_state(), list(Dispute.objects.values())) == before

    client.force_login(people["manager_yi"])
    assert [d["id"] for d in client.get(reverse("incentives:manage")).context["disputes"]] == [dispute.pk]


def test_an_entry_of_a_clients_case_is_exported_when_its_agent_is_not_a_member_there(
    make_user, people, brands, shop, other_shop, post, current_period
):
    """A case handed to someone of another client (or an agent who has left): its entry is the case's
    shop's, in that client's detail with the agent's name (both the Python rows and PostgreSQL's COPY)."""
    outsider = make_user("agent", shops=[shop], display_name="甲店客服", employee_code="J777")
    case = make_case(other_shop, assignee=outsider)
    post(outsider, "12", event="verified_conversion", case_ref=case.pk, note="乙店的单")
    out = io.BytesIO()
    result = export_csv(current_period.code, out, shop_ids=payout_scope(people["hr_yi"], brands["yi"]))
    rows = _csv(out.getvalue())
    assert result["rows"] == 1 and (rows[1][1], rows[1][2], rows[1][7]) == ("J777", "甲店客服", "12.00")
    book = io.BytesIO()
    assert export_xlsx(current_period.code, book, shop_ids={other_shop.pk})["entries"] == 1


def test_the_periods_page_gives_a_clients_totals_of_a_locked_month(
    client, people, brands, ledger, current_period
):
    from incentives.services.periods import period_lock

    hr = people["hr_all"]
    client.force_login(hr)
    period_lock_client(period=current_period, client=brands["jia"], by=hr, early_confirmed=True)

    def row(code):
        page = client.get(reverse("incentives:periods"), {"client": code})
        found = next(p for p in page.context["periods"] if p["code"] == current_period.code)
        return found["locked"], found["total"], found["agents"]

    # 甲's two shop snapshots: one agent (the shared one, in both), 85.00.
    assert row("brand-jia") == (True, Decimal("85.00"), 1)
    assert row("brand-yi") == (False, None, None)
    period_lock(period=current_period, by=hr, early_confirmed=True)  # the rest, as a whole
    assert row("brand-yi") == (True, Decimal("70.00"), 1)  # its part of the whole snapshot


def test_a_clients_summary_costs_the_same_queries_for_two_agents_or_ten(
    make_user, people, brands, shop, post, current_period
):
    scope = payout_scope(people["hr_all"], brands["jia"])

    def agents(n):
        for _ in range(n):
            agent = _member(make_user, "agent", brands["jia"])
            post(agent, "10", event="verified_conversion", case_ref=make_case(shop, assignee=agent).pk)
            post(agent, "1", note="KPI")
        with CaptureQueriesContext(connection) as queries:
            rows = span_summary(parse(current_period), shop_ids=scope)
        return len(rows), len(queries.captured_queries)

    few, many = agents(2), agents(8)
    assert few[0] == 2 and many[0] == 10 and few[1] == many[1]
