"""Template helpers of the agent workspace: SLA countdowns (ticked live by static/js/workspace.js)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html, json_script
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
    return format_html(
        '<time class="countdown {}" datetime="{}" data-due="{}" data-warn="{}" title="{}">{}</time>',
        css, iso, iso, warn.isoformat() if warn else "",
        timezone.localtime(due).strftime("%Y-%m-%d %H:%M"), countdown_text(due, now),
    )  # fmt: skip


@register.simple_tag
def workspace_script():
    """The labels the script needs (translated here) and the script itself; no build step, no CDN."""
    labels = {"left": _("剩余 %(span)s"), "over": _("超时 %(span)s"), "days": _("%(d)s天%(h)s小时"),
              "copied": _("已复制"), "copy_failed": _("复制失败，请手动选择文本复制")}  # fmt: skip
    return format_html(
        '{}<script src="{}" defer></script>',
        json_script(labels, "workspace-labels"),
        static("js/workspace.js"),
    )
