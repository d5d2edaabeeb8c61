import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incentives.choices import AwardEvent, EntryKind, Unit
from incentives.models import AwardRule, LedgerEntry, WithheldAward
from incentives.receivers import on_case_event, on_training_event
from incentives.services.awards import quarter_ranking, quarter_top_award
from incentives.services.ledger import account_get, balance_for, reversal_post
from incentives.services.notify import withheld_reason
from incentives.services.periods import period_ensure


def conversion_payload(agent, shop, **extra):
    now = timezone.now()
    return {
        "agent_id": agent.pk,
        "shop_id": shop.pk,
        "platform": "taobao",
        "from_rating": 1,
        "to_rating": 5,
        "observed_at": now.isoformat(),
        "revision_until": (now + dt.timedelta(days=3)).isoformat(),
        "revision_allowed": True,
        "source": "file",
    } | extra


def test_seeded_rules_exist(db):
    assert dict(AwardRule.objects.values_list("code", "event")) == {
        "conversion-bonus": "verified_conversion",
        "sla-handled-points": "handled_within_sla",
        "appeal-won-points": "appeal_won",
        "qa-score-points": "qa_score",
        "response-kpi-points": "response_kpi",
        "quarter-top3-leave": "quarter_top",
    }
    assert AwardRule.objects.get(code="conversion-bonus").amount == Decimal("50.00")


def test_verified_conversion_pays_50_once_even_when_the_event_repeats(agent, shop):
    for _ in range(3):
        on_case_event(event="conversion_candidate", case_id=41, payload=conversion_payload(agent, shop))

    entry = LedgerEntry.objects.get()
    rule = AwardRule.objects.get(code="conversion-bonus")
    assert (entry.amount, entry.case_ref, entry.event, entry.rule, entry.rule_version) == (
        Decimal("50.00"),
        41,
        AwardEvent.VERIFIED_CONVERSION,
        rule,
        rule.version,
    )
    assert entry.idempotency_key == f"award:{rule.pk}:verified_conversion:c41:-:cny"


def test_a_rule_edit_does_not_pay_a_retried_conversion_again(agent, shop):
    on_case_event(event="conversion_candidate", case_id=41, payload=conversion_payload(agent, shop))
    rule = AwardRule.objects.get(code="conversion-bonus")
    rule.amount = Decimal("60")
    rule.save()

    on_case_event(event="conversion_candidate", case_id=41, payload=conversion_payload(agent, shop))

    assert list(LedgerEntry.objects.values_list("amount", "rule_version")) == [(Decimal("50.00"), 1)]
    assert rule.history.count() == 2


def test_conversion_with_a_compliance_violation_earns_nothing_and_says_why(
    agent, shop, manager, make_user, other_shop, django_capture_on_commit_callbacks
):
    from cases.models import Notification

    elsewhere = make_user("manager", shops=[other_shop], employee_code="M099")
    payload = conversion_payload(agent, shop, compliance_violations=["私信中出现“好评返现”"])

    with django_capture_on_commit_callbacks(execute=True):
        on_case_event(event="conversion_candidate", case_id=42, payload=payload)
    with django_capture_on_commit_callbacks(execute=True):
        on_case_event(
            event="conversion_candidate", case_id=42, payload=payload
        )  # repeated: nobody told twice

    assert LedgerEntry.objects.count() == 0
    withheld = WithheldAward.objects.get()
    assert (withheld.reason_code, withheld.case_ref, withheld.agent) == ("compliance_violation", 42, agent)
    reason = withheld_reason(withheld.reason)  # stored language-neutral
    assert reason == "案件记录了合规违规：私信中出现“好评返现”。该转化不予奖励。"
    notice = Notification.objects.get()
    assert (notice.user, notice.kind, notice.body) == (manager, "award_withheld", reason)
    assert not Notification.objects.filter(user=elsewhere).exists()


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"to_rating": 1}, "平台数据未显示评分变好"),
        ({"revision_allowed": False}, "该平台不允许买家修改评价"),
        ({"source": "admin"}, "评分变化不是来自平台数据(导入文件或接入令牌)，来源：手工录入"),
        ({"source": None}, "评分变化不是来自平台数据(导入文件或接入令牌)，来源：未记录来源"),
        ({"revision_until": "2020-01-01T00:00:00+08:00"}, "超出可修改评价期"),
    ],
)
def test_unverified_conversions_are_withheld_with_the_reason(agent, shop, extra, reason):
    on_case_event(event="conversion_candidate", case_id=43, payload=conversion_payload(agent, shop, **extra))

    assert LedgerEntry.objects.count() == 0
    assert WithheldAward.objects.get().reason == f"未确认的转化：{reason}"


def test_a_conversion_on_an_unassigned_case_is_withheld_with_the_reason_once(agent, shop):
    for _ in range(2):  # a retried event records it once
        on_case_event(
            event="conversion_candidate", case_id=45, payload=conversion_payload(agent, shop, agent_id=None)
        )

    assert LedgerEntry.objects.count() == 0
    withheld = WithheldAward.objects.get()
    assert (withheld.agent_id, withheld.case_ref, withheld.reason_code) == (None, 45, "no_assignee")
    assert withheld.reason == "评价转化时案件没有处理人，无人获得奖励。"


def test_conversion_reverted_posts_a_reversal_in_the_current_open_period(agent, shop, current_period):
    on_case_event(event="conversion_candidate", case_id=44, payload=conversion_payload(agent, shop))
    on_case_event(
        event="conversion_reverted", case_id=44, payload={"agent_id": agent.pk, "reason": "买家改回差评"}
    )
    on_case_event(event="conversion_reverted", case_id=44, payload={"agent_id": agent.pk})

    reversal = LedgerEntry.objects.get(kind=EntryKind.REVERSAL)
    assert (reversal.amount, reversal.period, reversal.note) == (
        Decimal("-50.00"),
        current_period,
        "买家改回差评",
    )
    assert balance_for(user=agent, unit=Unit.CNY) == Decimal("0.00")


def test_resolved_within_sla_earns_points_and_outside_earns_nothing(agent, shop):
    on_case_event(
        event="resolved", case_id=45, payload={"agent_id": agent.pk, "shop_id": shop.pk, "within_sla": True}
    )
    on_case_event(
        event="resolved", case_id=46, payload={"agent_id": agent.pk, "shop_id": shop.pk, "within_sla": False}
    )

    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("10.00")


def test_rule_filters_by_platform_shop_and_dates(agent, shop, other_shop):
    rule = AwardRule.objects.get(code="sla-handled-points")
    rule.platforms = "douyin"
    rule.save()
    on_case_event(
        event="resolved",
        case_id=47,
        payload={"agent_id": agent.pk, "shop_id": shop.pk, "platform": "taobao", "within_sla": True},
    )
    assert LedgerEntry.objects.count() == 0

    rule.platforms, rule.shop = "", other_shop
    rule.save()
    on_case_event(
        event="resolved", case_id=48, payload={"agent_id": agent.pk, "shop_id": shop.pk, "within_sla": True}
    )
    assert LedgerEntry.objects.count() == 0

    rule.shop, rule.effective_until = None, timezone.localdate() - dt.timedelta(days=1)
    rule.save()
    on_case_event(
        event="resolved", case_id=49, payload={"agent_id": agent.pk, "shop_id": shop.pk, "within_sla": True}
    )
    assert LedgerEntry.objects.count() == 0


def test_cap_per_period_withholds_the_award_beyond_it(agent, shop):
    rule = AwardRule.objects.get(code="sla-handled-points")
    rule.cap_per_period = 2
    rule.save()

    for case_id in (50, 51, 52):
        on_case_event(
            event="resolved",
            case_id=case_id,
            payload={"agent_id": agent.pk, "shop_id": shop.pk, "within_sla": True},
        )

    assert LedgerEntry.objects.count() == 2
    assert WithheldAward.objects.get().reason_code == "cap_reached"


def test_appeal_won_and_qa_score_and_response_kpi(agent, shop):
    on_case_event(event="appeal_won", case_id=53, payload={"agent_id": agent.pk, "shop_id": shop.pk})
    on_training_event(event="qa_scored", payload={"agent_id": agent.pk, "score": 95, "qa_review_id": 7})
    on_training_event(event="qa_scored", payload={"agent_id": agent.pk, "score": 80, "qa_review_id": 8})
    on_training_event(event="response_kpi_met", payload={"agent_id": agent.pk, "period": "2026-11"})
    on_training_event(event="response_kpi_met", payload={"agent_id": agent.pk, "period": "2026-11"})

    assert sorted(LedgerEntry.objects.values_list("event", "amount")) == [
        ("appeal_won", Decimal("20.00")),
        ("qa_score", Decimal("10.00")),
        ("response_kpi", Decimal("30.00")),
    ]


def test_reverting_points_already_redeemed_is_refused_and_recorded(agent, shop, post):
    on_case_event(
        event="resolved", case_id=54, payload={"agent_id": agent.pk, "shop_id": shop.pk, "within_sla": True}
    )
    award = LedgerEntry.objects.get()
    post(agent, -10, unit=Unit.POINTS, kind=EntryKind.REDEMPTION)

    with pytest.raises(ValidationError) as exc:
        reversal_post(entry=award, reason="x")

    assert exc.value.code == "insufficient_points"
    assert balance_for(user=agent, unit=Unit.POINTS) == Decimal("0.00")
    assert LedgerEntry.objects.count() == 2


@pytest.fixture
def last_quarter_month(db):
    """A month of the quarter that ended before the current one."""
    today = timezone.localdate()
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    day = quarter_start - dt.timedelta(days=1)
    return period_ensure(year=day.year, month=day.month)


def test_quarter_top3_ties_broken_by_who_reached_the_count_first_then_employee_code(
    make_user, shop, last_quarter_month
):
    current_period = last_quarter_month
    agents = {code: make_user("agent", shops=[shop], employee_code=code) for code in ("B2", "B1", "C1", "D1")}
    t0 = timezone.now()
    # B2 and B1 both 2 conversions; B2 reached it first. C1 and D1 both 1, created at the same moment.
    plan = [("B2", 1, 0), ("B2", 2, 1), ("B1", 3, 2), ("B1", 4, 3), ("C1", 5, 4), ("D1", 6, 4)]
    for code, case, minutes in plan:
        # Direct insert (still through the triggers) to control the posting time.
        LedgerEntry.objects.create(
            account=account_get(user=agents[code], unit=Unit.CNY),
            period=current_period,
            kind=EntryKind.AWARD,
            amount=Decimal("50"),
            event=AwardEvent.VERIFIED_CONVERSION,
            case_ref=case,
            idempotency_key=f"t:{case}",
            created_at=t0 + dt.timedelta(minutes=minutes),
        )

    ranking = quarter_ranking(current_period.quarter_code)
    assert [(r.employee_code, r.conversions) for r in ranking] == [("B2", 2), ("B1", 2), ("C1", 1), ("D1", 1)]

    posted = quarter_top_award(quarter_code=current_period.quarter_code)
    assert quarter_top_award(quarter_code=current_period.quarter_code) == []  # a quarter is awarded once
    assert [(e.account.user.employee_code, e.account.unit, e.amount) for e in posted] == [
        ("B2", "leave_days", Decimal("1.00")),
        ("B1", "leave_days", Decimal("1.00")),
        ("C1", "leave_days", Decimal("1.00")),
    ]
    assert LedgerEntry.objects.filter(account__unit=Unit.LEAVE_DAYS).count() == 3
