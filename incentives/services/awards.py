"""Turning events into awards by the admin-edited rules.

Idempotency key of an award: ``award:<rule id>:<event>:c<case id>:<subject>:<unit>``. The rule's id,
not its version, is in the key, so a retried event after a manager edited the rule does not pay a
second time; the version that paid is recorded on the entry (``rule_version``). A matching rule that
pays nothing (compliance violation, cap reached, not verified) writes a ``WithheldAward`` row with
the reason instead, under the same key, so the manager sees why.

A verified conversion is paid only when its cause names a platform-data source
(``cases.hooks.PLATFORM_DATA_SOURCES``: a file import, an intake token, a connector). A cause without
one — a caller that forgot it, a shell, an admin or session write — is withheld, never paid by default.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from cases.hooks import PLATFORM_DATA_SOURCES
from incentives.choices import AwardEvent, EntryKind, Unit
from incentives.errors import IncentiveError
from incentives.models import Account, AwardRule, LedgerEntry, WithheldAward
from incentives.services.ledger import LOCK_RACE_ATTEMPTS, account_get, entry_post
from incentives.services.notify import notify_withheld
from incentives.services.periods import parse_span, periods_of, posting_period
from incentives.services.scope import entry_shop_id
from reviewdesk.i18n_text import as_text
from reviewdesk.i18n_text import deferred as _  # a withheld reason is stored language-neutral


@dataclass
class AwardCause:
    """What happened, as plain values (from a hook payload)."""

    event: str
    agent_id: int
    case_ref: int | None = None
    subject_ref: str = ""
    platform: str = ""
    shop_id: int | None = None
    tier: str = ""
    score: Decimal | None = None
    occurred_at: dt.datetime | None = None
    note: str = ""
    compliance_violations: list[str] = field(default_factory=list)
    source: str | None = None  # who wrote the data behind it; a conversion pays only for platform data


@dataclass
class AwardOutcome:
    rule: AwardRule
    entries: list[LedgerEntry]
    withheld: WithheldAward | None = None


def matching_rules(cause: AwardCause) -> list[AwardRule]:
    day = timezone.localdate(cause.occurred_at or timezone.now())
    rules = AwardRule.objects.filter(active=True, event=cause.event, effective_from__lte=day).filter(
        Q(effective_until__isnull=True) | Q(effective_until__gte=day)
    )
    rules = rules.filter(_layers_q(cause.shop_id))
    matched = []
    for rule in rules.order_by("pk"):
        if rule.platform_list and cause.platform not in rule.platform_list:
            continue
        if rule.tier_list and cause.tier not in rule.tier_list:
            continue
        if rule.min_score is not None and (cause.score is None or Decimal(cause.score) < rule.min_score):
            continue
        matched.append(rule)
    return matched


def _layers_q(shop_id: int | None) -> Q:
    """The rules that apply in ``shop_id``: the global ones, its client's (品牌方) and its own. A client's
    rule never pays in another client's shop (nor, with no shop known, anywhere)."""
    from reviewdesk.models import Shop

    applies = Q(shop__isnull=True, client__isnull=True)
    if shop_id is None:
        return applies
    client = Shop.objects.filter(pk=shop_id, client__isnull=False).values("client_id")
    return applies | Q(shop_id=shop_id) | Q(shop__isnull=True, client_id__in=client)


def award_key(rule: AwardRule, cause: AwardCause) -> str:
    return f"award:{rule.pk}:{cause.event}:c{cause.case_ref or '-'}:{cause.subject_ref or '-'}"


def _withhold(rule, cause, key, reason_code, reason) -> WithheldAward:
    try:
        with transaction.atomic():
            withheld = WithheldAward.objects.create(
                agent_id=cause.agent_id,
                rule=rule,
                rule_version=rule.version if rule else None,
                event=cause.event,
                case_ref=cause.case_ref,
                subject_ref=cause.subject_ref,
                reason_code=reason_code,
                reason=reason,
                idempotency_key=key,
            )
            withheld.created_now = True
            return withheld
    except IntegrityError:
        withheld = WithheldAward.objects.get(idempotency_key=key)
        withheld.created_now = False
        return withheld


def withhold_unmatched(*, cause: AwardCause, reason_code: str, reason: str) -> WithheldAward:
    """An event that is not an awardable cause at all (e.g. a conversion not shown by platform data)."""
    key = f"withheld:{cause.event}:c{cause.case_ref or '-'}:{cause.subject_ref or '-'}"
    return _withhold(None, cause, key, reason_code, reason)


def award_apply(*, cause: AwardCause) -> list[AwardOutcome]:
    from reviewdesk.models import User

    agent = User.objects.get(pk=cause.agent_id)
    outcomes = []
    for rule in matching_rules(cause):
        key = award_key(rule, cause)
        done = list(LedgerEntry.objects.filter(idempotency_key__startswith=f"{key}:"))
        withheld = WithheldAward.objects.filter(idempotency_key=key).first()
        if done or withheld:
            outcomes.append(AwardOutcome(rule, done, withheld))
            continue
        if cause.event == AwardEvent.VERIFIED_CONVERSION and cause.compliance_violations:
            # Stored language-neutral (reviewdesk.i18n_text): read in each manager's language.
            reason = as_text(
                _("案件记录了合规违规：%(v)s。该转化不予奖励。")
                % {"v": "；".join(cause.compliance_violations)}
            )
            withheld = _withhold(rule, cause, key, "compliance_violation", reason)
            if withheld.created_now:
                notify_withheld(withheld)
            outcomes.append(AwardOutcome(rule, [], withheld))
            continue
        if cause.event == AwardEvent.VERIFIED_CONVERSION and cause.source not in PLATFORM_DATA_SOURCES:
            reason = as_text(_("评分变化不是来自平台数据(导入文件或接入令牌)，该转化不予奖励。"))
            outcomes.append(AwardOutcome(rule, [], _withhold(rule, cause, key, "not_platform_data", reason)))
            continue
        outcomes.append(_post_award(rule, cause, agent, key))
    return outcomes


def _post_award(rule: AwardRule, cause: AwardCause, agent, key: str) -> AwardOutcome:
    """The cap is counted in the month the award goes to; a lock of that month racing this post makes
    the post refused by its pinned period, and the whole award (cap check included) is retried in the
    next open month."""
    for _attempt in range(LOCK_RACE_ATTEMPTS):
        try:
            return _post_award_once(rule, cause, agent, key)
        except ValidationError as exc:
            if exc.code != IncentiveError.PERIOD_LOCKED:
                raise
            error = exc
    raise error


def _post_award_once(rule: AwardRule, cause: AwardCause, agent, key: str) -> AwardOutcome:
    with transaction.atomic():
        # The month the entries will land in: that of their shop, which may have locked the month already
        # (entry_post would move them on), so the cap counts against the month they are really paid in.
        period = posting_period(cause.occurred_at, shop_id=entry_shop_id(user=agent, case_ref=cause.case_ref))
        if rule.cap_per_period:
            # Serialise this agent's awards so two workers cannot both pass the cap check.
            anchor = account_get(user=agent, unit=Unit.CNY)
            Account.objects.select_for_update().filter(pk=anchor.pk).get()
            paid = (
                LedgerEntry.objects.filter(
                    rule=rule, account__user=agent, period=period, kind=EntryKind.AWARD
                )
                .values("idempotency_key")
                .distinct()
                .count()
            )
            units = int(bool(rule.amount)) + int(bool(rule.points))
            if paid // max(units, 1) >= rule.cap_per_period:
                reason = as_text(
                    _("本期(%(p)s)已达规则上限 %(cap)s 次。") % {"p": period.code, "cap": rule.cap_per_period}
                )
                return AwardOutcome(rule, [], _withhold(rule, cause, key, "cap_reached", reason))
        entries = []
        for unit, value in ((Unit.CNY, rule.amount), (Unit.POINTS, rule.points)):
            if value:
                entry, _created = entry_post(
                    user=agent,
                    unit=unit,
                    kind=EntryKind.AWARD,
                    amount=value,
                    key=f"{key}:{unit}",
                    period=period,
                    occurred_at=cause.occurred_at,
                    rule=rule,
                    case_ref=cause.case_ref,
                    event=cause.event,
                    subject_ref=cause.subject_ref,
                    note=cause.note or rule.name,
                )
                entries.append(entry)
    return AwardOutcome(rule, entries)


def awards_reverse_for_case(*, case_ref: int, event: str, reason: str, by=None) -> list[LedgerEntry]:
    """Reverse every not-yet-reversed award of ``event`` on a case (a conversion later undone)."""
    from incentives.services.ledger import reversal_post

    reversals = []
    originals = LedgerEntry.objects.filter(
        case_ref=case_ref, event=event, kind=EntryKind.AWARD, reversal__isnull=True
    )
    for original in originals.select_related("account__user").order_by("pk"):
        entry, _created = reversal_post(entry=original, reason=reason, by=by)
        reversals.append(entry)
    return reversals


# --- quarterly ranking ------------------------------------------------------------------------------


@dataclass
class RankedAgent:
    user_id: int
    employee_code: str
    conversions: int
    reached_at: dt.datetime


def quarter_ranking(quarter_code: str) -> list[RankedAgent]:
    """Agents by verified conversions in the quarter (awards not reversed, counted per case).

    Ties: the agent who reached the count earlier (the time of their last counted conversion award)
    ranks higher; then the smaller employee code; then the smaller user id.
    """
    span = parse_span(quarter_code)
    rows = (
        LedgerEntry.objects.filter(
            period__in=periods_of(span),
            kind=EntryKind.AWARD,
            event=AwardEvent.VERIFIED_CONVERSION,
            reversal__isnull=True,
        )
        .values("account__user_id", "account__user__employee_code")
        .annotate(conversions=Count("case_ref", distinct=True), reached_at=Max("created_at"))
    )
    ranked = [
        RankedAgent(
            r["account__user_id"], r["account__user__employee_code"] or "", r["conversions"], r["reached_at"]
        )
        for r in rows
        if r["conversions"] > 0
    ]
    ranked.sort(key=lambda r: (-r.conversions, r.reached_at, r.employee_code, r.user_id))
    return ranked


def quarter_top_award(*, quarter_code: str, by=None) -> list[LedgerEntry]:
    """Post the paid-leave days of every active quarter-top rule (entries in the ``leave_days`` unit),
    once per quarter and rule, after the quarter has ended; returns the entries posted now."""
    from reviewdesk.models import User

    span = parse_span(quarter_code)
    if not span.is_quarter:
        raise ValidationError(_("季度排名需要季度期间，如 2026-Q4。"), code=IncentiveError.BAD_PERIOD)
    last_year, last_month = span.months[-1]
    if timezone.localdate() < dt.date(last_year + (last_month == 12), last_month % 12 + 1, 1):
        raise ValidationError(
            _("季度 %(q)s 尚未结束，排名还不是最终结果。"),
            code=IncentiveError.PERIOD_NOT_OPEN,
            params={"q": span.code},
        )
    ranking = quarter_ranking(span.code)
    posted = []
    with transaction.atomic():
        for rule in AwardRule.objects.filter(active=True, event=AwardEvent.QUARTER_TOP).order_by("pk"):
            prefix = f"quarter_top:{rule.pk}:{span.code}:"
            if LedgerEntry.objects.filter(idempotency_key__startswith=prefix).exists():
                continue  # a quarter is ranked once; a later reversal does not hand out a fourth prize
            for rank, agent in enumerate(ranking[: rule.top_n or 0], start=1):
                entry, _created = entry_post(
                    user=User.objects.get(pk=agent.user_id),
                    unit=Unit.LEAVE_DAYS,
                    kind=EntryKind.AWARD,
                    amount=rule.leave_days,
                    key=f"{prefix}{agent.user_id}",
                    rule=rule,
                    event=AwardEvent.QUARTER_TOP,
                    subject_ref=span.code,
                    created_by=by,
                    note=_("%(q)s 转化第%(rank)s名(%(n)s条)")
                    % {"q": span.code, "rank": rank, "n": agent.conversions},
                )
                posted.append(entry)
    return posted
