"""Load ONE snapshot of the active rules for a shop (or none) on a platform: ``load_policy``.

The snapshot (``policies.engine.policy.Policy``) holds plain frozen dataclasses with precompiled
regular expressions; the engine reads nothing else, so ``decide()`` runs zero queries.

Layers. A rule with a shop applies to that shop only; a rule with a client (品牌方) to every shop of
that client; a rule with neither is the global default (``policies.layers``). The layers are applied
in order global → client → shop, each more specific layer overriding the ones before it exactly as
a shop overrides the global default (a shop without a client has only two layers):

* **replace** — the more specific row replaces the less specific one with the same natural key:
  platform rule (by platform); SLA tier (by issue type, the fallback tier by "no issue type");
  business calendar (the most specific active calendar); customer tier (by code); compensation
  rules (by group = issue type × customer-tier code: the most specific layer with an active rule in
  a group replaces all rules of the other layers in that group); follow-up plan (by event); appeal
  checklist (by platform); contact limit (by platform; a more specific layer's row for every
  platform beats a less specific layer's row for this platform).
* **add** — classification rules, malicious signals, compliance rules and reply templates of every
  layer are added together (the engine prefers the more specific layer's template of the same stage
  and channel, and a more specific classification rule at the same priority).

Each rule's layer is kept in the snapshot (``Policy.rule_layers``) so that an explanation can say
which layer decided it. Every layer costs no query of its own: a model's global rows are one query,
its client's and shop's rows together one more.

Issue types are global (shops override the rules that use them, not the taxonomy).

Caching. Snapshots are cached per process, keyed by (shop id, its client id, platform), and revalidated on every
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
    Policy,
    SlaTierSpec,
    TemplateSpec,
    combine,
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
from reviewdesk.choices import Platform

__all__ = ["active_campaign", "clear_policy_cache", "load_policy", "policy_stamp"]

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


def load_policy(*, shop=None, platform: str, client=None) -> Policy:
    """The active rules for ``shop`` (a Shop or None for the global defaults) on ``platform``; without a
    shop, ``client`` (a Client) asks for that client's layer over the global rules (what a rule of the
    client's layer is checked against)."""
    shop_id = shop.pk if shop is not None else None
    if shop is not None:
        client_id = getattr(shop, "client_id", None)
    else:
        client_id = client.pk if client is not None else None
    stamp = policy_stamp()
    key = (shop_id, client_id, platform)
    cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    # The platform-independent part is shared by the five platforms of one shop.
    shared = _cache.get(("shared", shop_id, client_id))
    if shared is None or shared["stamp"] != stamp:
        shared = _load_shared(shop_id=shop_id, client_id=client_id, stamp=stamp)
    policy = _for_platform(shared, platform)
    with _lock:
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[("shared", shop_id, client_id)] = shared
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


class _Layers:
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


def _scoped(model, layers: _Layers, **filters):
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


def _load_shared(*, shop_id, client_id=None, stamp) -> dict:
    layers = _Layers(shop_id, client_id)
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
    for row in _scoped(PlatformRule, layers):  # global first: the client's, then the shop's row replace it
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
                layer=rank_of(r),
            )
            for r in _scoped(ClassificationRule, layers)
        ),
        key=lambda r: (r.priority, -r.layer, r.ref.id),
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
        for s in _scoped(MaliciousSignal, layers)
    ]

    calendars: dict[int, CalendarPolicy | None] = {}
    sla_tiers: dict[int | None, SlaTierSpec] = {}
    for tier in _scoped(SlaTier, layers):
        tier_calendar = None
        if tier.calendar_id:
            if tier.calendar_id not in calendars:
                cal = BusinessCalendar.objects.filter(pk=tier.calendar_id, active=True).first()
                calendars[tier.calendar_id] = _calendar_policy(cal) if cal else None
                layers.note([cal] if cal else [])
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
    for t in _scoped(CustomerTier, layers):
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
    for c in _scoped(ComplianceRule, layers):
        spec = build_compliance_spec(_ref(c), vars(c))
        if spec is not None:
            compliance.append(spec)
    compliance.sort(key=lambda c: (c.action != "block", c.ref.id))

    calendar = _calendar(layers)
    compensation = _compensation(layers)
    templates = tuple(_template(t) for t in _scoped(ReplyTemplate, layers))
    follow_up_plans = _follow_up_plans(layers)
    appeal_checklists = _appeal_checklists(layers)
    contact_limits = list(_scoped(ContactLimit, layers))
    campaigns = _campaigns(layers, {})
    return {
        "stamp": stamp,
        "shop_id": shop_id,
        "client_id": client_id,
        "rule_layers": dict(layers.seen),
        "issue_types": issue_types,
        "platform_rules": platform_rules,
        "classification": tuple(classification),
        "signals": tuple(signals),
        "sla_tiers": sla_tiers,
        "calendar": calendar,
        "customer_tiers": tuple(sorted(tiers_by_code.values(), key=lambda t: (t.priority, t.ref.id))),
        "compensation": compensation,
        "templates": templates,
        "compliance": tuple(compliance),
        "follow_up_plans": follow_up_plans,
        "appeal_checklists": appeal_checklists,
        "contact_limits": contact_limits,
        "campaigns": campaigns,
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
        client_id=shared["client_id"],
        rule_layers=shared["rule_layers"],
        classification_regex=shared["classification_regex"],
        phrase_regex=shared["phrase_regex"],
        campaigns=shared["campaigns"],
    )


def active_campaign(*, shop, at, platform: str = ""):
    """The peak season (``CampaignSpec``) in force for ``shop`` at ``at``, or None: what prevention tasks
    and pages ask; the SLA of a new case applies it through the engine (``policies.engine.timing``)."""
    # Peak seasons are platform-independent (the snapshot's shared part): any platform's snapshot has them.
    return load_policy(shop=shop, platform=platform or Platform.TAOBAO).campaign_at(at)


def _patterns(mode: str, text: str) -> list[str]:
    if mode == "regex":
        return [line.strip() for line in (text or "").splitlines() if line.strip()]
    return split_lines(text)


def _campaigns(layers: _Layers, calendars: dict) -> tuple[CampaignSpec, ...]:
    """The active peak seasons of every layer (the engine picks the most specific one covering a moment);
    their commitments in one query, each staffing calendar read once."""
    rows = _scoped(CampaignPeriod, layers)
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
            if row.calendar_id not in calendars:
                cal = BusinessCalendar.objects.filter(pk=row.calendar_id).first()
                calendars[row.calendar_id] = _calendar_policy(cal) if cal else None
                layers.note([cal] if cal else [])
            calendar = calendars[row.calendar_id]
        specs.append(
            CampaignSpec(
                ref=_ref(row),
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


def _calendar(layers: _Layers) -> CalendarPolicy:
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


def _compensation(layers: _Layers) -> tuple[CompensationRuleSpec, ...]:
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
        layer=rank_of(t),
        parts=parts,
        audience=t.audience,
        conditions=frozenset(split_codes(t.conditions)),
    )


def _follow_up_plans(layers: _Layers) -> dict[str, FollowUpPlanSpec]:
    plans: dict[str, FollowUpPlanSpec] = {}
    rows = _scoped(FollowUpPlan, layers)
    steps_by_plan: dict[int, list] = {}
    for step in (
        FollowUpStep.objects.filter(plan__in=[p.pk for p in rows])
        .select_related("template")
        .order_by("offset_minutes", "pk")
    ):
        steps_by_plan.setdefault(step.plan_id, []).append(step)
    for plan in rows:  # global first, the client's then the shop's plan for the same event replace it
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


def _appeal_checklists(layers: _Layers) -> dict[str, tuple[AppealChecklistSpec, ...]]:
    """platform -> its checklists in reason order; a more specific layer's row replaces the less
    specific one of the same platform and reason."""
    chosen: dict[tuple[str, str], AppealChecklistSpec] = {}
    for c in _scoped(AppealChecklist, layers):  # global first: the client's, then the shop's replace it
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
    # Most specific wins: shop before client before global, then this platform before "every platform".
    best = min(rows, key=lambda r: (-rank_of(r), r.platform == "", -r.pk))
    return ContactLimitSpec(
        ref=RuleRef("contactlimit", best.pk, best.version, _site_str(best)),
        platform=best.platform,
        max_attempts_per_case=best.max_attempts_per_case,
        min_minutes_between=best.min_minutes_between,
        quiet_start=best.quiet_start,
        quiet_end=best.quiet_end,
    )
