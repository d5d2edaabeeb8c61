"""The policy snapshot the engine reads: plain frozen values built once by ``policies.loader``.

Nothing here touches the database or a model instance, so ``decide()`` runs zero queries. Regular
expressions are compiled once per snapshot: each rule keeps its own pattern, and each rule set keeps
one combined pattern used as a fast "does anything match at all?" filter.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from policies.business_time import CalendarSpec
from policies.decisions import RuleRef


def compile_patterns(mode: str, patterns: list[str] | tuple[str, ...]) -> re.Pattern | None:
    """One pattern for a rule: keywords are matched literally, regex lines as written (any line)."""
    if not patterns:
        return None
    if mode == "regex":
        source = "|".join(f"(?:{p})" for p in patterns)
    else:
        source = "|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True))
    return re.compile(source, re.IGNORECASE)


def combine(patterns) -> re.Pattern | None:
    """The union of several compiled rule patterns: a prefilter, never used to tell rules apart."""
    sources = [p.pattern for p in patterns if p is not None]
    if not sources:
        return None
    return re.compile("|".join(f"(?:{s})" for s in sources), re.IGNORECASE)


@dataclass(frozen=True)
class PlatformRuleSpec:
    ref: RuleRef
    platform: str
    case_rating_max: int
    revision_allowed: bool
    revision_max_count: int
    revision_window_days: int
    revision_note: str
    reply_allowed: bool
    reply_window_days: int | None
    reply_max_chars: int | None
    reply_once: bool
    reply_closed_after_append: bool
    appeal_allowed: bool
    appeal_window_days: int | None
    may_request_revision: bool


@dataclass(frozen=True)
class IssueTypeSpec:
    id: int
    code: str
    name: str
    name_en: str
    is_malicious: bool
    is_fallback: bool
    compensable: bool
    sort_order: int
    buyer_label: str = ""  # what {issue} says to the buyer; "" = the generic wording

    def label(self, language: str = "zh-hans") -> str:
        return self.name_en if language.startswith("en") and self.name_en else self.name


@dataclass(frozen=True)
class ClassificationRuleSpec:
    ref: RuleRef
    name: str
    issue_type_id: int | None
    regex: re.Pattern | None
    rating_max: int | None
    opens_case: bool
    priority: int
    is_shop: bool = False
    layer: int = 0  # policies.layers: 0 global, 1 a client's, 2 a shop's (the more specific first)


@dataclass(frozen=True)
class MaliciousSignalSpec:
    ref: RuleRef
    name: str
    kind: str  # policies.choices.SignalKind
    regex: re.Pattern | None
    threshold: Decimal | None
    window_days: int | None


@dataclass(frozen=True)
class CalendarPolicy:
    ref: RuleRef | None  # None = no calendar configured: plain clock time
    name: str
    spec: CalendarSpec


@dataclass(frozen=True)
class SlaTierSpec:
    ref: RuleRef
    issue_type_id: int | None  # None = the fallback tier
    name: str
    first_response_minutes: int
    next_response_minutes: int
    public_reply_minutes: int
    resolution_minutes: int
    handling_role: str
    escalation_role: str
    warn_at_percent: int
    calendar: CalendarPolicy | None  # None = the policy's calendar
    name_en: str = ""  # shown to an English reader (reasons render it at read time)


@dataclass(frozen=True)
class CampaignCommitmentSpec:
    issue_type_id: int | None  # None = every issue type without its own commitment
    first_response_minutes: int | None  # None = the tier's own
    public_reply_minutes: int | None
    resolution_minutes: int | None


@dataclass(frozen=True)
class CampaignSpec:
    """A peak season (双11 …): cases opened in [starts_at, ends_at) get its commitments and calendar."""

    ref: RuleRef
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    buyer_promise: str
    calendar: CalendarPolicy | None  # the staffing calendar of the period; None = the usual one
    commitments: tuple[CampaignCommitmentSpec, ...]
    layer: int = 0  # policies.layers: 0 global, 1 a client's, 2 a shop's (the more specific wins)
    name_en: str = ""

    def covers(self, at: dt.datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def commitment_for(self, issue_type_id: int | None) -> CampaignCommitmentSpec | None:
        """The issue type's own commitment, else the one for every type, else None."""
        by_type = {c.issue_type_id: c for c in self.commitments}
        return by_type.get(issue_type_id) if issue_type_id in by_type else by_type.get(None)


@dataclass(frozen=True)
class CustomerTierSpec:
    ref: RuleRef
    code: str
    name: str
    min_annual_spend: Decimal | None
    max_order_count: int | None
    min_days_since_last_order: int | None
    priority: int
    name_en: str = ""  # shown to an English reader (reasons render it at read time)


@dataclass(frozen=True)
class CompensationOptionSpec:
    id: int
    name: str
    kind: str
    formula: str
    value: Decimal
    extra_coupon: Decimal
    cost_cap: Decimal | None
    clamp_to_cap: bool
    approval_role: str
    always_requires_approval: bool
    expected_acceptance: int | None
    sort_order: int


@dataclass(frozen=True)
class CompensationRuleSpec:
    ref: RuleRef
    name: str
    issue_type_id: int | None
    customer_tier_code: str | None
    amount_above: Decimal | None
    amount_up_to: Decimal | None
    priority: int
    note: str
    options: tuple[CompensationOptionSpec, ...]

    @property
    def banded(self) -> bool:
        return self.amount_above is not None or self.amount_up_to is not None

    def contains(self, amount: Decimal | None) -> bool:
        if amount is None:
            return not self.banded
        low_ok = amount >= 0 if self.amount_above is None else amount > self.amount_above
        return low_ok and (self.amount_up_to is None or amount <= self.amount_up_to)

    @property
    def band_label(self) -> str:
        low = f"{self.amount_above}" if self.amount_above is not None else "0"
        high = f"{self.amount_up_to}" if self.amount_up_to is not None else "∞"
        return f"({low}, {high}]"


@dataclass(frozen=True)
class TemplateSpec:
    ref: RuleRef
    name: str
    channel: str
    stage: str
    platform: str  # "" = every platform
    issue_type_id: int | None
    language: str
    body: str
    source: str
    active: bool = True
    is_shop: bool = False
    layer: int = 0  # policies.layers: 0 global, 1 a client's, 2 a shop's (the more specific preferred)
    # The body parsed once: (literal text, placeholder name or None) pairs.
    parts: tuple[tuple[str, str | None], ...] = ()
    audience: str = "normal"  # policies.choices.TemplateAudience
    conditions: frozenset[str] = frozenset()  # policies.choices.TemplateCondition, all required


@dataclass(frozen=True)
class ComplianceRuleSpec:
    """A compliance rule as ``policies.compliance.match`` applies it to the normalised text."""

    ref: RuleRef
    name: str
    platforms: frozenset[str]  # empty = every platform
    channels: frozenset[str]  # empty = every channel
    regex: re.Pattern | None  # phrases and regex kinds
    action: str  # "block" | "warn", unless platform_actions names the platform
    reason: str
    category: str = "other"
    cited_rule: str = ""
    # The combination kind: a term of each set within ``distance`` characters, either order.
    terms_a: re.Pattern | None = None
    terms_b: re.Pattern | None = None
    distance: int = 0
    platform_actions: tuple[tuple[str, str], ...] = ()

    def applies(self, platform: str, channel: str) -> bool:
        return (not self.platforms or platform in self.platforms) and (
            not self.channels or channel in self.channels
        )

    def action_for(self, platform: str) -> str:
        return dict(self.platform_actions).get(platform, self.action)


@dataclass(frozen=True)
class FollowUpStepSpec:
    id: int
    name: str
    offset_minutes: int
    channel: str
    template: TemplateSpec | None
    asks_for_revision: bool
    instructions: str


@dataclass(frozen=True)
class FollowUpPlanSpec:
    ref: RuleRef
    name: str
    event: str
    steps: tuple[FollowUpStepSpec, ...]


@dataclass(frozen=True)
class AppealChecklistSpec:
    """The evidence one platform wants for an appeal for one reason."""

    ref: RuleRef
    platform: str
    reason: str  # policies.choices.AppealReason
    label: str  # the platform's name for the reason
    evidence: tuple[str, ...]
    max_images: int | None
    description_max_chars: int | None
    once_per_review: bool
    note: str = ""


@dataclass(frozen=True)
class ContactLimitSpec:
    ref: RuleRef
    platform: str
    max_attempts_per_case: int
    min_minutes_between: int
    quiet_start: dt.time
    quiet_end: dt.time


@dataclass(frozen=True)
class Policy:
    """The active rules for one shop (or none) on one platform, with the client's and the shop's
    overrides applied. ``rule_layers`` says which layer each rule comes from: (model name, id) →
    (``policies.layers`` kind, the client's or the shop's id, None for a global rule)."""

    platform: str
    shop_id: int | None
    platform_rule: PlatformRuleSpec | None
    issue_types: dict[int, IssueTypeSpec]
    classification_rules: tuple[ClassificationRuleSpec, ...]  # by priority
    malicious_signals: tuple[MaliciousSignalSpec, ...]
    sla_tiers: dict[int | None, SlaTierSpec]  # issue type id -> tier; None -> fallback tier
    calendar: CalendarPolicy
    customer_tiers: tuple[CustomerTierSpec, ...]  # by priority
    compensation_rules: tuple[CompensationRuleSpec, ...]  # by priority
    templates: tuple[TemplateSpec, ...]  # active templates for this platform
    compliance_rules: tuple[ComplianceRuleSpec, ...]  # every platform; filtered per check
    follow_up_plans: dict[str, FollowUpPlanSpec]  # event -> plan
    appeal_checklists: tuple[AppealChecklistSpec, ...]  # this platform's, one per reason
    contact_limit: ContactLimitSpec | None
    stamp: tuple = ()
    client_id: int | None = None
    rule_layers: dict = field(default_factory=dict, compare=False, repr=False)
    classification_regex: re.Pattern | None = None
    phrase_regex: re.Pattern | None = None
    campaigns: tuple[CampaignSpec, ...] = ()  # every active peak season of the shop's layers, by start
    # (platform, channel) -> the rules that apply; filled lazily by check_compliance.
    compliance_cache: dict = field(default_factory=dict, compare=False, repr=False)
    # Parts of decisions that depend only on the rules (and a few inputs), computed once per
    # snapshot: the SLA wording, offers for a given amount, rendered default templates …
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key, compute):
        value = self.memo.get(key)
        if value is None:
            if len(self.memo) > 20_000:  # amounts vary per row; keep the memo bounded
                self.memo.clear()
            value = self.memo[key] = compute()
        return value

    def campaign_at(self, at: dt.datetime | None) -> CampaignSpec | None:
        """The peak season in force at ``at``: of the periods covering it, the most specific layer's
        (a layer refuses overlapping periods of its own)."""
        if at is None or not self.campaigns:
            return None
        covering = [c for c in self.campaigns if c.covers(at)]
        return max(covering, key=lambda c: (c.layer, c.starts_at, c.ref.id), default=None)

    @property
    def fallback_issue_type(self) -> IssueTypeSpec | None:
        return next((t for t in self.issue_types.values() if t.is_fallback), None)

    @property
    def malicious_issue_type(self) -> IssueTypeSpec | None:
        return next((t for t in self.issue_types.values() if t.is_malicious), None)

    def appeal_checklist(self, reason: str) -> AppealChecklistSpec | None:
        """The checklist for ``reason``: its code (``extortion``) or the platform's name for it."""
        reason = (reason or "").strip()
        return next((c for c in self.appeal_checklists if c.reason == reason), None) or next(
            (c for c in self.appeal_checklists if c.label == reason), None
        )
