"""What the engine says about one case now: its policy, its compensation options, reply drafts and
checks, the appeal checklist and contact limits. Read-only; the forms (H2), serializers (H3) and the
services use the same functions, so a draft that passes ``check_reply`` is what the service accepts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import ContactChannel
from policies.choices import Channel
from policies.decisions import AppealDecision, CompensationOffer, ComplianceReport, ReviewFacts
from reviewdesk.pii import mask_free_text

# The policy channel whose compliance rules apply to a contact made on each contact channel.
CONTACT_CHANNEL_RULES = {
    ContactChannel.PRIVATE_MESSAGE: Channel.PRIVATE_MESSAGE,
    ContactChannel.SMS: Channel.SMS,
    ContactChannel.PHONE: Channel.PHONE_SCRIPT,
}


def policy_for(case):
    """The active policy for the case's shop and platform (the loader caches it per rule stamp)."""
    from policies.loader import load_policy

    return load_policy(shop=case.shop, platform=case.platform)


def facts_for_case(case) -> ReviewFacts:
    review = case.review
    return ReviewFacts(
        platform=case.platform,
        rating=review.rating,
        text=review.content or "",
        appended_text=review.appended_content or "",
        received_at=review.received_at,
        reviewed_at=review.reviewed_at,
        order_amount=review.order_amount,
        shipping_fee=review.shipping_fee,
        shop_id=case.shop_id,
    )


def offer_options(case, policy=None) -> tuple[CompensationOffer, ...]:
    """The compensation options the engine computes for this case (issue × order amount × tier)."""
    from policies.engine import compensation_options

    policy = policy or policy_for(case)
    issue = policy.issue_types.get(case.issue_type_id) if case.issue_type_id else None
    offers, _reason = compensation_options(
        facts_for_case(case), policy, issue_type=issue, customer_tier=case.customer_tier or None
    )
    return offers


def _live_offers(case) -> list:
    """The case's offers made to the buyer (offered or accepted), newest first: ONE query per case
    object, shared by the placeholder values and the templates' conditions of one page or action."""
    if not case.pk:
        return []
    cached = getattr(case, "_live_offers", None)
    if cached is None:
        cached = case._live_offers = list(
            case.offers.filter(status__in=("offered", "accepted")).order_by("-requested_at", "-pk")
        )
    return cached


def reply_context(case, user=None, policy=None) -> dict:
    """The whitelisted placeholder values (policies.placeholders.PLACEHOLDERS) for this case. ``issue``
    is the issue type's buyer-facing label, never its internal name."""
    from policies.placeholders import issue_for_buyer

    review = case.review
    # Title and SKU are free text from the export: a number typed into them must not reach a public reply.
    item_title, sku = mask_free_text(review.item_title or ""), mask_free_text(review.sku or "")
    context = {
        "order_no": review.order_no,
        "buyer_nick": review.buyer_nick,
        "item_title": item_title,
        "sku": sku,
        "shop_name": case.shop.name,
        "courier": review.courier,
    }
    policy = policy or policy_for(case)
    context["issue"] = issue_for_buyer(policy.issue_types.get(case.issue_type_id), "zh-hans")
    if user is not None:
        context["agent_name"] = str(user)
    live = _live_offers(case)
    offer = live[0] if live else None
    if offer is not None:
        context["compensation"] = offer.option_name
        if offer.option_kind == "coupon":
            context["coupon_amount"] = offer.amount
        elif offer.option_kind == "refund":
            context["refund_amount"] = offer.amount
    return {k: v for k, v in context.items() if v not in (None, "")}


@dataclass(frozen=True)
class Draft:
    template_id: int
    name: str
    stage: str
    channel: str
    text: str
    compliance: ComplianceReport


def reply_drafts(case, *, user=None, channel: str | None = None, policy=None) -> list[Draft]:
    """The applicable templates rendered with the case's context (a composer's starting points)."""
    from policies.engine import check_compliance, render_template

    policy = policy or policy_for(case)
    context = reply_context(case, user, policy)
    drafts = []
    for template in case_templates(case, policy):
        if channel and template.channel != channel:
            continue
        text = render_template(template, context, policy)
        drafts.append(
            Draft(
                template_id=template.ref.id,
                name=template.name,
                stage=template.stage,
                channel=template.channel,
                text=text,
                compliance=check_compliance(
                    text, platform=case.platform, channel=template.channel, policy=policy
                ),
            )
        )
    return drafts


def template_facts(case) -> frozenset[str]:
    """What is true of the case for the templates' conditions (policies.choices.TemplateCondition)."""
    facts = set()
    if case.contact_attempts:
        facts.add("contact_attempted")
    statuses = {offer.status for offer in _live_offers(case)}
    if statuses:
        facts.add("offer_made")
    if "accepted" in statuses:
        facts.add("offer_accepted")
    return frozenset(facts)


def case_templates(case, policy) -> list:
    """The templates the engine offers for this case now: its issue type, malicious or not, and the
    conditions its facts meet."""
    from policies.engine.messaging import applicable_templates

    issue = policy.issue_types.get(case.issue_type_id) if case.issue_type_id else None
    return applicable_templates(
        policy,
        issue_type_id=case.issue_type_id,
        malicious=bool(case.is_malicious or (issue and issue.is_malicious)),
        facts=template_facts(case),
    )


def template_ref(policy, template_id: int | None, case=None) -> dict | None:
    """{model, id, version, name} of an active template of the policy (one the engine offers for
    ``case`` when given), or None (unknown, not offered or not given)."""
    template = _template(policy, template_id, case)
    return template.ref.as_dict() if template is not None else None


def _template(policy, template_id, case=None):
    try:
        wanted = int(template_id)
    except (TypeError, ValueError):
        return None
    templates = case_templates(case, policy) if case is not None else policy.templates
    return next((t for t in templates if t.ref.id == wanted), None)


def render_for_case(case, template_id, *, user=None, policy=None) -> str:
    """The template rendered with the case's whitelisted context ("" for a template not offered)."""
    from policies.engine import render_template

    policy = policy or policy_for(case)
    template = _template(policy, template_id, case)
    return (
        render_template(template, reply_context(case, user, policy), policy) if template is not None else ""
    )


def check_reply(case, text: str, *, channel: str, policy=None) -> ComplianceReport:
    """The compliance report of the final text on the case's platform and this policy channel."""
    from policies.engine import check_compliance

    policy = policy or policy_for(case)
    return check_compliance(text or "", platform=case.platform, channel=channel, policy=policy)


def appeal_requirements(case, policy=None, reason: str | None = None) -> AppealDecision | None:
    """The platform's appeal checklists for this case, with its deadline (the case's appeal_until);
    with ``reason`` (a reason code or the platform's name of it) the fields are that reason's."""
    from policies.engine.appeals import appeal_decision

    policy = policy or policy_for(case)
    windows = case.decision_windows or {}
    allowed = windows.get(
        "appeal_allowed", policy.platform_rule.appeal_allowed if policy.platform_rule else False
    )
    return appeal_decision(
        policy,
        allowed=bool(allowed),
        appeal_until=case.appeal_until,
        reason_code=reason,
        reason_text=_("申诉截止：%(until)s")
        % {"until": timezone.localtime(case.appeal_until).strftime("%Y-%m-%d %H:%M")}
        if case.appeal_until
        else _("没有申诉截止时间"),
    )


def in_quiet_hours(moment: dt.datetime, start: dt.time, end: dt.time, tz) -> bool:
    """Whether ``moment`` (aware) falls in [start, end) local time; a window may span midnight."""
    if start == end:
        return False
    local = moment.astimezone(tz).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end
