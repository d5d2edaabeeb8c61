"""The admin index organised by task: every policy model in exactly one group (时效, 补偿, 话术与合规,
回访与申诉, 平台规则, 路由与认证), the other apps as they are, the tools (sandbox, compensation grid) linked
from the index, and the sandbox full width (no app sidebar)."""

import pytest
from django.contrib import admin
from django.urls import reverse

from reviewdesk.admin_groups import GROUPED_APP, TASK_GROUPS, group_app_list, group_of
from tests.policies import admin_support
from tests.policies.admin_support import page

pytestmark = pytest.mark.django_db
manager, manager_client = admin_support.manager, admin_support.manager_client

GROUP_NAMES = ["时效", "补偿", "话术与合规", "回访与申诉", "平台规则", "路由与认证"]


def _policy_models():
    return sorted(
        f"{m._meta.app_label}.{m._meta.model_name}"
        for m in admin.site._registry
        if m._meta.app_label == GROUPED_APP
    )


def test_the_groups_are_the_six_tasks_in_order():
    assert [str(name) for _code, name, _labels in TASK_GROUPS] == GROUP_NAMES


def test_every_policy_model_of_the_admin_is_placed_in_exactly_one_group():
    placed = [label for _code, _name, labels in TASK_GROUPS for label in labels]
    assert len(placed) == len(set(placed)), "a model named in two groups"
    assert [label for label in _policy_models() if group_of(label) is None] == []


def test_grouping_keeps_other_apps_and_never_drops_an_unplaced_policy_model():
    app_list = [
        {
            "app_label": "policies",
            "name": "规则",
            "models": [{"object_name": "SlaTier"}, {"object_name": "Newcomer"}],
        },
        {
            "app_label": "training",
            "name": "培训",
            "models": [{"object_name": "ModuleRequirement"}, {"object_name": "Score"}],
        },
        {"app_label": "cases", "name": "案件", "models": [{"object_name": "Case"}]},
    ]
    groups, others = group_app_list(app_list)
    assert [(g["code"], [m["object_name"] for m in g["models"]]) for g in groups] == [
        ("sla", ["SlaTier"]),
        ("routing", ["ModuleRequirement"]),
        ("other", ["Newcomer"]),
    ]
    assert [(a["app_label"], [m["object_name"] for m in a["models"]]) for a in others] == [
        ("training", ["Score"]),
        ("cases", ["Case"]),
    ]


def test_the_admin_index_shows_the_rules_by_task_and_links_the_tools(manager_client):
    html = page(manager_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    positions = [html.index(f"<caption>{name}</caption>") for name in GROUP_NAMES]
    assert positions == sorted(positions)
    assert 'id="other"' not in html and "其他规则" not in html
    # Each policy model once, under its group: not a second time in a flat "policies" app module.
    for label in _policy_models():
        app, name = label.split(".")
        url = reverse(f"admin:{app}_{name}_changelist")
        assert html.count(f'href="{url}"') == 2, label  # the name and its change/view link
        assert f'id="task-{group_of(label)}-{name}"' in html
    assert "app-policies" not in html
    assert "app-incentives" in html  # the other apps as they are
    assert reverse("policies:sandbox") in html
    assert reverse("admin:policies_compensationrule_grid") in html


def test_staff_without_policy_rights_see_no_rule_group(client, make_user):
    client.force_login(make_user("hr", is_staff=True))
    html = page(client.get(reverse("admin:index")))
    assert "task-sla" not in html and reverse("policies:sandbox") not in html


def test_the_sandbox_is_full_width_without_the_app_sidebar(manager_client):
    html = page(manager_client.get(reverse("policies:sandbox")))
    assert 'id="nav-sidebar"' not in html and "sandbox-full" in html
    assert 'id="nav-sidebar"' in page(manager_client.get(reverse("admin:policies_slatier_changelist")))
