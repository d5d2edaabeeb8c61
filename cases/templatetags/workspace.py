"""Template helpers of the agent workspace: SLA countdowns (ticked live by static/js/workspace.js)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import escape, format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _span(seconds: int) -> str:
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s天%(h)s小时") % {"d": days, "h": hours}
    return f"{hours}:{minutes:02d}:{secs:02d}"


def countdown_text(due: dt.datetime, now: dt.datetime) -> str:
    seconds = int((due - now).total_seconds())
    if seconds < 0:
        return _("超时 %(span)s") % {"span": _span(seconds)}
    return _("剩余 %(span)s") % {"span": _span(seconds)}


@register.simple_tag
def countdown(due: dt.datetime | None, warn: dt.datetime | None = None, now: dt.datetime | None = None):
    """``<time>`` with the due time; the server renders the text, the page's script keeps it ticking."""
    if due is None:
        return format_html('<span class="muted">{}</span>', _("无时限"))
    now = now or timezone.now()
    css = "bad" if due <= now else "warn" if warn is not None and warn <= now else ""
    iso = due.isoformat()  # once: a queue page renders fifty of these
    # Built directly rather than with format_html (a queue page renders fifty): the class, the ISO
    # times and the local time are made here of safe characters; only the translated text is escaped.
    return mark_safe(
        f'<time class="countdown {css}" datetime="{iso}" data-due="{iso}" data-warn="{warn.isoformat() if warn else ""}" '
        f'title="{timezone.localtime(due):%Y-%m-%d %H:%M}">{escape(countdown_text(due, now))}</time>'
    )


@register.simple_tag
def workspace_script():
    """The labels the script needs (translated here) and the script itself; no build step, no CDN."""
    labels = {
        "left": _("剩余 %(span)s"),
        "over": _("超时 %(span)s"),
        "days": _("%(d)s天%(h)s小时"),
        "copied": _("已复制"),
        "copy_failed": _("复制失败，请手动选择文本复制"),
    }
    return format_html(
        '{}<script src="{}" defer></script>',
        json_script(labels, "workspace-labels"),
        static("js/workspace.js"),
    )


@register.simple_tag
def queue_row(row: dict, scope: str, now: dt.datetime, selectable: bool = False):
    """One ``<tr>`` of a queue (a dict of cases.queries.rows.queue_row), built in Python as Django
    admin's result list builds its rows (``items_for_result``): fifty rows of ten cells through the
    template engine cost more than the rest of the page. Every value from the database is escaped.
    ``selectable``: a first cell with the row's checkbox for the bulk actions (cases.web.bulk_actions)."""
    e = escape
    select = ""
    if selectable:
        label = e(_("选择案件 #%(id)s") % {"id": row["id"]})
        select = (
            f'<td class="select"><input type="checkbox" name="cases" value="{row["id"]}" form="bulk-actions"'
            f' aria-label="{label}"><input type="hidden" name="v-{row["id"]}" value="{row["version"]}"'
            f' form="bulk-actions"></td>'
        )
    malicious = f' <span class="badge bad">{e(_("疑似恶意"))}</span>' if row["is_malicious"] else ""
    customer_tier = f'<div class="muted">{e(row["customer_tier"])}</div>' if row["customer_tier"] else ""
    assignee = f"<td>{e(row['assignee'] or '—')}</td>" if scope != "mine" else ""
    if row.get("unassigned_reason"):  # the shop's unassigned queue: why routing found nobody
        assignee = f'<td>—<div class="muted unassigned-reason">{e(row["unassigned_reason"])}</div></td>'
    url = e(row["url"])
    return mark_safe(
        f'<tr data-href="{url}" class="urgency-{row["urgency_class"]}">{select}'
        f'<td><span class="badge {row["urgency_class"]}">{e(row["urgency_label"])}</span></td>'
        f"<td>{countdown(row['next_due'], row['next_warn'], now)}</td>"
        f'<td><a href="{url}" class="case-link">#{row["id"]}</a>{malicious}</td>'
        f'<td><span class="rating r{e(row["rating"])}">{e(row["rating"])}★</span> {e(row["excerpt"])}</td>'
        f"<td>{e(row['issue_type'] or '—')}</td>"
        f"<td>{e(row['status'])}</td>"
        f'<td>{e(row["shop"])}<div class="muted">{e(row["platform"])}</div></td>'
        f"<td>{e(row['tier'] or '—')}{customer_tier}</td>"
        f'<td>{e(row["order_no"])}<div class="muted">{e(row["buyer_nick"])}</div></td>'
        f"{assignee}</tr>"
    )
