"""Whitelisted dicts the workspace templates render (conventions rule 7, docs/conventions.md): no model instance reaches a
template, so a template cannot wander into a buyer's phone number or a lazy query."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from cases.queries.queue import NO_DEADLINE, URGENCY_BREACHED, URGENCY_NEAR, URGENCY_ON_TIME
from policies.choices import Channel
from policies.labels import LazyNames, customer_tier_names
from reviewdesk.choices import Platform
from reviewdesk.i18n_text import render_text
from reviewdesk.models import User
from reviewdesk.pii import mask_free_text

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


def _english() -> bool:
    return (get_language() or "").startswith("en")


def sla_tier_names_en() -> dict[int, str]:
    """SLA tier id → its English name, for the tiers that have one (one query)."""
    from policies.models import SlaTier

    return dict(SlaTier.objects.exclude(name_en="").values_list("pk", "name_en"))


def sla_tier_label(case) -> str:
    """The SLA tier's name as frozen on the case at intake, or to an English reader the tier's English
    name where the pack has one (one query, for an English reader only, remembered on the case)."""
    if not (case.sla_tier_id_ref and _english()):
        return case.sla_tier_name
    if not hasattr(case, "_sla_tier_name_en"):
        from policies.models import SlaTier

        case._sla_tier_name_en = (
            SlaTier.objects.filter(pk=case.sla_tier_id_ref).values_list("name_en", flat=True).first() or ""
        )
    return case._sla_tier_name_en or case.sla_tier_name


class _TierNames(LazyNames):
    """``sla_tier_names_en`` read on the first row with a tier, for an English reader only."""

    def label(self, row: dict) -> str:
        name, tier_id = row["sla_tier_name"], row["sla_tier_id_ref"]
        if not tier_id or not _english():
            return name
        if not self._loaded:
            self.update(self._load())
            self._loaded = True
        return self.get(tier_id) or name


def choice_labels() -> dict[str, dict]:
    """Status, platform and urgency labels in the active language, once per page:
    ``get_status_display()`` per row would hash every lazy label of the choices again (a measurable
    share of a 50-row page)."""
    return {
        "status": {value: str(label) for value, label in CaseStatus.choices},
        "platform": {value: str(label) for value, label in Platform.choices},
        "channel": {value: str(label) for value, label in Channel.choices},
        # reverse() once, not per row: the case URL with a marker where the id goes
        "case_url": reverse("cases:case_detail", kwargs={"pk": 987654321}).replace("987654321", "%d"),
        "urgency": {
            urgency: urgency_label(urgency) for urgency in (URGENCY_BREACHED, URGENCY_NEAR, URGENCY_ON_TIME)
        },
        "assignees": {},  # id → name, filled as the page's rows need them
        "customer_tier": LazyNames(customer_tier_names),  # code → name, read when a row has a tier
        "english": _english(),
        "sla_tier": _TierNames(sla_tier_names_en),  # tier id → English name, read for an English reader
    }


# The columns a queue row reads. The queues fetch only these, as dicts (``queue_page(…, columns=…)``):
# not five model instances per row carrying every column of the case, its review and its assignee
# (building them and parsing their two dozen timestamps was most of a page's Python time).
ROW_COLUMNS = (
    "pk",
    "version",
    "platform",
    "status",
    "sla_tier_name",
    "sla_tier_id_ref",
    "customer_tier",
    "is_malicious",
    "next_due",
    "next_warn",
    "urgency",
    "shop__name",
    "issue_type__name",
    "issue_type__name_en",
    "review__rating",
    "review__content",
    "review__appended_content",
    "review__order_no",
    "review__buyer_nick",
    "assignee_id",
    "assignee__username",
    "assignee__display_name",
    "assignee__first_name",
    "assignee__last_name",
)


def queue_rows(cases, *, labels: dict | None = None) -> list[dict]:
    """The rows of one page of ``ROW_COLUMNS`` dicts."""
    labels = labels or choice_labels()
    return [queue_row(case, labels=labels) for case in cases]


def _assignee_name(case: dict, names: dict[int, str]) -> str:
    """The assignee as ``User.__str__`` names them, once per person and page."""
    pk = case["assignee_id"]
    if pk is None:
        return ""
    if pk not in names:
        names[pk] = str(
            User(
                pk=pk,
                username=case["assignee__username"],
                display_name=case["assignee__display_name"],
                first_name=case["assignee__first_name"],
                last_name=case["assignee__last_name"],
            )
        )
    return names[pk]


def queue_row(case: dict, *, labels: dict | None = None) -> dict:
    """One row of a queue: a dict of ``ROW_COLUMNS`` (deadlines annotated, relations' columns joined)."""
    labels = labels or choice_labels()
    label, css = labels["urgency"][case["urgency"]]
    # Buyers type phone numbers and addresses into reviews: a list shows them masked.
    content = mask_free_text(case["review__content"] or case["review__appended_content"] or "")
    return {
        "id": case["pk"],
        "url": labels["case_url"] % case["pk"],
        "shop": case["shop__name"],
        "platform": labels["platform"].get(case["platform"], case["platform"]),
        "issue_type": (labels["english"] and case["issue_type__name_en"]) or case["issue_type__name"] or "",
        "status": labels["status"].get(case["status"], case["status"]),
        "tier": labels["sla_tier"].label(case),
        "customer_tier": labels["customer_tier"].label(case["customer_tier"]),
        "rating": case["review__rating"],
        "excerpt": content[:EXCERPT_CHARS] + ("…" if len(content) > EXCERPT_CHARS else ""),
        "order_no": case["review__order_no"],
        "buyer_nick": case["review__buyer_nick"],
        "assignee": _assignee_name(case, labels["assignees"]),
        "is_malicious": case["is_malicious"],
        "next_due": _deadline(case["next_due"]),
        "next_warn": _deadline(case["next_warn"]),
        "urgency": case["urgency"],
        "urgency_label": label,
        "urgency_class": css,
        "version": case["version"],
    }


def follow_up_row(task: dict, *, labels: dict | None = None) -> dict:
    """One due follow-up task (a dict from ``due_follow_ups_for``) as the queue shows it."""
    labels = labels or choice_labels()
    return {
        **task,
        "url": labels["case_url"] % task["case_id"] + "#follow-ups",
        "channel": labels["channel"].get(task["channel"], task["channel"]),
        "instructions": render_text(task["instructions"]),  # the engine's words in the reader's language
    }
