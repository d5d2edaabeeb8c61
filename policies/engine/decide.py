"""``decide(facts, policy)``: the whole answer for one review, from a snapshot, with zero queries."""

from __future__ import annotations

from django.utils.translation import get_language

from policies.decisions import AppealDecision, ContactLimitDecision, Decision, ReviewFacts
from policies.engine.appeals import appeal_decision, appeal_overview_reason
from policies.engine.classify import classify, customer_tier
from policies.engine.compensation import compensation_options
from policies.engine.messaging import applicable_templates, follow_ups, render_for_case
from policies.engine.policy import Policy
from policies.engine.timing import platform_windows, sla
from policies.placeholders import issue_for_buyer
from reviewdesk.i18n_text import deferred as _


def decide(
    facts: ReviewFacts, policy: Policy, *, context: dict | None = None, language: str = "zh-hans"
) -> Decision:
    """Classify, pick the tier and deadlines, list compensation, render the applicable templates.

    ``context`` adds whitelisted placeholder values (order_no, buyer_nick …) to the templates; the
    engine itself fills ``issue`` with the issue type's buyer-facing label (never its internal name).
    """
    ui_language = get_language()
    classification = classify(facts, policy, ui_language=ui_language)
    tier, tier_reason = customer_tier(facts, policy, ui_language=ui_language)
    windows = platform_windows(facts, policy)
    reasons = [classification.reason, tier_reason]
    contact_limit = (
        policy.remember(("contact-limit",), lambda: _contact_limit(policy)) if policy.contact_limit else None
    )
    if not classification.opens_case:
        return Decision(
            facts=facts,
            customer_tier=tier.code if tier else None,
            customer_tier_rule=tier.ref if tier else None,
            classification=classification,
            sla=None,
            windows=windows,
            compensation=(),
            templates=(),
            reasons=tuple(reasons),
            compensation_reason=policy.remember(("no-case", ui_language), lambda: _("不开案，不计算补偿")),
            contact_limit=contact_limit,
        )

    sla_decision = sla(facts, policy, classification, ui_language=ui_language)
    reasons.append(sla_decision.reason)
    issue = policy.issue_types.get(classification.issue_type_id) if classification.issue_type_id else None
    offers, compensation_reason = compensation_options(
        facts, policy, issue_type=issue, customer_tier=tier.code if tier else None, ui_language=ui_language
    )
    reasons.append(compensation_reason)

    render_context = dict(context or {})
    render_context.setdefault("issue", issue_for_buyer(issue, language))

    def render():
        chosen = applicable_templates(
            policy,
            issue_type_id=classification.issue_type_id,
            language=language,
            malicious=classification.malicious,
        )
        return render_for_case(policy, chosen, render_context)

    if context:
        templates = render()
    else:  # the default context depends only on the issue type: render once per snapshot
        templates = policy.remember(
            ("templates", classification.issue_type_id, classification.malicious, language, ui_language),
            render,
        )
    plan_ref, steps = policy.remember(("follow-ups", ui_language), lambda: follow_ups(policy))

    appeal = None
    if classification.malicious:
        appeal = _appeal(policy, windows, ui_language)
        reasons.append(appeal.reason)
    return Decision(
        facts=facts,
        customer_tier=tier.code if tier else None,
        customer_tier_rule=tier.ref if tier else None,
        classification=classification,
        sla=sla_decision,
        windows=windows,
        compensation=offers,
        templates=templates,
        reasons=tuple(reasons),
        compensation_reason=compensation_reason,
        follow_up_plan=plan_ref,
        follow_ups=steps,
        appeal=appeal,
        contact_limit=contact_limit,
    )


def _contact_limit(policy: Policy) -> ContactLimitDecision:
    contact = policy.contact_limit
    return ContactLimitDecision(
        contact.ref,
        contact.max_attempts_per_case,
        contact.min_minutes_between,
        contact.quiet_start,
        contact.quiet_end,
    )


def _appeal(policy: Policy, windows, language: str) -> AppealDecision:
    allowed = windows.appeal_allowed
    reason = policy.remember(
        ("appeal-reason", allowed, language), lambda: appeal_overview_reason(policy, allowed)
    )
    return appeal_decision(policy, allowed=allowed, appeal_until=windows.appeal_until, reason_text=reason)
