"""Demo ledger (idempotent) — the last demo builder, so it writes no award of its own.

Every award of the demo was posted by the ledger's rules while the history ran: the points for a case
handled within its SLA when the assignee resolved it, the conversion bonus when a later export showed
the buyer's better rating (withheld, with the reason, where the platform does not let buyers revise),
each in the month it happened. Here the month end follows, as the scheduler and HR would do it:

- the ledger's schedules run once (``incentives.tasks``: the training awards — QA reviews and
  response KPIs —, the missed-conversion sweep, the quarter's top three), so their next scheduled run
  finds nothing left to pay or reverse;
- HR locks the month before last (with its payout snapshot);
- an agent disputes an entry of the locked month (left open), another one's dispute is decided by the
  manager (a positive adjustment in the next open month);
- an approved and a pending redemption of points.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from incentives.choices import PeriodStatus, Unit
from incentives.models import Dispute, LedgerEntry, Redemption, RewardItem
from incentives.services.disputes import dispute_open, dispute_resolve
from incentives.services.periods import period_ensure, period_lock
from incentives.services.redemptions import redemption_approve, redemption_request


def _months_back(n: int):
    day = timezone.localdate().replace(day=1)
    for _ in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return period_ensure(year=day.year, month=day.month)


def run_ledger_schedules() -> dict:
    """The incentives schedules' functions, as the cluster calls them (incentives.migrations 0004/0005)."""
    from incentives.tasks import conversion_awards_task, quarter_top_task, training_awards_task

    return {
        "training": training_awards_task(),
        "conversions": conversion_awards_task(),
        "quarter_top": quarter_top_task(),
    }


def build_demo(*, shops, users, stdout) -> None:
    ran = run_ledger_schedules()
    stdout.write(f"incentives demo: the ledger's schedules ran once: {ran}")
    older = _months_back(2)
    if older.status == PeriodStatus.OPEN:
        period_lock(period=older, by=users["hr1"])
        stdout.write(f"incentives demo: {older.code} locked by HR with its payout snapshot")
    _disputes(users, older)
    _redemptions(users)
    stdout.write(f"incentives demo: {LedgerEntry.objects.count()} ledger entries, disputes, redemptions")


build_demo.demo_stage = 4  # the month end: after the history, the recent cases and their QA


def _entry(period, user):
    """The agent's first award of the month: a conversion bonus if any, else points."""
    awards = LedgerEntry.objects.filter(period=period, account__user=user, amount__gt=0).order_by("pk")
    return awards.filter(account__unit=Unit.CNY).first() or awards.first()


def _disputes(users, older) -> None:
    """agent1's dispute stays open; agent2's is decided by the manager: a positive adjustment (the
    agent advanced a buyer's compensation), posted in the next open month, so no month goes negative."""
    agent1, agent2 = users["agent1"], users["agent2"]
    if not Dispute.objects.filter(raised_by=agent1).exists():
        entry = _entry(older, agent1)
        if entry is not None:
            dispute_open(entry=entry, by=agent1, reason="上月还有一单转化(买家已改为五星)没有计入，请核对。")
    if not Dispute.objects.filter(raised_by=agent2).exists():
        entry = _entry(older, agent2)
        if entry is not None:
            dispute = dispute_open(
                entry=entry, by=agent2, reason="这单我还自己垫付了买家10元运费补偿，请一并补回。"
            )
            dispute_resolve(
                dispute=dispute,
                by=users["manager1"],
                amount=Decimal("10"),
                note="核实：运费补偿由客服垫付，补回10，记入下一个开放月份。",
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
