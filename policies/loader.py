"""Load ONE snapshot of the active rules for a shop (or none) on a platform: ``load_policy``.

The snapshot (``policies.engine.policy.Policy``) holds plain frozen dataclasses with precompiled
regular expressions; the engine reads nothing else, so ``decide()`` runs zero queries.

Shop overrides. A rule with a shop applies to that shop only; a rule without one is the global
default. When both exist:

* **replace** — the shop's row replaces the global row with the same natural key:
  platform rule (by platform); SLA tier (by issue type, the fallback tier by "no issue type");
  business calendar (the shop's active calendar replaces the global one); customer tier (by code);
  compensation rules (by group = issue type × customer-tier code: if the shop has any active rule
  in a group, the shop's rules replace all global rules of that group); follow-up plan (by event);
  appeal checklist (by platform); contact limit (by platform; a shop row for every platform beats
  a global row for this platform).
* **add** — classification rules, malicious signals, compliance rules and reply templates of the
  shop are added to the global ones (the engine prefers a shop template over a global one of the
  same stage and channel).

Issue types are global (shops override the rules that use them, not the taxonomy).

Caching. Snapshots are cached per process, keyed by (shop id, platform), and revalidated on every
call by one primary-key read of the policy stamp (``policies.models.PolicyStamp``), which database
triggers bump in the same transaction as ANY write to a rule or child row (admin, import, API, shell,
``QuerySet.update``, data migrations). So a 100,000-row import that loads its policy once per shop pays
for the rules once, and every process sees a committed change on its next ``load_policy`` (the
caching interval is zero: no change waits for a timer or a restart).
"""

from __future__ import annotations

import secrets
import string
import threading

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import translation

from policies.business_time import ROUND_THE_CLOCK, CalendarSpec, time_to_minutes
from policies.choices import AppealReason, ExceptionKind, SignalKind
from policies.compliance.match import build_spec as build_compliance_spec
from policies.decisions import RuleRef
from policies.engine.policy import (
    AppealChecklistSpec,
    CalendarPolicy,
    ClassificationRuleSpec,
    CompensationOptionSpec,
    CompensationRuleSpec,
    ContactLimitSpec,
    CustomerTierSpec,
    FollowUpPlanSpec,
    FollowUpStepSpec,
    IssueTypeSpec,
    MaliciousSignalSpec,
    PlatformRuleSpec,
    Policy,
    SlaTierSpec,
    TemplateSpec,
    combine,
    compile_patterns,
)
from policies.models import (
    AppealChecklist,
    BusinessCalendar,
    ClassificationRule,
    CompensationRule,
    ComplianceRule,
    ContactLimit,
    CustomerTier,
    FollowUpPlan,
    FollowUpStep,
    IssueType,
    MaliciousSignal,
    PlatformRule,
    PolicyStamp,
    ReplyTemplate,
    SlaTier,
)
from policies.models.base import split_codes, split_lines

__all__ = ["clear_policy_cache", "load_policy", "policy_stamp"]

_MAX_CACHED = 256
_cache: dict[tuple, Policy] = {}
_lock = threading.Lock()


def clear_policy_cache() -> None:
    """Forget every cached snapshot (tests and ``seed_policies``; writes need not call it: the stamp
    changes with every write)."""
    with _lock:
        _cache.clear()


def policy_stamp() -> tuple:
    """The policy stamp (one indexed row). A database flushed by tests has lost the row: it is put back
    with a random token, so no snapshot cached before the flush can match it."""
    table = connection.ops.quote_name(PolicyStamp._meta.db_table)
    select = f"SELECT version, token FROM {table} WHERE id = 1"
    with connection.cursor() as cursor:
        cursor.execute(select)
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} (id, version, token) VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING",
                [secrets.randbits(62)],
            )
            cursor.execute(select)
            row = cursor.fetchone()
    return (connection.alias, *row)


def load_policy(*, shop=None, platform: str) -> Policy:
    """The active rules for ``shop`` (a Shop or None for the global defaults) on ``platform``."""
    shop_id = shop.pk if shop is not None else None
    stamp = policy_stamp()
    key = (shop_id, platform)
    cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    # The platform-independent part is shared by the five platforms of one shop.
    shared = _cache.get(("shared", shop_id))
    if shared is None or shared["stamp"] != stamp:
        shared = _load_shared(shop_id=shop_id, stamp=stamp)
    policy = _for_platform(shared, platform)
    with _lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[("shared", shop_id)] = shared
        _cache[key] = policy
    return policy


def _ref(obj) -> RuleRef:
    # A row without a name is named by its __str__, in the site's language whatever the loader's: the
    # ref is part of the stored decision, whose digest must not depend on who imported (issue #15 §8).
    name = obj.name if hasattr(obj, "name") else _site_str(obj)
    return RuleRef(model=obj._meta.model_name, id=obj.pk, version=getattr(obj, "version", 1), name=str(name))


def _site_str(obj) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(obj)


def _scoped(model, shop_id, **filters):
    """Active global rows first, then the shop's, so later rows override earlier ones by key."""
    rows = list(model.objects.filter(active=True, shop__isnull=True, **filters).order_by("pk"))
    if shop_id is not None:
        rows += list(model.objects.filter(active=True, shop_id=shop_id, **filters).order_by("pk"))
    return rows


def _load_shared(*, shop_id, stamp) -> dict:
    issue_types = {
        t.pk: IssueTypeSpec(
            t.pk,
            t.code,
            t.name,
            t.name_en,
            t.is_malicious,
            t.is_fallback,
            t.compensable,
            t.sort_order,
            buyer_label=t.buyer_label,
        )
        for t in IssueType.objects.filter(active=True)
    }
    platform_rules = {}
    for row in _scoped(PlatformRule, shop_id):  # global first: the shop's row replaces it
        platform_rules[row.platform] = _platform_rule(row)

    classification = sorted(
        (
            ClassificationRuleSpec(
                ref=_ref(r),
                name=r.name,
                issue_type_id=r.issue_type_id if r.issue_type_id in issue_types else None,
                regex=compile_patterns(r.match_mode, _patterns(r.match_mode, r.patterns)),
                rating_max=r.rating_max,
                opens_case=r.opens_case,
                priority=r.priority,
                is_shop=r.shop_id is not None,
            )
            for r in _scoped(ClassificationRule, shop_id)
        ),
        key=lambda r: (r.priority, r.is_shop is False, r.ref.id),
    )
    classification = [r for r in classification if r.regex is not None and (r.issue_type_id or r.opens_case)]
    signals = [
        MaliciousSignalSpec(
            ref=_ref(s),
            name=s.name,
            kind=s.kind,
            regex=compile_patterns(s.match_mode, _patterns(s.match_mode, s.patterns))
            if s.kind == SignalKind.PHRASE
            else None,
            threshold=s.threshold,
            window_days=s.window_days,
        )
        for s in _scoped(MaliciousSignal, shop_id)
    ]

    calendars: dict[int, CalendarPolicy | None] = {}
    sla_tiers: dict[int | None, SlaTierSpec] = {}
    for tier in _scoped(SlaTier, shop_id):
        tier_calendar = None
        if tier.calendar_id:
            if tier.calendar_id not in calendars:
                cal = BusinessCalendar.objects.filter(pk=tier.calendar_id, active=True).first()
                calendars[tier.calendar_id] = _calendar_policy(cal) if cal else None
            tier_calendar = calendars[tier.calendar_id]
        sla_tiers[tier.issue_type_id] = SlaTierSpec(
            ref=_ref(tier),
            issue_type_id=tier.issue_type_id,
            name=tier.name,
            first_response_minutes=tier.first_response_minutes,
            next_response_minutes=tier.next_response_minutes,
            public_reply_minutes=tier.public_reply_minutes,
            resolution_minutes=tier.resolution_minutes,
            handling_role=tier.handling_role,
            escalation_role=tier.escalation_role,
            warn_at_percent=tier.warn_at_percent,
            calendar=tier_calendar,
            name_en=tier.name_en,
        )

    tiers_by_code: dict[str, CustomerTierSpec] = {}
    for t in _scoped(CustomerTier, shop_id):
        tiers_by_code[t.code] = CustomerTierSpec(
            _ref(t),
            t.code,
            t.name,
            t.min_annual_spend,
            t.max_order_count,
            t.min_days_since_last_order,
            t.priority,
            name_en=t.name_en,
        )

    compliance = []
    for c in _scoped(ComplianceRule, shop_id):
        spec = build_compliance_spec(_ref(c), vars(c))
        if spec is not None:
            compliance.append(spec)
    compliance.sort(key=lambda c: (c.action != "block", c.ref.id))

    return {
        "stamp": stamp,
        "shop_id": shop_id,
        "issue_types": issue_types,
        "platform_rules": platform_rules,
        "classification": tuple(classification),
        "signals": tuple(signals),
        "sla_tiers": sla_tiers,
        "calendar": _calendar(shop_id),
        "customer_tiers": tuple(sorted(tiers_by_code.values(), key=lambda t: (t.priority, t.ref.id))),
        "compensation": _compensation(shop_id),
        "templates": tuple(_template(t) for t in _scoped(ReplyTemplate, shop_id)),
        "compliance": tuple(compliance),
        "follow_up_plans": _follow_up_plans(shop_id),
        "appeal_checklists": _appeal_checklists(shop_id),
        "contact_limits": list(_scoped(ContactLimit, shop_id)),
        "classification_regex": combine(r.regex for r in classification),
        "phrase_regex": combine(s.regex for s in signals if s.regex is not None),
    }


def _for_platform(shared: dict, platform: str) -> Policy:
    return Policy(
        platform=platform,
        shop_id=shared["shop_id"],
        platform_rule=shared["platform_rules"].get(platform),
        issue_types=shared["issue_types"],
        classification_rules=shared["classification"],
        malicious_signals=shared["signals"],
        sla_tiers=shared["sla_tiers"],
        calendar=shared["calendar"],
        customer_tiers=shared["customer_tiers"],
        compensation_rules=shared["compensation"],
        templates=tuple(t for t in shared["templates"] if t.platform in ("", platform)),
        compliance_rules=shared["compliance"],
        follow_up_plans=shared["follow_up_plans"],
        appeal_checklists=shared["appeal_checklists"].get(platform, ()),
        contact_limit=_contact_limit(shared["contact_limits"], platform),
        stamp=shared["stamp"],
        classification_regex=shared["classification_regex"],
        phrase_regex=shared["phrase_regex"],
    )


def _patterns(mode: str, text: str) -> list[str]:
    if mode == "regex":
        return [line.strip() for line in (text or "").splitlines() if line.strip()]
    return split_lines(text)


def _platform_rule(r: PlatformRule) -> PlatformRuleSpec:
    return PlatformRuleSpec(
        ref=RuleRef("platformrule", r.pk, r.version, _site_str(r)),
        platform=r.platform,
        case_rating_max=r.case_rating_max,
        revision_allowed=r.revision_allowed,
        revision_max_count=r.revision_max_count,
        revision_window_days=r.revision_window_days,
        revision_note=r.revision_note,
        reply_allowed=r.reply_allowed,
        reply_window_days=r.reply_window_days,
        reply_max_chars=r.reply_max_chars,
        reply_once=r.reply_once,
        reply_closed_after_append=r.reply_closed_after_append,
        appeal_allowed=r.appeal_allowed,
        appeal_window_days=r.appeal_window_days,
        may_request_revision=r.may_request_revision,
    )


def _calendar(shop_id) -> CalendarPolicy:
    calendar = None
    if shop_id is not None:
        calendar = BusinessCalendar.objects.filter(active=True, shop_id=shop_id).order_by("-pk").first()
    if calendar is None:
        calendar = BusinessCalendar.objects.filter(active=True, shop__isnull=True).order_by("-pk").first()
    if calendar is None:
        return CalendarPolicy(ref=None, name="", spec=ROUND_THE_CLOCK)
    return _calendar_policy(calendar)


def _calendar_policy(calendar: BusinessCalendar) -> CalendarPolicy:
    weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for hours in calendar.hours.all():
        weekly[hours.weekday].append(
            (time_to_minutes(hours.opens), time_to_minutes(hours.closes, closing=True))
        )
    holidays, workdays = set(), []
    for exc in calendar.exceptions.all():
        if exc.kind == ExceptionKind.HOLIDAY:
            holidays.add(exc.date)
        else:
            opens = time_to_minutes(exc.opens) if exc.opens is not None else 8 * 60
            closes = time_to_minutes(exc.closes, closing=True) if exc.closes is not None else 1440
            workdays.append((exc.date, ((opens, closes),)))
    spec = CalendarSpec(
        weekly=tuple(tuple(day) for day in weekly),
        holidays=frozenset(holidays),
        workdays=tuple(workdays),
        timezone=calendar.timezone or "Asia/Shanghai",
    )
    return CalendarPolicy(ref=_ref(calendar), name=calendar.name, spec=spec)


def _compensation(shop_id) -> tuple[CompensationRuleSpec, ...]:
    scope = Q(shop__isnull=True) if shop_id is None else Q(shop__isnull=True) | Q(shop_id=shop_id)
    rows = list(
        CompensationRule.objects.filter(scope, active=True)
        .select_related("customer_tier")
        .prefetch_related("options")
    )
    groups: dict[tuple, list] = {}
    for rule in rows:
        groups.setdefault(
            (rule.issue_type_id, rule.customer_tier.code if rule.customer_tier_id else None), []
        ).append(rule)
    chosen = []
    for members in groups.values():
        shop_rules = [r for r in members if r.shop_id is not None]
        chosen.extend(shop_rules or members)
    specs = [
        CompensationRuleSpec(
            ref=_ref(rule),
            name=rule.name,
            issue_type_id=rule.issue_type_id,
            customer_tier_code=rule.customer_tier.code if rule.customer_tier_id else None,
            amount_above=rule.amount_above,
            amount_up_to=rule.amount_up_to,
            priority=rule.priority,
            note=rule.note,
            options=tuple(
                CompensationOptionSpec(
                    id=o.pk,
                    name=o.name,
                    kind=o.kind,
                    formula=o.formula,
                    value=o.value,
                    extra_coupon=o.extra_coupon,
                    cost_cap=o.cost_cap,
                    clamp_to_cap=o.clamp_to_cap,
                    approval_role=o.approval_role,
                    always_requires_approval=o.always_requires_approval,
                    expected_acceptance=o.expected_acceptance,
                    sort_order=o.sort_order,
                )
                for o in sorted(rule.options.all(), key=lambda o: (o.sort_order, o.pk))
            ),
        )
        for rule in chosen
    ]
    return tuple(sorted(specs, key=lambda r: (r.priority, r.ref.id)))


def _template(t: ReplyTemplate) -> TemplateSpec:
    parts = tuple((literal, name) for literal, name, _spec, _conv in string.Formatter().parse(t.body or ""))
    return TemplateSpec(
        ref=_ref(t),
        name=t.name,
        channel=t.channel,
        stage=t.stage,
        platform=t.platform,
        issue_type_id=t.issue_type_id,
        language=t.language,
        body=t.body,
        source=t.source,
        active=t.active,
        is_shop=t.shop_id is not None,
        parts=parts,
        audience=t.audience,
        conditions=frozenset(split_codes(t.conditions)),
    )


def _follow_up_plans(shop_id) -> dict[str, FollowUpPlanSpec]:
    plans: dict[str, FollowUpPlanSpec] = {}
    rows = _scoped(FollowUpPlan, shop_id)
    steps_by_plan: dict[int, list] = {}
    for step in (
        FollowUpStep.objects.filter(plan__in=[p.pk for p in rows])
        .select_related("template")
        .order_by("offset_minutes", "pk")
    ):
        steps_by_plan.setdefault(step.plan_id, []).append(step)
    for plan in rows:  # global first, the shop's plan for the same event replaces it
        plans[plan.event] = FollowUpPlanSpec(
            ref=_ref(plan),
            name=plan.name,
            event=plan.event,
            steps=tuple(
                FollowUpStepSpec(
                    id=s.pk,
                    name=s.name,
                    offset_minutes=s.offset_minutes,
                    channel=s.channel,
                    template=_template(s.template) if s.template_id else None,
                    asks_for_revision=s.asks_for_revision,
                    instructions=s.instructions,
                )
                for s in steps_by_plan.get(plan.pk, ())
            ),
        )
    return plans


def _appeal_checklists(shop_id) -> dict[str, tuple[AppealChecklistSpec, ...]]:
    """platform -> its checklists in reason order; a shop's row replaces the global one of the same
    platform and reason."""
    chosen: dict[tuple[str, str], AppealChecklistSpec] = {}
    for c in _scoped(AppealChecklist, shop_id):  # global first: the shop's row replaces it
        chosen[(c.platform, c.reason)] = AppealChecklistSpec(
            ref=RuleRef("appealchecklist", c.pk, c.version, _site_str(c)),
            platform=c.platform,
            reason=c.reason,
            label=c.label,
            evidence=tuple(c.evidence_list),
            max_images=c.max_images,
            description_max_chars=c.description_max_chars,
            once_per_review=c.once_per_review,
            note=c.note,
        )
    order = {code: i for i, code in enumerate(AppealReason.values)}
    by_platform: dict[str, list[AppealChecklistSpec]] = {}
    for (platform, _reason), spec in sorted(
        chosen.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99))
    ):
        by_platform.setdefault(platform, []).append(spec)
    return {platform: tuple(specs) for platform, specs in by_platform.items()}


def _contact_limit(rows, platform) -> ContactLimitSpec | None:
    rows = [r for r in rows if r.platform in ("", platform)]
    if not rows:
        return None
    # Most specific wins: shop before global, then this platform before "every platform".
    best = min(rows, key=lambda r: (r.shop_id is None, r.platform == "", -r.pk))
    return ContactLimitSpec(
        ref=RuleRef("contactlimit", best.pk, best.version, _site_str(best)),
        platform=best.platform,
        max_attempts_per_case=best.max_attempts_per_case,
        min_minutes_between=best.min_minutes_between,
        quiet_start=best.quiet_start,
        quiet_end=best.quiet_end,
    )
