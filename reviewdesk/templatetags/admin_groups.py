"""``{% task_groups app_list as grouped %}``: the admin index's rules grouped by task
(``reviewdesk.admin_groups``): ``grouped.groups`` and ``grouped.others`` (the other apps, as they are)."""

from django import template

from reviewdesk.admin_groups import group_app_list

register = template.Library()


@register.simple_tag
def task_groups(app_list):
    groups, others = group_app_list(list(app_list or []))
    return {"groups": groups, "others": others}
