"""Appeals per reason: the checklist of the platform for the reason chosen (extortion, a competitor's
attack, abuse, irrelevant content, advertising …), each with the evidence that reason needs."""

from __future__ import annotations

import datetime as dt

from policies.decisions import AppealDecision, AppealReasonChecklist
from policies.engine.policy import AppealChecklistSpec, Policy
from reviewdesk.i18n_text import deferred as _


def _checklist(spec: AppealChecklistSpec) -> AppealReasonChecklist:
    return AppealReasonChecklist(
        rule=spec.ref,
        code=spec.reason,
        label=spec.label,
        evidence_required=spec.evidence,
        max_images=spec.max_images,
        description_max_chars=spec.description_max_chars,
        once_per_review=spec.once_per_review,
        note=spec.note,
    )


def appeal_overview_reason(policy: Policy, allowed: bool) -> str:
    if not allowed:
        return _("本平台规则不支持申诉恶意评价，保留证据备查")
    if not policy.appeal_checklists:
        return _("本平台没有配置申诉清单")
    return _("恶意差评：先确定申诉理由，再按该理由的清单收集证据(%(reasons)s)") % {
        "reasons": "；".join(f"{c.label}：{'、'.join(c.evidence)}" for c in policy.appeal_checklists)
    }


def appeal_decision(
    policy: Policy,
    *,
    allowed: bool,
    appeal_until: dt.datetime | None,
    reason_code: str | None = None,
    reason_text: str | None = None,
) -> AppealDecision:
    """The platform's appeal requirements. With ``reason_code`` (a code or the platform's name of a
    reason) the fields are that reason's checklist; an unknown reason leaves ``chosen`` None. Without
    one, the union of the evidence every reason asks for."""
    reasons = tuple(_checklist(spec) for spec in policy.appeal_checklists)
    chosen = None
    if reason_code:
        spec = policy.appeal_checklist(reason_code)
        chosen = _checklist(spec) if spec is not None else None
    if chosen is not None:
        evidence, max_images = chosen.evidence_required, chosen.max_images
        description_max_chars, once = chosen.description_max_chars, chosen.once_per_review
    else:
        evidence = tuple(dict.fromkeys(item for r in reasons for item in r.evidence_required))
        images = [r.max_images for r in reasons if r.max_images is not None]
        chars = [r.description_max_chars for r in reasons if r.description_max_chars is not None]
        max_images, description_max_chars = (min(images) if images else None), (min(chars) if chars else None)
        once = any(r.once_per_review for r in reasons)
    if reason_text is None:
        reason_text = appeal_overview_reason(policy, allowed)
    return AppealDecision(
        rule=chosen.rule if chosen is not None else None,
        allowed=allowed,
        appeal_until=appeal_until,
        reason_types=tuple(r.label for r in reasons),
        evidence_required=evidence,
        max_images=max_images,
        description_max_chars=description_max_chars,
        once_per_review=once,
        reason=reason_text,
        reasons=reasons,
        chosen=chosen,
    )
