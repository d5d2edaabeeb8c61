"""``{% notification_bell %}``: the top-bar bell with the unread count (refreshed by htmx)."""

from django import template

from cases.alerts import unread_count

register = template.Library()


@register.inclusion_tag("cases/notifications/_bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": unread_count(user=user) if user is not None else 0}
