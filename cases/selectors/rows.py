"""Whitelisted dicts the workspace templates render (STYLE.md rule 7): no model instance reaches a
template, so a template cannot wander into a buyer's phone number or a lazy query."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from cases.notify.messages import mask_personal_data
from cases.models import Case
from cases.selectors.queue import NO_DEADLINE, URGENCY_BREACHED, URGENCY_NEAR
from policies.choices import Channel
from reviewdesk.choices import Platform

EXCERPT_CHARS = 60


def urgency_label(urgency: int) -> tuple[str, str]:
    """(label, css class) of a queue row's urgency."""
    if urgency == URGENCY_BREACHED:
        return _("已超时"), "bad"
    if urgency == URGENCY_NEAR:
        return _("即将超时"), "warn"
    return _("正常"), "ok"


def _deadline(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None or value >= NO_DEADLINE else value


def choice_labels() -> dict[str, dict[str, str]]:
    """Status and platform labels in the active language, once per page: ``get_status_display()`` per
    row would hash every lazy label of the choices again (a measurable share of a 50-row page)."""
    return {
        "status": {value: str(label) for value, label in CaseStatus.choices},
        "platform": {value: str(label) for value, label in Platform.choices},
        "channel": {value: str(label) for value, label in Channel.choices},
        # reverse() once, not per row: the case URL with a marker where the id goes
        "case_url": reverse("cases:case_detail", kwargs={"pk": 987654321}).replace("987654321", "%d"),
    }


def queue_rows(cases) -> list[dict]:
    labels = choice_labels()
    return [queue_row(case, labels=labels) for case in cases]


def queue_row(case: Case, *, labels: dict | None = None) -> dict:
    """One row of a queue (a case from ``queue_for``: deadlines annotated, relations joined)."""
    labels = labels or choice_labels()
    review = case.review
    label, css = urgency_label(case.urgency)
    # Buyers type phone numbers and addresses into reviews: a list shows them masked.
    content = mask_personal_data(review.content or review.appended_content or "")
    return {
        "id": case.pk,
        "url": labels["case_url"] % case.pk,
        "shop": case.shop.name,
        "platform": labels["platform"].get(case.platform, case.platform),
        "issue_type": case.issue_type.name if case.issue_type_id else "",
        "status": labels["status"].get(case.status, case.status),
        "tier": case.sla_tier_name,
        "customer_tier": case.customer_tier,
        "rating": review.rating,
        "excerpt": content[:EXCERPT_CHARS] + ("…" if len(content) > EXCERPT_CHARS else ""),
        "order_no": review.order_no,
        "buyer_nick": review.buyer_nick,
        "assignee": str(case.assignee) if case.assignee_id else "",
        "is_malicious": case.is_malicious,
        "next_due": _deadline(case.next_due),
        "next_warn": _deadline(case.next_warn),
        "urgency": case.urgency,
        "urgency_label": label,
        "urgency_class": css,
        "version": case.version,
    }


def follow_up_row(task: dict, *, labels: dict | None = None) -> dict:
    """One due follow-up task (a dict from ``due_follow_ups_for``) as the queue shows it."""
    labels = labels or choice_labels()
    return {
        **task,
        "url": labels["case_url"] % task["case_id"] + "#follow-ups",
        "channel": labels["channel"].get(task["channel"], task["channel"]),
    }
