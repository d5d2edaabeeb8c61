"""The managers' admin: every policy page, history with who/when/what and revert, XLSX/CSV import-export
with the dry-run preview, links to decided cases, and who may do what."""

import io
from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.urls import reverse
from openpyxl import Workbook

from policies import models as m
from policies.hooks import rule_case_links
from tests.policies import admin_support
from tests.policies.admin_support import change_url, issue_type, page, post_admin, snapshot
from tests.policies.pack_support import POLICY_MODELS, build_pack

pytestmark = pytest.mark.django_db

manager, manager_client = admin_support.manager, admin_support.manager_client


def test_every_policy_model_has_a_changelist_and_add_page_for_the_manager(manager_client, shop):
    build_pack(shop)
    for model in POLICY_MODELS:
        assert model in django_admin.site._registry, model
        name = model._meta.model_name
        listing = manager_client.get(reverse(f"admin:policies_{name}_changelist"))
        assert listing.status_code == 200, name
        assert manager_client.get(reverse(f"admin:policies_{name}_add")).status_code == 200, name
        assert manager_client.get(change_url(model.objects.first())).status_code == 200, name


def test_changelist_filters_by_scope_and_platform(manager_client, shop):
    build_pack(shop)
    url = reverse("admin:policies_platformrule_changelist")
    assert page(manager_client.get(url)).count('class="field-platform"') == 3
    assert page(manager_client.get(url + "?scope=shop")).count('class="field-platform"') == 1
    assert (
        page(manager_client.get(url + "?scope=global&platform=douyin")).count('class="field-platform"') == 1
    )
    compliance = reverse("admin:policies_compliancerule_changelist")
    # "好评返现" names taobao; "公开回复不写电话" names no platform, so it applies to every platform.
    assert (
        page(manager_client.get(compliance + "?platform=douyin")).count('class="field-platform_labels"') == 1
    )
    assert (
        page(manager_client.get(compliance + "?platform=tmall")).count('class="field-platform_labels"') == 2
    )
    search = page(manager_client.get(reverse("admin:policies_classificationrule_changelist") + "?q=破损"))
    assert "质量关键词" in search and "物流关键词" not in search


def test_compliance_changelist_names_platforms_and_channels_in_words(manager_client):
    m.ComplianceRule.objects.create(
        name="返现", platforms="taobao,tmall,nowhere", channels="public_reply", patterns="返现", reason="禁止"
    )
    m.ComplianceRule.objects.create(name="电话", patterns="电话", reason="禁止")
    listing = page(manager_client.get(reverse("admin:policies_compliancerule_changelist")))
    assert '<td class="field-platform_labels">淘宝、天猫</td>' in listing  # an unknown code is left out
    assert '<td class="field-platform_labels">所有平台</td>' in listing
    assert '<td class="field-channel_labels">所有渠道</td>' in listing


def test_calendar_change_form_has_hours_and_exceptions_inline(manager_client, shop):
    build_pack(shop)
    form = page(manager_client.get(change_url(m.BusinessCalendar.objects.get())))
    assert 'name="hours-TOTAL_FORMS" value="7"' in form
    assert 'name="exceptions-TOTAL_FORMS" value="2"' in form
    rule_form = page(manager_client.get(change_url(m.CompensationRule.objects.get(name="质量≤100"))))
    assert 'name="options-TOTAL_FORMS" value="1"' in rule_form
    plan_form = page(manager_client.get(change_url(m.FollowUpPlan.objects.get())))
    assert 'name="steps-TOTAL_FORMS" value="2"' in plan_form


def test_version_and_updated_at_are_read_only(manager_client):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    form = page(manager_client.get(change_url(tier)))
    assert 'name="version"' not in form and 'name="updated_at"' not in form
    assert '<div class="readonly">1</div>' in form


def tier_form(tier, **overrides):
    data = {
        "issue_type": tier.issue_type_id or "",
        "name": tier.name,
        "first_response_minutes": tier.first_response_minutes,
        "next_response_minutes": tier.next_response_minutes,
        "public_reply_minutes": tier.public_reply_minutes,
        "resolution_minutes": tier.resolution_minutes,
        "handling_role": tier.handling_role,
        "escalation_role": tier.escalation_role,
        "warn_at_percent": tier.warn_at_percent,
        "calendar": "",
        "shop": "",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_editing_a_rule_records_who_when_and_what(manager_client, manager):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    response = post_admin(
        manager_client, change_url(tier), m.SlaTier, tier_form(tier, first_response_minutes="180")
    )
    assert response.status_code == 302
    latest, first = tier.history.order_by("-history_id")[:2]
    assert (latest.history_type, latest.history_user, latest.first_response_minutes, latest.version) == (
        "~",
        manager,
        180,
        2,
    )
    assert first.first_response_minutes == 240
    history_page = page(manager_client.get(reverse("admin:policies_slatier_history", args=[tier.pk])))
    assert manager.username in history_page
    assert "首次响应时限(分钟)" in history_page  # the changed field is named


def test_revert_to_an_earlier_version_restores_it(manager_client, manager):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    original = tier.history.get()
    post_admin(
        manager_client,
        change_url(tier),
        m.SlaTier,
        tier_form(tier, first_response_minutes="180", warn_at_percent="60"),
    )
    revert_url = reverse("admin:policies_slatier_simple_history", args=[tier.pk, original.history_id])
    assert "质量4小时" in page(manager_client.get(revert_url))

    response = manager_client.post(revert_url, tier_form(tier))
    assert response.status_code == 302
    tier.refresh_from_db()
    assert (tier.first_response_minutes, tier.warn_at_percent, tier.version) == (240, 80, 3)
    assert tier.history.order_by("-history_id").first().history_user == manager


def test_stale_form_is_refused_and_changes_nothing(manager_client):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    form = page(manager_client.get(change_url(tier)))
    assert '<input type="hidden" name="seen_version" value="1"' in form
    tier.first_response_minutes = 200  # someone else saves first
    tier.save()
    before = snapshot(m.SlaTier)
    response = post_admin(
        manager_client,
        change_url(tier),
        m.SlaTier,
        tier_form(tier, first_response_minutes="180", seen_version="1"),
    )
    assert "这条规则在您打开后已被修改(您看到的是第1版，当前是第2版)。请刷新页面后重新修改。" in page(
        response
    )
    assert snapshot(m.SlaTier) == before
    response = post_admin(
        manager_client,
        change_url(tier),
        m.SlaTier,
        tier_form(tier, first_response_minutes="180", seen_version="2"),
    )
    assert response.status_code == 302


def test_platform_rule_form_carries_the_seen_version(manager_client):
    rule = m.PlatformRule.objects.create(platform="jd", appeal_window_days=30)
    assert 'name="seen_version" value="1"' in page(manager_client.get(change_url(rule)))


def test_revert_that_is_now_invalid_is_refused_and_changes_nothing(manager_client):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    original = tier.history.get()
    before = snapshot(m.SlaTier)
    revert_url = reverse("admin:policies_slatier_simple_history", args=[tier.pk, original.history_id])
    response = manager_client.post(revert_url, tier_form(tier, warn_at_percent="100"))
    assert "预警百分比必须在1到99之间。" in page(response)
    assert snapshot(m.SlaTier) == before


@pytest.fixture
def case_links(monkeypatch):
    """Only this test's provider (the cases app registers its own in ready())."""

    def provider(model_name, rule_id):
        if model_name == "slatier":
            return (f"/cases/?sla_tier={rule_id}", 7)
        return None

    monkeypatch.setattr(rule_case_links, "_items", [provider])
    return provider


def test_rule_links_to_the_cases_it_decided_when_the_cases_app_provides_them(manager_client, case_links):
    tier = m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    link = f'<a href="/cases/?sla_tier={tier.pk}">7 个案件</a>'
    assert link in page(manager_client.get(change_url(tier)))
    assert link in page(manager_client.get(reverse("admin:policies_slatier_changelist")))
    # No column for a model the provider knows nothing about.
    signal = m.MaliciousSignal.objects.create(name="返现", kind="phrase", patterns="返现")
    assert "已决定的案件" not in page(manager_client.get(change_url(signal)))
    assert "已决定的案件" not in page(
        manager_client.get(reverse("admin:policies_malicioussignal_changelist"))
    )


def test_no_case_column_without_a_provider(manager_client, monkeypatch):
    monkeypatch.setattr(rule_case_links, "_items", [])
    m.SlaTier.objects.create(
        issue_type=issue_type(), name="质量4小时", first_response_minutes=240, handling_role="supervisor"
    )
    assert "已决定的案件" not in page(manager_client.get(reverse("admin:policies_slatier_changelist")))


def test_agent_cannot_open_the_policy_admin(client, make_user):
    client.force_login(make_user("agent"))
    response = client.get(reverse("admin:policies_slatier_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_view_only_staff_may_export_but_not_import(client, make_user):
    client.force_login(make_user("supervisor", is_staff=True))
    assert client.get(reverse("admin:policies_slatier_changelist")).status_code == 200
    assert client.get(reverse("admin:policies_slatier_import")).status_code == 403
    assert client.get(reverse("admin:policies_slatier_export")).status_code == 200


# --- import / export of one model through django-import-export --------------------------------------

TIER_HEADERS = [
    "店铺",
    "启用",
    "问题类型",
    "名称",
    "首次响应时限(分钟)",
    "买家回复后再响应时限(分钟)",
    "私下沟通未果时公开回复时限(分钟)",
    "解决时限(分钟)",
    "处理角色",
    "超时升级给",
    "预警百分比",
    "营业日历",
]


def xlsx(rows, headers=TIER_HEADERS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "sla.xlsx"
    return buffer


def test_xlsx_import_with_a_bad_row_shows_the_row_error_and_writes_nothing(manager_client):
    issue_type("quality")
    issue_type("logistics", "物流延误")
    upload = xlsx(
        [
            [None, 1, "logistics", "物流2小时", 120, 180, 1440, 2880, "agent", "supervisor", 80, None],
            [None, 1, "quality", "质量4小时", 240, 180, 1440, 2880, "supervisor", "manager", 100, None],
        ]
    )
    response = manager_client.post(
        reverse("admin:policies_slatier_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert response.status_code == 200
    body = page(response)
    assert "预警百分比必须在1到99之间。" in body
    assert 'name="import_file_name"' not in body  # no confirm form
    assert m.SlaTier.objects.count() == 0


def test_xlsx_import_of_a_good_file_previews_then_writes_with_history_user(manager_client, manager):
    issue_type("logistics", "物流延误")
    upload = xlsx(
        [[None, "是", "logistics", "物流2小时", 120, 180, 1440, 2880, "agent", "supervisor", 80, None]]
    )
    preview = manager_client.post(
        reverse("admin:policies_slatier_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert m.SlaTier.objects.count() == 0  # the preview is a dry run
    confirm = preview.context["confirm_form"]
    response = manager_client.post(reverse("admin:policies_slatier_process_import"), confirm.initial)
    assert response.status_code == 302
    tier = m.SlaTier.objects.get()
    assert (tier.name, tier.first_response_minutes, tier.handling_role) == ("物流2小时", 120, "agent")
    assert tier.history.get().history_user == manager


def test_xlsx_import_with_an_unknown_issue_type_names_it(manager_client):
    upload = xlsx([[None, 1, "nosuch", "物流2小时", 120, 180, 1440, 2880, "agent", "supervisor", 80, None]])
    response = manager_client.post(
        reverse("admin:policies_slatier_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert "找不到问题类型“nosuch”。" in page(response)
    assert m.SlaTier.objects.count() == 0


def test_csv_export_has_a_bom_and_gb18030_csv_imports(manager_client):
    m.CustomerTier.objects.create(code="vip", name="VIP客户", min_annual_spend=Decimal("1000"), priority=10)
    export = manager_client.post(
        reverse("admin:policies_customertier_export"),
        {
            "format": "1",
            "resource": "0",
            "customertierresource_code": "on",
            "customertierresource_name": "on",
        },
    )
    assert export.status_code == 200
    assert export.content.startswith("\ufeff".encode())
    assert "VIP客户" in export.content.decode("utf-8-sig")

    csv_text = "代码,名称,年消费不低于(元),优先级,启用,店铺\nsilent,沉默客户,,50,是,\n"
    upload = io.BytesIO(csv_text.encode("gb18030"))
    upload.name = "tiers.csv"
    preview = manager_client.post(
        reverse("admin:policies_customertier_import"), {"import_file": upload, "format": "1", "resource": "0"}
    )
    assert "沉默客户" in page(preview)
    manager_client.post(
        reverse("admin:policies_customertier_process_import"), preview.context["confirm_form"].initial
    )
    assert m.CustomerTier.objects.get(code="silent").name == "沉默客户"


# --- the policies app index links to the tools ------------------------------------------------------


def test_policies_admin_index_links_to_the_pack_and_sandbox(manager_client, client, make_user):
    index = page(manager_client.get(reverse("admin:app_list", args=["policies"])))
    for name in ("sandbox", "pack_export", "pack_import"):
        assert reverse(f"policies:{name}") in index
    client.force_login(make_user("supervisor", is_staff=True))
    view_only = page(client.get(reverse("admin:app_list", args=["policies"])))
    assert reverse("policies:sandbox") in view_only and reverse("policies:pack_import") not in view_only
