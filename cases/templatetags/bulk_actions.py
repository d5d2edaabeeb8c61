"""``{% bulk_action_bar user scope next %}``: a supervisor's bulk actions under a queue (assign, reassign,
close with a reason; ``cases.web.bulk_actions``). Nothing (and no query) for anyone else or the own queue."""

from django import template

from cases.web.bulk_actions import BulkActionForm, people_choices
from cases.web.workspace import is_overseer

register = template.Library()


@register.inclusion_tag("cases/workspace/_bulk_form.html")
def bulk_action_bar(user, scope: str, next_url: str = ""):
    if scope == "mine" or not is_overseer(user):
        return {"show": False}
    form = BulkActionForm(auto_id="id_bulk_%s")
    form.fields["user"].choices = [("", "—")] + people_choices(user)
    return {"show": True, "form": form, "next": next_url}
