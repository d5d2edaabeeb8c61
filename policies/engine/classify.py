"""Triage: does a review open a case, which issue type is it, is it malicious, which customer tier."""

from __future__ import annotations

from django.utils.translation import get_language

from policies.decisions import Classification, ReviewFacts
from policies.engine.policy import CustomerTierSpec, IssueTypeSpec, Policy
from reviewdesk.i18n_text import deferred as _
from reviewdesk.i18n_text import joined, named

DEFAULT_CASE_RATING_MAX = 3  # used only when the platform has no rule (中评 and 差评 open a case)


def review_text(facts: ReviewFacts) -> str:
    return f"{facts.text}\n{facts.appended_text}" if facts.appended_text else facts.text


def _counts_key(counts: dict) -> tuple:
    return tuple(sorted(counts.items())) if counts else ()


def classify(facts: ReviewFacts, policy: Policy, *, ui_language: str | None = None) -> Classification:
    """Open a case or not, and why; the issue type by the first matching rule (lowest priority number).

    A case opens when the rating is at or below the platform's ``case_rating_max`` or when a rule
    marked "opens a case" matches at any rating. Any malicious signal (or a rule pointing at the
    malicious issue type) makes the case malicious and files it under the malicious issue type.

    The answer depends only on the rating, the text, the signal counts and the return rate, so it
    is memoised per snapshot on exactly those; a text that no rule or phrase matches at all is one
    "text class" whatever its words (the rules' combined prefilters decide that, once per call).
    """
    text = review_text(facts)
    rules_hit = (
        policy.classification_regex is not None and policy.classification_regex.search(text) is not None
    )
    phrases_hit = policy.phrase_regex is not None and policy.phrase_regex.search(text) is not None
    key = (
        "classify",
        facts.rating,
        text if (rules_hit or phrases_hit) else None,
        _counts_key(facts.negative_reviews_same_ip),
        _counts_key(facts.negative_reviews_same_buyer),
        facts.return_rate_percent,
        ui_language or get_language(),
    )
    return policy.remember(
        key, lambda: _classify(facts, policy, text, rules_hit=rules_hit, phrases_hit=phrases_hit)
    )


def _classify(
    facts: ReviewFacts, policy: Policy, text: str, *, rules_hit: bool, phrases_hit: bool
) -> Classification:
    rule = policy.platform_rule
    case_rating_max = rule.case_rating_max if rule else DEFAULT_CASE_RATING_MAX
    rating_opens = facts.rating <= case_rating_max
    reasons: list[str] = []
    refs = []
    keywords: list[str] = []
    opens_rule = issue_rule = None
    if rules_hit:
        for candidate in policy.classification_rules:
            if candidate.rating_max is not None and facts.rating > candidate.rating_max:
                continue
            if (candidate.opens_case and opens_rule is None) or (
                candidate.issue_type_id and issue_rule is None
            ):
                found = candidate.regex.findall(text)
                if not found:
                    continue
                refs.append(candidate.ref)
                keywords.extend(k for k in dict.fromkeys(_flatten(found)) if k not in keywords)
                if candidate.opens_case and opens_rule is None:
                    opens_rule = candidate
                if candidate.issue_type_id and issue_rule is None:
                    issue_rule = candidate
                if issue_rule is not None and (opens_rule is not None or rating_opens):
                    break

    signals, signal_refs = _malicious_signals(facts, policy, text, phrases_hit=phrases_hit)
    refs.extend(signal_refs)
    opens_case = rating_opens or opens_rule is not None
    if rating_opens:
        reasons.append(
            _("评分%(rating)s不高于开案上限%(max)s，开案") % {"rating": facts.rating, "max": case_rating_max}
        )
    elif opens_rule is not None:
        reasons.append(_("规则“%(rule)s”命中关键词，任何评分都开案") % {"rule": opens_rule.name})
    else:
        reasons.append(
            _("评分%(rating)s高于开案上限%(max)s，且没有开案关键词，不开案")
            % {"rating": facts.rating, "max": case_rating_max}
        )

    issue: IssueTypeSpec | None = None
    malicious = bool(signals)
    if issue_rule is not None:
        issue = policy.issue_types.get(issue_rule.issue_type_id)
        malicious = malicious or bool(issue and issue.is_malicious)
    if malicious:
        if signals:
            reasons.append(_("恶意信号：%(signals)s") % {"signals": joined("；", signals)})
        malicious_type = policy.malicious_issue_type
        if malicious_type is not None:
            issue = malicious_type
            reasons.append(_("归入恶意差评类型“%(name)s”") % {"name": named(issue.name, issue.name_en)})
    elif issue_rule is not None and issue is not None:
        reasons.append(
            _("规则“%(rule)s”命中“%(keywords)s”，归入“%(name)s”")
            % {
                "rule": issue_rule.name,
                "keywords": "、".join(keywords),
                "name": named(issue.name, issue.name_en),
            }
        )
    if issue is None:
        issue = policy.fallback_issue_type
        if issue is not None and opens_case:
            reasons.append(
                _("没有分类规则命中，归入兜底类型“%(name)s”") % {"name": named(issue.name, issue.name_en)}
            )
    if not opens_case:
        issue, malicious = None, False
    return Classification(
        opens_case=opens_case,
        issue_type_id=issue.id if issue else None,
        issue_type_code=issue.code if issue else None,
        issue_type_name=issue.name if issue else None,
        malicious=malicious,
        signals=tuple(signals),
        matched_keywords=tuple(keywords),
        rules=tuple(refs),
        reason=joined("；", reasons),
    )


def _flatten(found: list) -> list[str]:
    # findall returns tuples when a regex rule has groups; keep the whole match text instead.
    return [item if isinstance(item, str) else next((g for g in item if g), "") for item in found if item]


def malicious_signals(facts: ReviewFacts, policy: Policy, text: str | None = None) -> tuple[list[str], list]:
    """The signals that fired, as sentences naming each signal, and their rule refs."""
    if text is None:
        text = review_text(facts)
    phrases_hit = policy.phrase_regex is not None and policy.phrase_regex.search(text) is not None
    return _malicious_signals(facts, policy, text, phrases_hit=phrases_hit)


def _malicious_signals(
    facts: ReviewFacts, policy: Policy, text: str, *, phrases_hit: bool
) -> tuple[list[str], list]:
    fired: list[str] = []
    refs = []
    for signal in policy.malicious_signals:
        if signal.kind == "phrase":
            if not phrases_hit or signal.regex is None:
                continue
            match = signal.regex.search(text)
            if match:
                fired.append(
                    _("%(name)s：命中“%(phrase)s”") % {"name": signal.name, "phrase": match.group(0)}
                )
                refs.append(signal.ref)
        elif signal.kind in ("same_ip", "same_buyer"):
            counts = (
                facts.negative_reviews_same_ip
                if signal.kind == "same_ip"
                else facts.negative_reviews_same_buyer
            )
            count = counts.get(signal.window_days or 0)
            if count is not None and signal.threshold is not None and count >= signal.threshold:
                fired.append(
                    _("%(name)s：%(days)s天内%(count)s条差评(阈值%(threshold)s)")
                    % {
                        "name": signal.name,
                        "days": signal.window_days,
                        "count": count,
                        "threshold": _number(signal.threshold),
                    }
                )
                refs.append(signal.ref)
        elif signal.kind == "return_rate":
            rate = facts.return_rate_percent
            if rate is not None and signal.threshold is not None and rate >= signal.threshold:
                fired.append(
                    _("%(name)s：退货率%(rate)s%%(阈值%(threshold)s%%)")
                    % {"name": signal.name, "rate": _number(rate), "threshold": _number(signal.threshold)}
                )
                refs.append(signal.ref)
    return fired, refs


def _number(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def customer_tier(
    facts: ReviewFacts, policy: Policy, *, ui_language: str | None = None
) -> tuple[CustomerTierSpec | None, str]:
    """The first tier (by priority) whose every filled condition holds; a tier with none is the fallback."""
    for tier in policy.customer_tiers:
        if tier.min_annual_spend is not None and (
            facts.annual_spend is None or facts.annual_spend < tier.min_annual_spend
        ):
            continue
        if tier.max_order_count is not None and (
            facts.order_count is None or facts.order_count > tier.max_order_count
        ):
            continue
        days = facts.days_since_last_order
        if tier.min_days_since_last_order is not None and (
            days is None or days < tier.min_days_since_last_order
        ):
            continue
        return tier, policy.remember(
            ("tier", tier.ref.id, ui_language or get_language()), lambda tier=tier: _tier_reason(tier)
        )
    return None, _("没有配置客户分层")


def _tier_reason(tier: CustomerTierSpec) -> str:
    conditions = []
    if tier.min_annual_spend is not None:
        conditions.append(_("年消费 ≥ %(min)s元") % {"min": tier.min_annual_spend})
    if tier.max_order_count is not None:
        conditions.append(_("历史订单 ≤ %(max)s单") % {"max": tier.max_order_count})
    if tier.min_days_since_last_order is not None:
        conditions.append(_("距上次下单 ≥ %(min)s天") % {"min": tier.min_days_since_last_order})
    why = joined("、", conditions) if conditions else _("其他分层条件都不满足(兜底)")
    return _("客户分层“%(name)s”：%(why)s") % {"name": named(tier.name, tier.name_en), "why": why}
