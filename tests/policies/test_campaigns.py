"""Peak seasons (大促时段): a case opened inside a period gets its SLA commitments and staffing calendar,
one opened outside the usual tier; the most specific layer's period wins; overlapping periods of one
layer and an end before the start are refused; explain, the sandbox and ``policy_explain`` say it."""

import datetime as dt
import json
import zoneinfo
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from policies.business_time import add_business_minutes
from policies.decisions import ReviewFacts
from policies.engine import decide, explain
from policies.layers import decided_by
from policies.loader import active_campaign, load_policy
from policies.models import (
    BusinessCalendar,
    CampaignCommitment,
    CampaignPeriod,
    ComplianceRule,
    IssueType,
    OpeningHours,
)
from reviewdesk.models import Client as Brand
from tests.factories import ShopFactory
from tests.policies import admin_support
from tests.policies.admin_support import page

pytestmark = pytest.mark.django_db
manager, manager_client = admin_support.manager, admin_support.manager_client
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 11, 1, 0, 0, tzinfo=SH)
END = dt.datetime(2026, 11, 12, 0, 0, tzinfo=SH)
IN_PERIOD = dt.datetime(2026, 11, 11, 10, 0, tzinfo=SH)
AFTER = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SH)
PROMISE = "双11期间退货退款审核延长至24小时，但我们会优先处理"


def facts(at, text="质量太差，用了一天就坏了"):
    return ReviewFacts(platform="taobao", rating=1, text=text, received_at=at, reviewed_at=at)


def period(name="双11", *, start=START, end=END, resolution=1440, issue="quality", **kwargs):
    row = CampaignPeriod(name=name, starts_at=start, ends_at=end, buyer_promise=PROMISE, **kwargs)
    row.full_clean()
    row.save()
    if resolution is not None:
        CampaignCommitment.objects.create(
            campaign=row,
            issue_type=IssueType.objects.get(code=issue) if issue else None,
            resolution_minutes=resolution,
        )
    return row


def sla(at, shop=None, text="质量太差，用了一天就坏了"):
    return decide(facts(at, text), load_policy(shop=shop, platform="taobao")).sla


def test_a_case_opened_in_the_period_gets_its_commitment_and_one_outside_the_usual_tier(policy_pack):
    usual = sla(IN_PERIOD)
    assert usual.resolution_minutes == 2880 and usual.campaign is None
    row = period()
    inside = sla(IN_PERIOD)  # the policy stamp moved: the new period is seen at once
    assert inside.resolution_minutes == 1440
    assert inside.campaign.id == row.pk and inside.campaign_promise == PROMISE
    calendar = load_policy(platform="taobao").calendar.spec
    assert inside.resolution_due_at == add_business_minutes(IN_PERIOD, 1440, calendar)
    # The targets the commitment leaves empty stay the tier's.
    assert (inside.first_response_minutes, inside.public_reply_minutes) == (240, 1440)
    assert inside.tier_name == usual.tier_name
    after = sla(AFTER)
    assert (after.resolution_minutes, after.campaign) == (2880, None)
    # The end is exclusive, the start inclusive.
    assert sla(END).campaign is None
    assert sla(START).campaign.id == row.pk


def test_another_issue_type_keeps_its_tier_unless_a_commitment_covers_every_type(policy_pack):
    row = period()
    logistics = sla(IN_PERIOD, text="物流太慢")
    assert logistics.resolution_minutes == 2880
    assert "沿用平时时效" in logistics.reason
    CampaignCommitment.objects.create(campaign=row, issue_type=None, first_response_minutes=480)
    logistics = sla(IN_PERIOD, text="物流太慢")
    assert (logistics.first_response_minutes, logistics.resolution_minutes) == (480, 2880)
    quality = sla(IN_PERIOD)  # its own commitment wins over the one for every type
    assert (quality.first_response_minutes, quality.resolution_minutes) == (240, 1440)


def test_the_periods_staffing_calendar_counts_the_time(policy_pack):
    night_shift = BusinessCalendar.objects.create(name="双11全天排班", active=False)
    for weekday in range(7):
        OpeningHours.objects.create(
            calendar=night_shift, weekday=weekday, opens=dt.time(0), closes=dt.time(0)
        )
    period(calendar=night_shift)
    late = dt.datetime(2026, 11, 11, 1, 0, tzinfo=SH)  # the usual calendar opens at 08:00
    decision = sla(late)
    assert decision.resolution_due_at == late + dt.timedelta(hours=24)
    assert decision.calendar.name == "双11全天排班"
    assert sla(dt.datetime(2026, 11, 20, 1, 0, tzinfo=SH)).calendar.name == "默认营业日历"


@pytest.fixture
def brands(db):
    return Brand.objects.create(code="brand-a", name="品牌A")


def test_the_most_specific_layers_period_wins(policy_pack, brands, shop):
    a1 = ShopFactory(code="tb-a1", platform="taobao", client=brands)
    a2 = ShopFactory(code="tb-a2", platform="taobao", client=brands)
    global_row = period()
    client_row = period(
        "品牌A双11", client=brands, start=dt.datetime(2026, 10, 20, tzinfo=SH), resolution=720
    )
    shop_row = period("旗舰店双11", shop=a1, resolution=360)
    assert sla(IN_PERIOD, a1).campaign.id == shop_row.pk and sla(IN_PERIOD, a1).resolution_minutes == 360
    assert sla(IN_PERIOD, a2).campaign.id == client_row.pk and sla(IN_PERIOD, a2).resolution_minutes == 720
    assert sla(IN_PERIOD, shop).campaign.id == global_row.pk  # a shop without a client: the global one
    # Before the global period starts only the client's covers the moment.
    early = dt.datetime(2026, 10, 25, 10, tzinfo=SH)
    assert sla(early, a1).campaign.id == client_row.pk
    assert sla(early, shop).campaign is None
    # What prevention tasks ask: the period in force for a shop at a moment.
    assert active_campaign(shop=a2, at=IN_PERIOD).name == "品牌A双11"
    assert active_campaign(shop=shop, at=AFTER) is None
    # An inactive period is no period.
    CampaignPeriod.objects.filter(pk=shop_row.pk).update(active=False)
    assert sla(IN_PERIOD, a1).campaign.id == client_row.pk


def test_overlapping_periods_in_one_layer_are_refused_in_another_layer_allowed(policy_pack, shop):
    period()
    before = list(CampaignPeriod.objects.values_list("pk", flat=True))
    clash = CampaignPeriod(name="双11返场", starts_at=dt.datetime(2026, 11, 11, tzinfo=SH), ends_at=AFTER)
    with pytest.raises(ValidationError) as caught:
        clash.full_clean()
    assert "时间重叠" in str(caught.value.message_dict["starts_at"])
    assert list(CampaignPeriod.objects.values_list("pk", flat=True)) == before
    # Back to back is no overlap; another layer's overlapping period overrides rather than clashes.
    CampaignPeriod(name="双11返场", starts_at=END, ends_at=AFTER).full_clean()
    CampaignPeriod(name="店铺双11", shop=shop, starts_at=START, ends_at=AFTER).full_clean()
    # An inactive period does not clash.
    CampaignPeriod(name="草稿", starts_at=START, ends_at=END, active=False).full_clean()


def test_a_write_that_skips_validation_is_refused_too(policy_pack):
    """save() checks again (under the lock, in the writing transaction): a service or script that never
    calls full_clean() cannot store an overlap, nor switch an overlapping draft on."""
    row = period()
    draft = CampaignPeriod.objects.create(name="草稿", starts_at=START, ends_at=END, active=False)
    before = list(CampaignPeriod.objects.order_by("pk").values_list("pk", "name", "active", "version"))
    with pytest.raises(ValidationError) as caught:
        CampaignPeriod.objects.create(
            name="双11返场", starts_at=dt.datetime(2026, 11, 11, tzinfo=SH), ends_at=AFTER
        )
    assert caught.value.message_dict == {
        "starts_at": ["与同一层级的大促时段“双11”(2026-11-01 00:00 – 2026-11-12 00:00)时间重叠。"]
    }
    draft.active = True
    with pytest.raises(ValidationError):
        draft.save()
    assert (
        list(CampaignPeriod.objects.order_by("pk").values_list("pk", "name", "active", "version")) == before
    )
    # Its own row saved again (no change of dates) is no clash with itself.
    row.buyer_promise = "双11期间优先处理"
    row.save()
    assert CampaignPeriod.objects.get(pk=row.pk).version == 2


def test_an_end_before_the_start_is_refused_by_the_model_and_the_database(policy_pack):
    row = CampaignPeriod(name="618", starts_at=END, ends_at=START)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert "结束时间必须晚于开始时间" in str(caught.value.message_dict["ends_at"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignPeriod.objects.create(name="618", starts_at=END, ends_at=END)
    assert not CampaignPeriod.objects.filter(name="618").exists()


def test_an_empty_or_zero_commitment_is_refused(policy_pack):
    row = period(resolution=None)
    for values in ({}, {"resolution_minutes": 0}):
        with pytest.raises(ValidationError):
            CampaignCommitment(campaign=row, **values).full_clean()
    assert not row.commitments.exists()


def test_the_promise_passes_compliance_or_the_period_is_refused(policy_pack):
    from policies.validation import check_engine_rules

    good = CampaignPeriod(name="双11", starts_at=START, ends_at=END, buyer_promise=PROMISE)
    check_engine_rules(good)  # the seed's wording passes every platform's rules
    ComplianceRule.objects.create(
        name="禁止承诺优先", patterns="优先处理", action="block", reason="不得承诺优先"
    )
    with pytest.raises(ValidationError) as caught:
        check_engine_rules(good)
    assert "不得承诺优先" in str(caught.value.message_dict["buyer_promise"])


def test_explain_names_the_period_its_promise_and_its_layer(policy_pack, shop):
    period("旗舰店双11", shop=shop)
    policy = load_policy(shop=shop, platform="taobao")
    decision = decide(facts(IN_PERIOD), policy)
    text = explain(decision, layers=decided_by(policy, shop))
    assert "大促期间承诺 24 小时内处理完毕" in text
    assert "大促时段：旗舰店双11" in text
    assert f"对买家的时效承诺：{PROMISE}" in text
    assert "旗舰店双11 — 店铺 tb-main" in text
    assert "解决：1天" in text or "解决：24小时" in text
    english = explain(decision, language="en")
    assert "resolution within 24 h" in english and "旗舰店双11" in english
    outside = explain(decide(facts(AFTER), policy))
    assert "大促" not in outside


def test_policy_explain_command_and_sandbox_show_the_commitment(policy_pack, shop, manager_client):
    period("旗舰店双11", shop=shop)
    out = StringIO()
    args = ["--platform", "taobao", "--rating", "bad", "--text", "质量太差", "--shop", shop.code]
    call_command("policy_explain", *args, "--at", "2026-11-11T10:00:00+08:00", stdout=out)
    assert "大促期间承诺 24 小时内处理完毕" in out.getvalue()
    out = StringIO()
    call_command("policy_explain", *args, "--at", "2026-11-11T10:00:00+08:00", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["sla"]["resolution_minutes"] == 1440
    assert data["sla"]["campaign"]["name"] == "旗舰店双11"
    ref = next(r for r in data["rule_refs"] if r["model"] == "campaignperiod")
    assert (ref["layer"], ref["layer_code"]) == ("shop", shop.code)
    review = {"platform": "taobao", "rating": "1", "text": "质量太差", "received_at": "2026-11-11T10:00"}
    response = manager_client.post(reverse("policies:sandbox"), {**review, "shop": shop.pk})
    assert response.status_code == 200
    body = page(response)
    assert "大促期间承诺 24 小时内处理完毕" in body and PROMISE in body


def _campaign_rows():
    return list(
        CampaignCommitment.objects.order_by("campaign__name", "issue_type__code").values_list(
            "campaign__name",
            "campaign__shop__code",
            "campaign__starts_at",
            "campaign__ends_at",
            "campaign__buyer_promise",
            "issue_type__code",
            "first_response_minutes",
            "resolution_minutes",
        )
    )


def test_the_pack_round_trips_periods_and_their_commitments(policy_pack, shop):
    from policies.pack import export_pack, import_pack

    period()
    row = period("旗舰店双11", shop=shop)
    CampaignCommitment.objects.create(campaign=row, issue_type=None, first_response_minutes=480)
    before = _campaign_rows()
    data = export_pack()
    CampaignPeriod.objects.all().delete()
    report = import_pack(data, dry_run=False)
    assert report.ok, [e.describe() for e in report.errors]
    assert _campaign_rows() == before
    again = import_pack(data, dry_run=False)
    assert again.ok and (again.totals["new"], again.totals["updated"]) == (0, 0)


def test_a_case_triaged_in_the_period_stores_the_campaign_deadline_and_names_it(policy_pack, shop):
    from tests.cases.workflow_factories import triaged_case

    period("旗舰店双11", shop=shop)
    inside = triaged_case(shop, received_at=IN_PERIOD)
    outside = triaged_case(shop, received_at=AFTER)
    calendar = load_policy(shop=shop, platform="taobao").calendar.spec
    assert inside.resolution_due_at == add_business_minutes(IN_PERIOD, 1440, calendar)
    assert outside.resolution_due_at == add_business_minutes(AFTER, 2880, calendar)
    # The case names the period among the rule versions that decided it (its explanation can point at it).
    assert "campaignperiod" in {ref["model"] for ref in inside.policy_refs}
    assert "campaignperiod" not in {ref["model"] for ref in outside.policy_refs}
