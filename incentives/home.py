"""The incentives app's panels of the home page (``reviewdesk.hooks.home_panels``).

* ``month_panel``: for who works cases and earns (agent, legal): this month's verified conversions and
  bonus so far (the ledger, as the payout summary counts them: ``services.summary``) and the buyers'
  satisfaction with the cases they handled (training's surveys, the CSAT module's 0–100 scale), linking
  to the statement;
* ``period_panel``: for who locks periods (HR): the month to lock next in their scope, what blocks its
  lock (not ended yet; an adjustment of their own — four eyes) and what to review first (negative
  totals, open disputes), linking to its confirmation page and the periods page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Avg, Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import AwardEvent, EntryKind, PeriodStatus, Unit
from incentives.models import LedgerEntry, Period, PeriodShopLock
from reviewdesk.choices import Role
from reviewdesk.money import format_cny
from reviewdesk.roles import user_roles, works_cases

EARNING_ROLES = {str(Role.AGENT), str(Role.LEGAL)}


def _month_start(now: dt.datetime) -> dt.datetime:
    day = timezone.localdate(now)
    return timezone.make_aware(dt.datetime(day.year, day.month, 1))


def my_month(user, *, now: dt.datetime | None = None) -> dict:
    """Conversions and CNY bonus of the user's ledger in the running month (one query), CSAT of the
    surveys answered this month (one)."""
    from training.models import SatisfactionSurvey

    now = now or timezone.now()
    day = timezone.localdate(now)
    conversion = Q(event=AwardEvent.VERIFIED_CONVERSION)
    # One query: the month's period row is joined (never created here); no row, no entries.
    month = LedgerEntry.objects.filter(account__user=user, period__year=day.year, period__month=day.month)
    totals = month.aggregate(
        bonus=Sum("amount", filter=Q(account__unit=Unit.CNY, kind__in=[EntryKind.AWARD, EntryKind.REVERSAL])),
        awarded=Count("case_ref", filter=conversion & Q(kind=EntryKind.AWARD), distinct=True),
        reversed=Count("case_ref", filter=conversion & Q(kind=EntryKind.REVERSAL), distinct=True),
    )
    figures = {
        "code": f"{day.year}-{day.month:02d}",
        "conversions": totals["awarded"] - totals["reversed"],
        "bonus": totals["bonus"] or Decimal("0.00"),
    }
    surveys = SatisfactionSurvey.objects.filter(case__assignee=user, answered_at__gte=_month_start(now))
    csat = surveys.aggregate(score=Avg("score"), n=Count("pk"))
    figures["csat"] = None if csat["score"] is None else round(csat["score"] * 20, 1)
    figures["surveys"] = csat["n"]
    return figures


def month_panel(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not works_cases(user) or not (user_roles(user) & EARNING_ROLES):
        return None
    figures = my_month(user)
    statement = reverse("incentives:statement")
    csat = figures["csat"]
    tiles = [
        {"key": "conversions", "label": _("本月转化"), "n": figures["conversions"], "url": statement},
        {"key": "bonus", "label": _("本月奖金(元)"), "n": format_cny(figures["bonus"]), "url": statement},
        {
            "key": "csat",
            "label": _("满意度(%(n)s 份调查)") % {"n": figures["surveys"]},
            "n": "—" if csat is None else csat,
            "url": reverse("training:my_scorecard"),
        },
    ]
    return {
        "title": _("我的本月(%(code)s)") % {"code": figures["code"]},
        "template": "incentives/_home_month.html",
        "order": 30,
        "context": {"tiles": tiles, "statement_url": statement},
    }


def period_to_lock(user) -> tuple[Period | None, set[int] | None, list[str]]:
    """The earliest open month not locked yet for the user's scope (None: every shop), the scope's shops
    not locked for it, and the codes of the scope's shops already locked for it."""
    from incentives.services.period_review import review_scope
    from reviewdesk.models import Shop

    scope = review_scope(user)
    periods = list(Period.objects.filter(status=PeriodStatus.OPEN).order_by("year", "month")[:24])
    if scope is None:
        return (periods[0] if periods else None), None, []
    locks: dict[int, set[int]] = {}
    for period_id, shop_id in PeriodShopLock.objects.filter(
        period__in=periods, shop_id__in=scope
    ).values_list("period_id", "shop_id"):
        locks.setdefault(period_id, set()).add(shop_id)
    for period in periods:
        todo = scope - locks.get(period.pk, set())
        if todo:
            done = locks.get(period.pk, set())
            codes = sorted(Shop.objects.filter(pk__in=done).values_list("code", flat=True)) if done else []
            return period, todo, codes
    return None, set(), []


def period_status(user, *, today: dt.date | None = None) -> dict | None:
    """What HR's panel shows (see the module docstring); None when nothing is open to lock."""
    from incentives.services.period_review import PENDING_DISPUTES
    from incentives.services.periods import period_has_ended
    from incentives.services.scope import entries_in_shops_q

    period, shops, locked_shops = period_to_lock(user)
    if period is None:
        return None
    today = today or timezone.localdate()
    entries = LedgerEntry.objects.filter(period=period)
    if shops is not None:
        entries = entries.filter(entries_in_shops_q(shops))
    ended = period_has_ended(period, today=today)
    blockers = []
    if not ended:
        blockers.append(
            _("本月 %(ends_on)s 才结束；提前锁定须在确认页核对后明确确认。")
            % {"ends_on": period.ends_on.isoformat()}
        )
    figures = entries.aggregate(
        n=Count("pk"),
        mine=Count("pk", filter=Q(kind=EntryKind.ADJUSTMENT, created_by=user)),
        disputes=Count("disputes", filter=Q(disputes__status__in=PENDING_DISPUTES), distinct=True),
    )
    if figures["mine"]:
        blockers.append(_("你在本期间做过调整分录，按四眼原则须由另一位同事锁定。"))
    negatives = 0
    if figures["n"]:  # agents whose CNY total is below zero (services.period_review's definition)
        cny = entries.filter(account__unit=Unit.CNY).order_by().values("account__user_id")
        negatives = cny.annotate(total=Sum("amount")).filter(total__lt=0).count()
    return {
        "code": period.code,
        "ended": ended,
        "ends_on": period.ends_on,
        "entries": figures["n"],
        "blockers": blockers,
        "negatives": negatives,
        "disputes": figures["disputes"],
        "locked_shops": locked_shops,
        "url": reverse("incentives:period", kwargs={"period_id": period.pk}),
    }


def period_panel(request) -> dict | None:
    user = request.user
    if not user.is_authenticated or not user.has_perm("incentives.lock_period"):
        return None
    status = period_status(user)
    return {
        "title": _("结算期间"),
        "template": "incentives/_home_period.html",
        "order": 10,
        "wide": True,
        "context": {"status": status, "periods_url": reverse("incentives:periods")},
    }
