"""Words sent to buyers: render a template from a whitelisted context, check text for compliance.

Rendering never reads a model object: placeholders come from a plain dict filtered to
``policies.placeholders.PLACEHOLDERS``; attribute or index access (``{order.no}``) is not a
placeholder. A placeholder without a value renders as ``MISSING`` ("____"): visibly blank for the
agent to fill in, never the raw ``{name}`` and never a crash; ``has_missing(text)`` tells a sender.
"""

from __future__ import annotations

import string
from decimal import Decimal

from policies.compliance.match import findings as matching_rules
from policies.compliance.normalise import normalise
from policies.decisions import ComplianceFinding, ComplianceReport, FollowUpDecision, RenderedTemplate
from policies.engine.policy import Policy, TemplateSpec
from policies.placeholders import PLACEHOLDERS
from reviewdesk.i18n_text import deferred as _

MISSING = "____"
PUBLIC_REPLY = "public_reply"


def has_missing(text: str) -> bool:
    return MISSING in text


def _parts(template: TemplateSpec | str) -> tuple:
    if isinstance(template, TemplateSpec) and template.parts:
        return template.parts
    body = template.body if isinstance(template, TemplateSpec) else template
    try:
        return tuple((literal, name) for literal, name, _spec, _conv in string.Formatter().parse(body or ""))
    except ValueError:
        return ((body or "", None),)


def _text(value) -> str:
    if isinstance(value, Decimal):
        return f"{value.quantize(Decimal('0.01')):f}"
    return str(value)


def render_template(template: TemplateSpec | str, context: dict | None, policy: Policy | None = None) -> str:
    """The body with each whitelisted ``{placeholder}`` replaced from ``context`` (str/number values)."""
    context = context or {}
    out: list[str] = []
    for literal, name in _parts(template):
        out.append(literal)
        if name is None:
            continue
        value = context.get(name) if name in PLACEHOLDERS else None
        out.append(MISSING if value is None or value == "" else _text(value))
    return "".join(out)


def check_compliance(text: str, *, platform: str, channel: str, policy: Policy) -> ComplianceReport:
    """Every active compliance rule for this platform and channel that matches ``text``, plus the
    platform's reply length limit for public replies. One finding per matching rule (its first match).

    The one checker of every outbound word (conventions rule 18). Rules match the normalised text
    (``policies.compliance.normalise``), so spacing, full-width letters, traditional characters,
    numerals and the usual disguises do not evade them; each finding carries the original span.
    """
    key = (platform, channel)
    rules = policy.compliance_cache.get(key)
    if rules is None:
        rules = tuple(r for r in policy.compliance_rules if r.applies(platform, channel))
        policy.compliance_cache[key] = rules
    text = text or ""
    findings = []
    if rules and text:
        normalised = normalise(text)
        for rule, start, end in matching_rules(rules, normalised):
            findings.append(
                ComplianceFinding(
                    rule=rule.ref,
                    action=rule.action_for(platform),
                    matched=text[start:end],
                    reason=rule.reason,
                    category=rule.category,
                    cited_rule=rule.cited_rule,
                    start=start,
                    end=end,
                )
            )
        findings = _distinct(sorted(findings, key=lambda f: f.action != "block"))
    max_length = None
    platform_rule = policy.platform_rule
    if channel == PUBLIC_REPLY and platform_rule is not None and platform_rule.platform == platform:
        max_length = platform_rule.reply_max_chars
    return ComplianceReport(findings=tuple(findings), length=len(text), max_length=max_length)


def _distinct(findings: list[ComplianceFinding]) -> list[ComplianceFinding]:
    """One finding per category and place: a phrase rule and a combination rule of the same category
    that flag the same words say one thing (the first, blocking one, is kept)."""
    kept: list[ComplianceFinding] = []
    for finding in findings:
        if not any(
            k.category == finding.category and k.start < finding.end and finding.start < k.end for k in kept
        ):
            kept.append(finding)
    return kept


def applicable_templates(
    policy: Policy,
    *,
    issue_type_id: int | None,
    language: str = "zh-hans",
    malicious: bool | None = None,
    facts: frozenset[str] | set[str] = frozenset(),
) -> list[TemplateSpec]:
    """Active templates for this platform and issue type, per (stage, channel) only the most specific
    ones: a shop's template beats a global one, then an issue-type template beats a generic one, then
    a platform template beats an every-platform one.

    A malicious case (``malicious``; by default: its issue type is the malicious one) gets only the
    templates written for malicious cases, any other case only the normal ones. A template whose
    conditions (``TemplateCondition`` codes) are not all among ``facts`` — what is true of the case,
    e.g. "contact_attempted" — is not offered."""
    if malicious is None:
        issue = policy.issue_types.get(issue_type_id) if issue_type_id else None
        malicious = bool(issue and issue.is_malicious)
    audience = "malicious" if malicious else "normal"
    best: dict[tuple[str, str], tuple[tuple, list[TemplateSpec]]] = {}
    for template in policy.templates:
        if not template.active or template.language != language:
            continue
        if template.issue_type_id not in (None, issue_type_id):
            continue
        if template.audience != audience or not template.conditions <= facts:
            continue
        rank = (-template.layer, template.issue_type_id is None, template.platform == "")
        key = (template.stage, template.channel)
        current = best.get(key)
        if current is None or rank < current[0]:
            best[key] = (rank, [template])
        elif rank == current[0]:
            current[1].append(template)
    return [t for _rank, group in best.values() for t in group]


def render_for_case(
    policy: Policy, templates: list[TemplateSpec], context: dict
) -> tuple[RenderedTemplate, ...]:
    rendered = []
    for template in templates:
        text = render_template(template, context, policy)
        rendered.append(
            RenderedTemplate(
                template=template.ref,
                name=template.name,
                channel=template.channel,
                stage=template.stage,
                text=text,
                compliance=check_compliance(
                    text, platform=policy.platform, channel=template.channel, policy=policy
                ),
            )
        )
    return tuple(rendered)


def follow_ups(policy: Policy, event: str = "resolved") -> tuple:
    """(plan ref, steps) of the plan for ``event``; a step that asks for a revision is skipped where
    the platform forbids asking, and a step whose template the compliance rules block on this
    platform and the step's channel is skipped with the rules' reasons (one checker for every word)."""
    plan = policy.follow_up_plans.get(event)
    if plan is None:
        return None, ()
    may_ask = bool(policy.platform_rule and policy.platform_rule.may_request_revision)
    steps = []
    for step in plan.steps:
        skipped = step.asks_for_revision and not may_ask
        report = None
        if not skipped and step.template is not None and step.template.active:
            report = check_compliance(
                step.template.body, platform=policy.platform, channel=step.channel, policy=policy
            )
        if skipped:
            reason = _("该步骤请买家修改/追加评价，本平台不允许，自动跳过")
        elif report is not None and report.blocking:
            skipped = True
            reason = _("模板“%(name)s”未通过合规检查，自动跳过：%(reasons)s") % {
                "name": step.template.name,
                "reasons": "；".join(f.describe() for f in report.blocking),
            }
        elif step.template is not None and not step.template.active:
            reason = _("模板“%(name)s”未启用，需人工处理") % {"name": step.template.name}
        else:
            reason = step.instructions or ""
        steps.append(
            FollowUpDecision(
                step_id=step.id,
                name=step.name,
                offset_minutes=step.offset_minutes,
                channel=step.channel,
                template=step.template.ref if step.template else None,
                asks_for_revision=step.asks_for_revision,
                skipped=skipped,
                reason=reason,
            )
        )
    return plan.ref, tuple(steps)
