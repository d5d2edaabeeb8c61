"""Demo ledger (idempotent): two months of entries for the demo agents before the current one, the
older month locked by HR (with its payout snapshot), entries in the current month, an open dispute
and a resolved one (adjustment in the open month), an approved and a pending redemption, and a
conversion withheld for a compliance violation. Keys are fixed strings, so running it again posts
nothing new."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from incentives.choices import AwardEvent, EntryKind, PeriodStatus, Unit
from incentives.models import AwardRule, Dispute, LedgerEntry, Redemption, RewardItem
from incentives.services.awards import AwardCause, award_apply
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.ledger import entry_post
from incentives.services.periods import period_ensure, period_lock, posting_period
from incentives.services.redemptions import redemption_approve, redemption_request

# username → (conversions, SLA-handled cases) per month, oldest first
PLAN = {
    "agent1": [(6, 9), (4, 7)],
    "agent2": [(3, 5), (5, 6)],
    "agent3": [(4, 4), (2, 8)],
    "agent4": [(1, 3), (0, 2)],
}


def _months_back(n: int):
    day = timezone.localdate().replace(day=1)
    for _ in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return period_ensure(year=day.year, month=day.month)


def _case_refs() -> list[int]:
    from cases.models import Case

    return list(Case.objects.order_by("pk").values_list("pk", flat=True)[:40])


def build_demo(*, shops, users, stdout) -> None:
    rules = {r.event: r for r in AwardRule.objects.filter(active=True).order_by("pk")}
    conversion, handled = rules.get(AwardEvent.VERIFIED_CONVERSION), rules.get(AwardEvent.HANDLED_WITHIN_SLA)
    refs = _case_refs() or [None]
    older, previous = _months_back(2), _months_back(1)
    posted = 0
    for month_index, period in enumerate((older, previous)):
        if not period.is_open:
            continue
        for agent_index, (username, months) in enumerate(PLAN.items()):
            converted, sla = months[month_index]
            for n in range(converted):
                case_ref = refs[(agent_index * 7 + n) % len(refs)]
                entry_post(
                    user=users[username],
                    unit=Unit.CNY,
                    kind=EntryKind.AWARD,
                    amount=conversion.amount if conversion else Decimal("50"),
                    key=f"demo:{period.code}:{username}:conv:{n}",
                    period=period,
                    rule=conversion,
                    case_ref=case_ref,
                    event=AwardEvent.VERIFIED_CONVERSION,
                    note="差评转化(平台数据确认)",
                )
                posted += 1
            for n in range(sla):
                entry_post(
                    user=users[username],
                    unit=Unit.POINTS,
                    kind=EntryKind.AWARD,
                    amount=handled.points if handled else 10,
                    key=f"demo:{period.code}:{username}:sla:{n}",
                    period=period,
                    rule=handled,
                    case_ref=refs[(agent_index * 5 + n) % len(refs)],
                    event=AwardEvent.HANDLED_WITHIN_SLA,
                    note="时效内处理中差评",
                )
                posted += 1
    if older.status == PeriodStatus.OPEN:
        period_lock(period=older, by=users["hr1"])
        stdout.write(f"incentives demo: {older.code} locked with its payout snapshot")
    current = posting_period()
    entry_post(
        user=users["agent1"],
        unit=Unit.CNY,
        kind=EntryKind.AWARD,
        amount=Decimal("50"),
        key="demo:current:agent1:conv",
        period=current,
        rule=conversion,
        case_ref=refs[0],
        event=AwardEvent.VERIFIED_CONVERSION,
        note="差评转化(平台数据确认)",
    )
    _disputes(users, older, current)
    _redemptions(users)
    award_apply(
        cause=AwardCause(
            event=AwardEvent.VERIFIED_CONVERSION,
            agent_id=users["agent3"].pk,
            case_ref=refs[-1],
            platform="",
            compliance_violations=["回复中出现“给好评返现”字样"],
            note="演示：合规违规的转化",
        )
    )
    stdout.write(f"incentives demo: {posted} ledger entries, disputes, redemptions, a withheld award")


def _disputes(users, older, current) -> None:
    agent1, agent2 = users["agent1"], users["agent2"]
    if not Dispute.objects.filter(raised_by=agent1).exists():
        entry = (
            LedgerEntry.objects.filter(period=older, account__user=agent1, account__unit=Unit.CNY)
            .order_by("pk")
            .first()
        )
        if entry is not None:
            dispute_open(entry=entry, by=agent1, reason="上月还有一单转化(买家已改为五星)没有计入，请核对。")
    if not Dispute.objects.filter(raised_by=agent2).exists():
        entry = (
            LedgerEntry.objects.filter(period=older, account__user=agent2, account__unit=Unit.CNY)
            .order_by("pk")
            .first()
        )
        if entry is not None:
            dispute = dispute_open(
                entry=entry, by=agent2, reason="同一案件我和同事各处理一半，奖金应该平分。"
            )
            dispute_resolve(
                dispute=dispute,
                by=users["manager1"],
                amount=Decimal("-25"),
                note="核实：与同事平分，扣回25元，记入本月。",
            )


def _redemptions(users) -> None:
    agent1, agent2 = users["agent1"], users["agent2"]
    gift = RewardItem.objects.filter(active=True).order_by("point_price").first()
    if gift is None or Redemption.objects.filter(agent__in=[agent1, agent2]).exists():
        return
    redemption_approve(
        redemption=redemption_request(agent=agent1, item=gift, note="演示"), by=users["manager1"]
    )
    redemption_request(agent=agent2, item=gift, note="演示：待审批")
