"""What the case page shows, read in a fixed number of queries whatever the timeline's length.

The case itself is found by ``cases.queries.case_or_404`` (the one access path). ``case_page_reads``
returns the whitelisted dicts of the review (with its revisions), the engine's decision and why,
each clock, the timeline, offers, follow-ups, evidence and appeals. The action forms and the
composer are added by the view (cases.web.workspace_actions), which knows the workflow.

The buyer's free text (review, appended review, item title, SKU, a revision's values) is masked
(``reviewdesk.pii.mask_free_text``) unless the reader may reveal contact data (``reveal=True``, decided by
the view with ``cases.workflow.masking.can_reveal``); masked is the default, so a caller that forgets to
ask shows nothing it should not.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from cases.choices import CaseStatus, ContactChannel, EvidenceKind, WorkflowAction
from cases.models import Appeal, Case, CaseEvent, CompensationOffer, Evidence, FollowUpTask, ReviewRevision
from cases.queries.rows import sla_tier_label
from cases.sla.clocks import CLOCKS as SLA_CLOCKS
from cases.workflow.masking import mask_contact_values, mask_free_text
from policies.choices import Channel, OptionKind
from policies.labels import LazyNames, customer_tier_names
from reviewdesk.choices import Role
from reviewdesk.i18n_text import is_node, render, render_all, render_text
from reviewdesk.money import format_cny
from reviewdesk.pii import PAYLOAD_HIDDEN

# target → (warn field, due field, done field or None), from the one table (cases.sla.clocks)
CLOCKS = tuple((c.target, c.warn, c.due, c.done) for c in SLA_CLOCKS)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def clocks(case: Case, *, now: dt.datetime) -> list[dict]:
    """Each SLA clock with a due time: running (on time / near / breached) or stopped (met / missed)."""
    rows = []
    for target, warn_field, due_field, done_field in CLOCKS:
        due = getattr(case, due_field)
        if due is None:
            continue
        warn = getattr(case, warn_field)
        done = getattr(case, done_field) if done_field else None
        if done is not None:
            state, css = (_("已达成"), "ok") if done <= due else (_("已超时完成"), "bad")
        elif not case.is_open:
            state, css = _("已停止"), ""
        elif now >= due:
            state, css = _("已超时"), "bad"
        elif warn is not None and now >= warn:
            state, css = _("即将超时"), "warn"
        else:
            state, css = _("计时中"), "ok"
        running = done is None and case.is_open
        rows.append(
            {
                "target": str(target),
                "label": str(target.label),
                "due": due,
                "warn": warn,
                "done": done,
                "state": state,
                "css": css,
                "running": running,
            }
        )
    return rows


def windows(case: Case) -> list[dict]:
    """The platform's calendar windows (reply, appeal, revision) as countdowns."""
    rows = []
    for label, until in (
        (_("可回复/解释至"), case.reply_until),
        (_("可申诉至"), case.appeal_until),
        (_("买家可修改评价至"), case.revision_until),
    ):
        if until is not None:
            rows.append({"label": label, "until": until})
    return rows


def _money(value) -> str:
    return "" if value in (None, "") else format_cny(str(value))


def _offer_value(kind: str, amount, cost) -> str:
    """An offer's real value in words (a reship + coupon costs the coupon, not ¥0.00)."""
    from policies.engine.compensation import offer_value_label

    amount = Decimal(str(amount or 0))
    return offer_value_label(kind, amount, Decimal(str(cost or 0)) - amount)


def _issue_type_name(case: Case, frozen: str | None) -> str:
    """The issue type's name as decided, or its English name (where the pack has one) to an English
    reader (the issue type is joined by ``case_or_404``)."""
    if case.issue_type_id and get_language().startswith("en"):
        return case.issue_type.label("en")
    return frozen or ""


def decision(case: Case) -> dict:
    """The engine's decision at intake, and why, from the JSON frozen on the case: the reasons in the
    reader's language (stored language-neutral, ``reviewdesk.i18n_text``; an old record's text as it is)."""
    data = case.decision or {}
    sla = data.get("sla") or {}
    options = [
        {
            **o,
            "amount": _money(o.get("amount")),
            "cost": _money(o.get("cost")),
            "value": _offer_value(o.get("kind") or "", o.get("amount"), o.get("cost")),
            "approval_role_label": _label(Role, o.get("approval_role") or "")
            if o.get("requires_approval")
            else "",
        }
        for o in data.get("compensation") or []
    ]
    return {
        "issue_type": _issue_type_name(case, data.get("issue_type_name")),
        "classification": render(data.get("classification")),
        "malicious": bool(data.get("malicious")),
        "signals": render_all(data.get("signals")),
        "keywords": data.get("keywords") or [],
        "customer_tier": _tier_name(data.get("customer_tier"), case),
        "sla_tier": render(sla["tier"]) if is_node(sla.get("tier")) else sla_tier_label(case),
        "sla_reason": render(sla.get("reason")),
        "handling_role": _label(Role, sla.get("handling_role") or case.handling_role),
        "escalation_role": _label(Role, sla.get("escalation_role") or case.escalation_role),
        "reasons": render_all(data.get("reasons")),
        "windows": data.get("windows") or {},
        "options": options,
        "policy_refs": [
            {
                "model": r.get("model", ""),
                "id": r.get("id"),
                "version": r.get("version"),
                "name": r.get("name", ""),
            }
            for r in case.policy_refs or []
        ],
    }


# Payload keys shown in the timeline, with their labels; ids and other internals are left out.
PAYLOAD_LABELS = {
    "note": _l("说明"),
    "text": _l("内容"),
    "channel": _l("渠道"),
    "reached": _l("联系上"),
    "template": _l("模板"),
    "acknowledged_warnings": _l("已确认的合规提醒"),
    "option": _l("方案"),
    "amount": _l("金额"),
    "cost": _l("成本"),
    "reason": _l("依据"),
    "reason_type": _l("申诉理由"),
    "outcome": _l("结果"),
    "name": _l("文件"),
    "kind": _l("类型"),
    "step": _l("回访步骤"),
    "within_sla": _l("在时效内"),
    "was_resolved": _l("原为已解决"),
    "follow_ups_cancelled": _l("取消的回访"),
    "fields": _l("字段"),
    "changes": _l("变更"),
    "assignee": _l("分配给"),
    "previous_assignee": _l("原处理人"),
    "override": _l("越权分配"),
}


# Payload values that are stored codes, shown by their labels.
PAYLOAD_CHOICES = {
    "channel": {**dict(Channel.choices), **dict(ContactChannel.choices)},
    "kind": {**dict(OptionKind.choices), **dict(EvidenceKind.choices)},
}


def _tier_name(code: str | None, case: Case | None = None) -> str:
    """A customer tier's name; the names are read once per case object (the case page asks twice)."""
    if not code:
        return ""
    if case is None:
        return customer_tier_names().get(code, code)
    names = case.__dict__.get("_tier_names")
    if names is None:
        names = case.__dict__["_tier_names"] = LazyNames(customer_tier_names)
    return names.label(code)


def _change_text(name: str, value) -> str:
    """A changed case field's value as the case page shows it: a choice by its label, a tier by its name."""
    if value in (None, ""):
        return ""
    if name == "customer_tier":
        return _tier_name(value)
    try:
        field = Case._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return _text(value)
    if field.choices and isinstance(value, str | int):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:  # stored as ISO 8601 (in UTC or with the local offset): shown as the page's other times
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return _text(value)


def _text(value) -> str:
    if value is None:
        return ""
    if is_node(value):  # a text written for every reader (routing's "nobody could take it")
        return render(value)
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):
        if "name" in value and "version" in value:  # a rule reference {model, id, version, name}
            return f"{value['name']} v{value['version']}"
        return "，".join(f"{k}: {_text(v)}" for k, v in value.items() if k not in PAYLOAD_HIDDEN)
    if isinstance(value, list):
        return "，".join(_text(v) for v in value)
    return str(value)


def _field_label(name: str) -> str:
    try:
        return str(Case._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:  # a key that is not a case field: shown as it is
        return name


def _payload_lines(payload: dict) -> list[tuple[str, str]]:
    """A timeline event's details as (label, text) pairs; personal data and internal ids are not shown."""
    lines = []
    for key, value in (payload or {}).items():
        if key not in PAYLOAD_LABELS or key in PAYLOAD_HIDDEN or value in (None, "", [], {}):
            continue
        if key == "reason" and "reason_type" in payload:  # an appeal's reason code beside its platform name
            continue
        if key == "changes":
            value = "；".join(
                f"{_field_label(name)}: {_change_text(name, change[0]) or '—'} → "
                f"{_change_text(name, change[1]) or '—'}"
                for name, change in value.items()
                if name not in PAYLOAD_HIDDEN and isinstance(change, list) and len(change) == 2
            )
        if key in PAYLOAD_CHOICES and isinstance(value, str):
            value = str(PAYLOAD_CHOICES[key].get(value, value))
        lines.append((str(PAYLOAD_LABELS[key]), _text(value)))
    return lines


def timeline(case: Case) -> list[dict]:
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("at", "pk")
    return [
        {
            "at": e.at,
            "actor": str(e.actor) if e.actor_id else _("系统"),
            "action": _label(WorkflowAction, e.action),
            "from": _label(CaseStatus, e.from_status) if e.from_status else "",
            "to": _label(CaseStatus, e.to_status) if e.to_status else "",
            "version": e.version,
            "details": _payload_lines(e.payload),
        }
        for e in events
    ]


def revisions(case: Case, *, reveal: bool = False) -> list[dict]:
    rows = ReviewRevision.objects.filter(review_id=case.review_id).order_by("at", "pk")
    return [
        {
            "at": r.at,
            "rating_before": r.rating_before,
            "rating_after": r.rating_after,
            "fields": ", ".join(r.changed_fields or []),
            "after": {
                k: v
                for k, v in (r.after if reveal else mask_contact_values(r.after)).items()
                if k not in PAYLOAD_HIDDEN and not k.startswith("buyer_")
            },
        }
        for r in rows
    ]


def _as_written(text: str | None) -> str:
    return text or ""


def offers(case: Case) -> list[dict]:
    rows = list(
        CompensationOffer.objects.filter(case=case)
        .select_related("requested_by", "approved_by")
        .order_by("requested_at", "pk")
    )
    # The same read gives the reply placeholders their live offers (cases.workflow.compose._live_offers,
    # newest first), so the page's drafts ask no second time.
    case._live_offers = [o for o in reversed(rows) if o.status in ("offered", "accepted")]
    return [
        {
            "id": o.pk,
            "name": o.option_name,
            "amount": _money(o.amount),
            "cost": _money(o.cost),
            "value": _offer_value(o.option_kind, o.amount, o.cost),
            "status": o.status,
            "status_label": o.get_status_display(),
            "requires_approval": o.requires_approval,
            "approval_role": o.approval_role,
            "approval_role_label": o.get_approval_role_display() if o.approval_role else "",
            "requested_by": str(o.requested_by),
            "requested_by_id": o.requested_by_id,
            "requested_at": o.requested_at,
            "approved_by": str(o.approved_by) if o.approved_by_id else "",
            "approved_at": o.approved_at,
            "approval_note": o.approval_note,
            "buyer_answer": o.get_buyer_answer_display() if o.buyer_answer else "",
            "reason": render_text(o.reason),
        }
        for o in rows
    ]


def follow_ups(case: Case, *, now: dt.datetime) -> list[dict]:
    rows = FollowUpTask.objects.filter(case=case).select_related("done_by").order_by("due_at", "pk")
    return [
        {
            "id": t.pk,
            "name": t.name,
            "channel": t.get_channel_display(),
            "due_at": t.due_at,
            "instructions": render_text(t.instructions),
            "done_at": t.done_at,
            "done_by": str(t.done_by) if t.done_by_id else "",
            "note": t.note,
            "skipped_reason": render_text(t.skipped_reason),
            "open": t.is_open,
            "due": t.is_open and t.due_at <= now,
        }
        for t in rows
    ]


def evidence(case: Case) -> list[dict]:
    rows = Evidence.objects.filter(case=case).select_related("uploaded_by").order_by("uploaded_at", "pk")
    return [
        {
            "id": e.pk,
            "name": e.original_name,
            "kind": e.get_kind_display(),
            "kind_value": e.kind,
            "checklist_item": e.checklist_item,
            "size": e.size,
            "description": e.description,
            "uploaded_by": str(e.uploaded_by),
            "uploaded_at": e.uploaded_at,
            "url": reverse("cases:evidence_download", kwargs={"pk": case.pk, "evidence_id": e.pk}),
        }
        for e in rows
    ]


def appeals(case: Case) -> list[dict]:
    """Only a case marked malicious can have appeals (no query for the others); the evidence filed
    with an appeal shows in the evidence list with its checklist item."""
    if not case.is_malicious:
        return []
    rows = (
        Appeal.objects.filter(case=case).select_related("filed_by", "decided_by").order_by("filed_at", "pk")
    )
    return [
        {
            "id": a.pk,
            "reason_type": a.reason_type,
            "description": a.description,
            "filed_by": str(a.filed_by),
            "filed_at": a.filed_at,
            "deadline": a.deadline,
            "outcome": a.get_outcome_display() if a.outcome else "",
            "outcome_note": a.outcome_note,
            "decided_at": a.decided_at,
        }
        for a in rows
    ]


def case_summary(case: Case, *, reveal: bool = False) -> dict:
    review = case.review
    text = _as_written if reveal else mask_free_text
    return {
        "id": case.pk,
        "version": case.version,
        "status": case.status,
        "status_label": case.get_status_display(),
        "is_open": case.is_open,
        "shop": case.shop.name,
        "shop_id": case.shop_id,
        "platform": case.platform,
        "platform_label": case.get_platform_display(),
        "issue_type": _issue_type_name(case, case.issue_type.name) if case.issue_type_id else "",
        "tier": sla_tier_label(case),
        "customer_tier": _tier_name(case.customer_tier, case),
        "is_malicious": case.is_malicious,
        "assignee": str(case.assignee) if case.assignee_id else "",
        "assignee_id": case.assignee_id,
        "opened_at": case.opened_at,
        "contact_attempts": case.contact_attempts,
        "last_contact_at": case.last_contact_at,
        "verified_at": case.verified_at,
        "responsibility": case.get_responsibility_display() if case.responsibility else "",
        "review": {
            "rating": review.rating,
            "rating_text": review.rating_text,
            "content": text(review.content),
            "appended_content": text(review.appended_content),
            "appended_at": review.appended_at,
            "reviewed_at": review.reviewed_at,
            "item_title": text(review.item_title),
            "sku": text(review.sku),
            "order_no": review.order_no,
            "sub_order_no": review.sub_order_no,
            "buyer_nick": review.buyer_nick,
            "order_amount": _money(review.order_amount),
            "courier": review.courier,
            "has_contact": bool(review.buyer_phone or review.buyer_address),
        },
    }


def case_page_reads(case: Case, *, now: dt.datetime | None = None, reveal: bool = False) -> dict:
    """Everything the page shows about the case (5 or 6 queries: revisions, timeline, offers,
    follow-ups, evidence, and appeals of a malicious case). ``reveal``: the buyer's free text as written
    (for holders of ``cases.reveal_buyer_contact``), masked otherwise."""
    now = now or timezone.now()
    return {
        "case": case_summary(case, reveal=reveal),
        "clocks": clocks(case, now=now),
        "windows": windows(case),
        "decision": decision(case),
        "revisions": revisions(case, reveal=reveal),
        "timeline": timeline(case),
        "offers": offers(case),
        "follow_ups": follow_ups(case, now=now),
        "evidence": evidence(case),
        "appeals": appeals(case),
        "now": now,
    }
