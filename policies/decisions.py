"""The engine's inputs and outputs: plain, immutable values with no model instances inside.

Callers build a ``ReviewFacts`` from whatever they hold (an import row, an API payload, a Case), the
loader builds a ``Policy`` snapshot of the active rules, and ``policies.engine.decide(facts, policy)``
returns a ``Decision``. Every part of a decision names the rules that made it (``RuleRef``: model,
id, version) and says why in words (``reason``), so a case can store it and a page can explain it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

# Ratings are normalised to 1–5: 好评 = 5, 中评 = 3, 差评 = 1 (Douyin's score is already 1–5).
RATING_LEVELS = {"good": 5, "neutral": 3, "bad": 1, "好评": 5, "中评": 3, "差评": 1}


@dataclass(frozen=True)
class RuleRef:
    model: str  # e.g. "slatier"
    id: int
    version: int
    name: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReviewFacts:
    platform: str
    rating: int  # 1–5
    text: str = ""
    appended_text: str = ""
    received_at: dt.datetime | None = None  # aware; when the review entered ReviewDesk (SLA start)
    reviewed_at: dt.datetime | None = None  # aware; when the buyer wrote it (platform windows start)
    order_amount: Decimal | None = None
    shipping_fee: Decimal | None = None
    annual_spend: Decimal | None = None
    order_count: int | None = None
    days_since_last_order: int | None = None
    # Counts the malicious signals need, computed by the caller over each signal's window
    # (keyed by window days), e.g. {30: 4} = four negative reviews from this IP in 30 days.
    negative_reviews_same_ip: dict[int, int] = field(default_factory=dict)
    negative_reviews_same_buyer: dict[int, int] = field(default_factory=dict)
    return_rate_percent: Decimal | None = None
    shop_id: int | None = None


@dataclass(frozen=True)
class Classification:
    opens_case: bool
    issue_type_id: int | None
    issue_type_code: str | None
    issue_type_name: str | None
    malicious: bool
    signals: tuple[str, ...]  # human-readable, one per signal that fired
    matched_keywords: tuple[str, ...]
    rules: tuple[RuleRef, ...]
    reason: str


@dataclass(frozen=True)
class SlaDecision:
    tier: RuleRef | None
    tier_name: str
    handling_role: str
    escalation_role: str
    warn_at_percent: int
    first_response_minutes: int
    next_response_minutes: int
    public_reply_minutes: int
    resolution_minutes: int
    first_response_due_at: dt.datetime | None
    public_reply_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    calendar: RuleRef | None
    reason: str
    # When the warning fires (warn_at_percent of each target, in business time); the case stores
    # them so the SLA sweep is a plain index scan. None when the clock has no start.
    first_response_warn_at: dt.datetime | None = None
    public_reply_warn_at: dt.datetime | None = None
    resolution_warn_at: dt.datetime | None = None
    tier_name_en: str = ""  # the tier's English name, where the pack has one (shown to English readers)
    # The peak season (policies CampaignPeriod) whose commitments and calendar timed this case, if any,
    # and the promise it shows buyers.
    campaign: RuleRef | None = None
    campaign_promise: str = ""


@dataclass(frozen=True)
class PlatformWindows:
    """Calendar (not business) deadlines the platform sets, counted from the review time."""

    revision_allowed: bool
    revision_until: dt.datetime | None
    reply_allowed: bool
    reply_until: dt.datetime | None
    reply_max_chars: int | None
    appeal_allowed: bool
    appeal_until: dt.datetime | None
    may_request_revision: bool
    rule: RuleRef | None


@dataclass(frozen=True)
class CompensationOffer:
    option_id: int
    rule: RuleRef
    name: str
    kind: str
    amount: Decimal  # CNY, two decimals, after formula and clamping
    extra_coupon: Decimal
    cost: Decimal  # amount + extra_coupon
    requires_approval: bool
    approval_role: str
    expected_acceptance: int | None
    reason: str
    # What the buyer gets and what it costs, in words: "¥10.00(补发 + 10.00元优惠券)", "¥18.00",
    # "非现金：道歉". A list shows this, never ``amount`` alone (a reship's amount is 0, its coupon is not).
    value_label: str = ""


@dataclass(frozen=True)
class ComplianceFinding:
    rule: RuleRef
    action: str  # "block" | "warn"
    matched: str  # the original text behind the match, as the agent typed it
    reason: str
    category: str = "other"
    cited_rule: str = ""
    start: int = 0  # span of ``matched`` in the checked text (end exclusive)
    end: int = 0

    def describe(self) -> str:
        return f"“{self.matched}”：{self.reason}"

    def as_dict(self) -> dict:
        return {
            "rule": self.rule.name,
            "category": self.category,
            "matched": self.matched,
            "reason": self.reason,
            "action": self.action,
            "cited_rule": self.cited_rule,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class ComplianceReport:
    findings: tuple[ComplianceFinding, ...]
    length: int
    max_length: int | None

    @property
    def blocking(self) -> tuple[ComplianceFinding, ...]:
        return tuple(f for f in self.findings if f.action == "block")

    @property
    def warnings(self) -> tuple[ComplianceFinding, ...]:
        return tuple(f for f in self.findings if f.action == "warn")

    @property
    def too_long(self) -> bool:
        return self.max_length is not None and self.length > self.max_length

    @property
    def blocked(self) -> bool:
        return bool(self.blocking) or self.too_long


@dataclass(frozen=True)
class RenderedTemplate:
    template: RuleRef
    name: str
    channel: str
    stage: str
    text: str
    compliance: ComplianceReport


@dataclass(frozen=True)
class FollowUpDecision:
    """One step of the follow-up plan as it applies on this platform (offset from the plan's event)."""

    step_id: int
    name: str
    offset_minutes: int
    channel: str
    template: RuleRef | None
    asks_for_revision: bool
    skipped: bool  # True when the step asks for a revision and the platform forbids asking
    reason: str


@dataclass(frozen=True)
class AppealReasonChecklist:
    """One reason the platform accepts (its code and the platform's name for it) and its evidence."""

    rule: RuleRef
    code: str  # policies.choices.AppealReason
    label: str
    evidence_required: tuple[str, ...]
    max_images: int | None
    description_max_chars: int | None
    once_per_review: bool
    note: str = ""


@dataclass(frozen=True)
class AppealDecision:
    """What a malicious-review appeal needs on this platform, and until when it may be filed.

    Without a chosen reason, ``evidence_required`` lists what any of the reasons needs (what to collect
    while the reason is open) and ``rule`` is None; with one, the fields are that reason's checklist."""

    rule: RuleRef | None  # the chosen reason's checklist; None when none is chosen or configured
    allowed: bool
    appeal_until: dt.datetime | None
    reason_types: tuple[str, ...]  # the platform's names of its reasons
    evidence_required: tuple[str, ...]
    max_images: int | None
    description_max_chars: int | None
    once_per_review: bool
    reason: str
    reasons: tuple[AppealReasonChecklist, ...] = ()
    chosen: AppealReasonChecklist | None = None


@dataclass(frozen=True)
class ContactLimitDecision:
    rule: RuleRef
    max_attempts_per_case: int
    min_minutes_between: int
    quiet_start: dt.time
    quiet_end: dt.time


@dataclass(frozen=True)
class Decision:
    facts: ReviewFacts
    customer_tier: str | None
    customer_tier_rule: RuleRef | None
    classification: Classification
    sla: SlaDecision | None  # None when no case opens
    windows: PlatformWindows
    compensation: tuple[CompensationOffer, ...]
    templates: tuple[RenderedTemplate, ...]
    reasons: tuple[str, ...]
    compensation_reason: str = ""
    follow_up_plan: RuleRef | None = None
    follow_ups: tuple[FollowUpDecision, ...] = ()
    appeal: AppealDecision | None = None  # only for a malicious case
    contact_limit: ContactLimitDecision | None = None

    @property
    def rule_refs(self) -> list[RuleRef]:
        """Every rule that contributed, for storing on the case as 'the policy versions used'."""
        refs: list[RuleRef] = list(self.classification.rules)
        for ref in (
            self.customer_tier_rule,
            self.windows.rule,
            self.sla.tier if self.sla else None,
            self.sla.calendar if self.sla else None,
            self.sla.campaign if self.sla else None,
        ):
            if ref:
                refs.append(ref)
        refs.extend(offer.rule for offer in self.compensation)
        refs.extend(t.template for t in self.templates)
        for ref in (
            self.follow_up_plan,
            self.appeal.rule if self.appeal else None,
            self.contact_limit.rule if self.contact_limit else None,
        ):
            if ref:
                refs.append(ref)
        unique: dict[tuple[str, int], RuleRef] = {(r.model, r.id): r for r in refs}
        return list(unique.values())


@dataclass(frozen=True)
class TemplateSample:
    """A real case a reply template is previewed against (policies.hooks.template_samples)."""

    case_id: int
    label: str  # e.g. "#12 淘宝旗舰店 · 订单 T1001"
    url: str  # the case page
    shop_id: int
    platform: str
    issue_type_id: int | None
    malicious: bool
    facts: frozenset[str]  # TemplateCondition codes true of the case
    context: dict  # whitelisted placeholder values
