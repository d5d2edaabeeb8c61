"""The admin index by task: the rules a manager edits, grouped by the job they do (时效, 补偿, …) rather
than listed flat under the app that happens to hold them.

``TASK_GROUPS`` names each group's models as ``app_label.model_name`` strings (no import: the policies app
knows no other app, and a model another change adds later is placed here by name). ``group_app_list``
takes the admin's ``app_list`` (``AdminSite.get_app_list``: only what the user may see, with its links)
and answers the task groups and the remaining apps; a policy model no group names is put in a last group
("其他规则") so it never disappears, and a test checks that group stays empty."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

TASK_GROUPS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    (
        "sla",
        _("时效"),
        (
            "policies.slatier",
            "policies.businesscalendar",
            "policies.openinghours",
            "policies.calendarexception",
            "policies.campaignperiod",
            "policies.campaigncommitment",
            "prevention.laterule",
        ),
    ),
    (
        "compensation",
        _("补偿"),
        ("policies.compensationrule", "policies.compensationoption", "policies.customertier"),
    ),
    (
        "wording",
        _("话术与合规"),
        ("policies.replytemplate", "policies.compliancerule", "policies.macro"),
    ),
    (
        "followup",
        _("回访与申诉"),
        (
            "policies.followupplan",
            "policies.followupstep",
            "policies.appealchecklist",
            "policies.contactlimit",
        ),
    ),
    ("platform", _("平台规则"), ("policies.platformrule",)),
    (
        "routing",
        _("路由与认证"),
        (
            "policies.issuetype",
            "policies.classificationrule",
            "policies.malicioussignal",
            "training.modulerequirement",
            "prevention.riskrule",
            "prevention.returnreasonrule",
        ),
    ),
)
GROUPED_APP = "policies"  # every admin model of this app belongs in a task group
OTHER_GROUP = "other"


def group_of(label: str) -> str | None:
    """The code of the task group a model (``app_label.model_name``) is placed in, or None."""
    for code, _name, labels in TASK_GROUPS:
        if label in labels:
            return code
    return None


def group_app_list(app_list: list[dict]) -> tuple[list[dict], list[dict]]:
    """(task groups, other apps) from the admin's ``app_list``. A group is ``{"code", "name", "models"}``
    with the models in the order ``TASK_GROUPS`` gives them; a group the user sees nothing of is left
    out. The other apps are the app entries without the grouped models (an app left empty is dropped)."""
    placed: dict[str, dict] = {}
    others: list[dict] = []
    unplaced: list[dict] = []
    for app in app_list:
        kept = []
        for model in app["models"]:
            label = f"{app['app_label']}.{model['object_name'].lower()}"
            if group_of(label) is not None:
                placed[label] = model
            elif app["app_label"] == GROUPED_APP:
                unplaced.append(model)
            else:
                kept.append(model)
        if kept:
            others.append({**app, "models": kept})
    groups = []
    for code, name, labels in TASK_GROUPS:
        models = [placed[label] for label in labels if label in placed]
        if models:
            groups.append({"code": code, "name": name, "models": models})
    if unplaced:
        groups.append({"code": OTHER_GROUP, "name": _("其他规则"), "models": unplaced})
    return groups, others
