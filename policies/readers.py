"""The loader's readers: for one kind of rule, its active rows of every layer → its frozen specs.

``policies.loader`` calls them in turn to build a snapshot's shared part (``_load_shared``) and its
per-platform part (``_for_platform``); the replace-or-add rule of each kind is in the loader's docstring
and carried out here. Every reader notes the layer of each row it used in ``Layers`` (``Policy.rule_layers``)
and costs the same queries whatever the number of layers (``scoped``: the global rows, then the client's
and the shop's together). They read models and build specs only: no cache, no stamp, no engine.
"""

from __future__ import annotations

import string

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from policies.business_time import ROUND_THE_CLOCK, CalendarSpec, time_to_minutes
from policies.choices import AppealReason, ExceptionKind, SignalKind
from policies.compliance.match import build_spec as build_compliance_spec
from policies.decisions import RuleRef
from policies.engine.policy import (
    AppealChecklistSpec,
    CalendarPolicy,
    CampaignCommitmentSpec,
    CampaignSpec,
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
    SlaTierSpec,
    TemplateSpec,
    compile_patterns,
)
from policies.layers import layer_of, rank_of
from policies.models import (
    AppealChecklist,
    BusinessCalendar,
    CampaignCommitment,
    CampaignPeriod,
    ClassificationRule,
    CompensationRule,
    ComplianceRule,
    CustomerTier,
    FollowUpPlan,
    FollowUpStep,
    IssueType,
    MaliciousSignal,
    PlatformRule,
    ReplyTemplate,
    SlaTier,
)
from policies.models.base import split_codes, split_lines


def rule_ref(obj) -> RuleRef:
    # A row without a name is named by its __str__, in the site's language whatever the loader's: the
    # ref is part of the stored decision, whose digest must not depend on who imported (issue #15 §8).
    name = obj.name if hasattr(obj, "name") else site_str(obj)
    return RuleRef(model=obj._meta.model_name, id=obj.pk, version=getattr(obj, "version", 1), name=str(name))


def site_str(obj) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(obj)


class Layers:
    """Whose rows one snapshot reads (the shop and its client) and the layer of every row it read."""

    def __init__(self, shop_id, client_id):
        self.shop_id, self.client_id = shop_id, client_id
        self.seen: dict[tuple[str, int], tuple[str, int | None]] = {}

    def note(self, rows):
        for row in rows:
            self.seen[(row._meta.model_name, row.pk)] = layer_of(row)
        return rows

    def specific(self) -> Q | None:
        """The client's and the shop's rows (None: the global defaults only)."""
        q = Q(shop_id=self.shop_id) if self.shop_id is not None else None
        if self.client_id is not None:
            q = (
                q | Q(client_id=self.client_id, shop__isnull=True)
                if q is not None
                else Q(client_id=self.client_id)
            )
        return q


def scoped(model, layers: Layers, **filters):
    """Active global rows first, then the client's, then the shop's, so later rows override earlier
    ones by key (two queries at most, whatever the number of layers)."""
    rows = list(
        model.objects.filter(active=True, shop__isnull=True, client__isnull=True, **filters).order_by("pk")
    )
    specific = layers.specific()
    if specific is not None:
        more = list(model.objects.filter(specific, active=True, **filters).order_by("pk"))
        rows += sorted(more, key=lambda row: (rank_of(row), row.pk))
    return layers.note(rows)


def patterns_of(mode: str, text: str) -> list[str]:
    if mode == "regex":
        return [line.strip() for line in (text or "").splitlines() if line.strip()]
    return split_lines(text)


def issue_type_specs() -> dict[int, IssueTypeSpec]:
    """Every active issue type by id (the taxonomy is global: no layers)."""
    return {
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


def platform_rule_specs(layers: Layers) -> dict[str, PlatformRuleSpec]:
    """platform → its rule (replace by platform)."""
    platform_rules = {}
    for row in scoped(PlatformRule, layers):  # global first: the client's, then the shop's row replace it
        platform_rules[row.platform] = platform_rule_spec(row)
    return platform_rules


def classification_specs(layers: Layers, issue_types: dict) -> list[ClassificationRuleSpec]:
    """The usable classification rules of every layer (add), by priority, the more specific layer first."""
    classification = sorted(
        (
            ClassificationRuleSpec(
                ref=rule_ref(r),
                name=r.name,
                issue_type_id=r.issue_type_id if r.issue_type_id in issue_types else None,
                regex=compile_patterns(r.match_mode, patterns_of(r.match_mode, r.patterns)),
                rating_max=r.rating_max,
                opens_case=r.opens_case,
                priority=r.priority,
                is_shop=r.shop_id is not None,
                layer=rank_of(r),
            )
            for r in scoped(ClassificationRule, layers)
        ),
        key=lambda r: (r.priority, -r.layer, r.ref.id),
    )
    return [r for r in classification if r.regex is not None and (r.issue_type_id or r.opens_case)]


def signal_specs(layers: Layers) -> list[MaliciousSignalSpec]:
    """The malicious signals of every layer (add)."""
    return [
        MaliciousSignalSpec(
            ref=rule_ref(s),
            name=s.name,
            kind=s.kind,
            regex=compile_patterns(s.match_mode, patterns_of(s.match_mode, s.patterns))
            if s.kind == SignalKind.PHRASE
            else None,
            threshold=s.threshold,
            window_days=s.window_days,
        )
        for s in scoped(MaliciousSignal, layers)
    ]


def _calendar_once(calendars: dict, layers: Layers, calendar_id: int, **filters) -> CalendarPolicy | None:
    """The calendar ``calendar_id`` read once per snapshot (None: no such calendar among ``filters``)."""
    if calendar_id not in calendars:
        cal = BusinessCalendar.objects.filter(pk=calendar_id, **filters).first()
        calendars[calendar_id] = calendar_policy(cal) if cal else None
        layers.note([cal] if cal else [])
    return calendars[calendar_id]


def sla_tier_specs(layers: Layers) -> dict[int | None, SlaTierSpec]:
    """issue type id (None: the fallback tier) → its tier (replace by issue type), each tier's own active
    calendar read once."""
    calendars: dict[int, CalendarPolicy | None] = {}
    sla_tiers: dict[int | None, SlaTierSpec] = {}
    for tier in scoped(SlaTier, layers):
        tier_calendar = None
        if tier.calendar_id:
            tier_calendar = _calendar_once(calendars, layers, tier.calendar_id, active=True)
        sla_tiers[tier.issue_type_id] = SlaTierSpec(
            ref=rule_ref(tier),
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
    return sla_tiers


def customer_tier_specs(layers: Layers) -> tuple[CustomerTierSpec, ...]:
    """The customer tiers (replace by code), by priority."""
    tiers_by_code: dict[str, CustomerTierSpec] = {}
    for t in scoped(CustomerTier, layers):
        tiers_by_code[t.code] = CustomerTierSpec(
            rule_ref(t),
            t.code,
            t.name,
            t.min_annual_spend,
            t.max_order_count,
            t.min_days_since_last_order,
            t.priority,
            name_en=t.name_en,
        )
    return tuple(sorted(tiers_by_code.values(), key=lambda t: (t.priority, t.ref.id)))


def compliance_specs(layers: Layers) -> tuple:
    """The compliance rules of every layer (add), the blocking ones first."""
    compliance = []
    for c in scoped(ComplianceRule, layers):
        spec = build_compliance_spec(rule_ref(c), vars(c))
        if spec is not None:
            compliance.append(spec)
    compliance.sort(key=lambda c: (c.action != "block", c.ref.id))
    return tuple(compliance)


def campaign_specs(layers: Layers, calendars: dict) -> tuple[CampaignSpec, ...]:
    """The active peak seasons of every layer (the engine picks the most specific one covering a moment);
    their commitments in one query, each staffing calendar read once."""
    rows = scoped(CampaignPeriod, layers)
    if not rows:
        return ()
    commitments: dict[int, list[CampaignCommitmentSpec]] = {}
    for c in CampaignCommitment.objects.filter(campaign__in=[r.pk for r in rows]):
        commitments.setdefault(c.campaign_id, []).append(
            CampaignCommitmentSpec(
                issue_type_id=c.issue_type_id,
                first_response_minutes=c.first_response_minutes,
                public_reply_minutes=c.public_reply_minutes,
                resolution_minutes=c.resolution_minutes,
            )
        )
    specs = []
    for row in rows:
        calendar = None
        if row.calendar_id:
            # A staffing calendar need not be its layer's active (everyday) calendar: it is used only
            # inside the period, so an inactive one counts too.
            calendar = _calendar_once(calendars, layers, row.calendar_id)
        specs.append(
            CampaignSpec(
                ref=rule_ref(row),
                name=row.name,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                buyer_promise=row.buyer_promise,
                calendar=calendar,
                commitments=tuple(commitments.get(row.pk, ())),
                layer=rank_of(row),
                name_en=row.name_en,
            )
        )
    return tuple(sorted(specs, key=lambda c: (c.starts_at, c.ref.id)))


def platform_rule_spec(r: PlatformRule) -> PlatformRuleSpec:
    return PlatformRuleSpec(
        ref=RuleRef("platformrule", r.pk, r.version, site_str(r)),
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


def active_calendar(layers: Layers) -> CalendarPolicy:
    """The most specific active calendar: the shop's, else its client's, else the global one."""
    calendar = None
    specific = layers.specific()
    if specific is not None:
        found = list(BusinessCalendar.objects.filter(specific, active=True))
        calendar = max(found, key=lambda c: (rank_of(c), c.pk), default=None)
    if calendar is None:
        calendar = (
            BusinessCalendar.objects.filter(active=True, shop__isnull=True, client__isnull=True)
            .order_by("-pk")
            .first()
        )
    if calendar is None:
        return CalendarPolicy(ref=None, name="", spec=ROUND_THE_CLOCK)
    layers.note([calendar])
    return calendar_policy(calendar)


def calendar_policy(calendar: BusinessCalendar) -> CalendarPolicy:
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
    return CalendarPolicy(ref=rule_ref(calendar), name=calendar.name, spec=spec)


def compensation_specs(layers: Layers) -> tuple[CompensationRuleSpec, ...]:
    scope = Q(shop__isnull=True, client__isnull=True)
    specific = layers.specific()
    if specific is not None:
        scope |= specific
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
    for members in groups.values():  # the most specific layer with a rule in the group replaces the others
        top = max(rank_of(r) for r in members)
        chosen.extend(r for r in members if rank_of(r) == top)
    layers.note(chosen)
    specs = [
        CompensationRuleSpec(
            ref=rule_ref(rule),
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


def template_spec(t: ReplyTemplate) -> TemplateSpec:
    parts = tuple((literal, name) for literal, name, _spec, _conv in string.Formatter().parse(t.body or ""))
    return TemplateSpec(
        ref=rule_ref(t),
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
        layer=rank_of(t),
        parts=parts,
        audience=t.audience,
        conditions=frozenset(split_codes(t.conditions)),
    )


def follow_up_plan_specs(layers: Layers) -> dict[str, FollowUpPlanSpec]:
    plans: dict[str, FollowUpPlanSpec] = {}
    rows = scoped(FollowUpPlan, layers)
    steps_by_plan: dict[int, list] = {}
    for step in (
        FollowUpStep.objects.filter(plan__in=[p.pk for p in rows])
        .select_related("template")
        .order_by("offset_minutes", "pk")
    ):
        steps_by_plan.setdefault(step.plan_id, []).append(step)
    for plan in rows:  # global first, the client's then the shop's plan for the same event replace it
        plans[plan.event] = FollowUpPlanSpec(
            ref=rule_ref(plan),
            name=plan.name,
            event=plan.event,
            steps=tuple(
                FollowUpStepSpec(
                    id=s.pk,
                    name=s.name,
                    offset_minutes=s.offset_minutes,
                    channel=s.channel,
                    template=template_spec(s.template) if s.template_id else None,
                    asks_for_revision=s.asks_for_revision,
                    instructions=s.instructions,
                )
                for s in steps_by_plan.get(plan.pk, ())
            ),
        )
    return plans


def appeal_checklist_specs(layers: Layers) -> dict[str, tuple[AppealChecklistSpec, ...]]:
    """platform -> its checklists in reason order; a more specific layer's row replaces the less
    specific one of the same platform and reason."""
    chosen: dict[tuple[str, str], AppealChecklistSpec] = {}
    for c in scoped(AppealChecklist, layers):  # global first: the client's, then the shop's replace it
        chosen[(c.platform, c.reason)] = AppealChecklistSpec(
            ref=RuleRef("appealchecklist", c.pk, c.version, site_str(c)),
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


def contact_limit_spec(rows, platform) -> ContactLimitSpec | None:
    rows = [r for r in rows if r.platform in ("", platform)]
    if not rows:
        return None
    # Most specific wins: shop before client before global, then this platform before "every platform".
    best = min(rows, key=lambda r: (-rank_of(r), r.platform == "", -r.pk))
    return ContactLimitSpec(
        ref=RuleRef("contactlimit", best.pk, best.version, site_str(best)),
        platform=best.platform,
        max_attempts_per_case=best.max_attempts_per_case,
        min_minutes_between=best.min_minutes_between,
        quiet_start=best.quiet_start,
        quiet_end=best.quiet_end,
    )
