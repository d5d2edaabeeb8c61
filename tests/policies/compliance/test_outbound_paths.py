"""One checker for every outbound word: each path that saves or sends words to a buyer stops a reworded
inducement through ``policies.engine.check_compliance`` — template save, follow-up steps (admin and
schedule), the composer's live check, its submit and the API. (The composer and API also refuse a sample
of every blocking rule: tests/cases/test_workspace_actions.py, tests/cases/test_api_cases_actions.py.)"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import CaseStatus
from cases.models import FollowUpTask, Reply
from cases.workflow.followups import followups_schedule
from policies import models as m
from policies.compliance.normalise import normalise
from policies.engine import check_compliance, follow_ups
from policies.loader import load_policy
from reviewdesk.i18n_text import render_text
from tests.cases.api_cases_support import case_url, session_client
from tests.cases.test_workspace_actions import act
from tests.cases.workflow_factories import member, snapshot, triaged_case
from tests.cases.workspace_support import triaged_case as workspace_case
from tests.factories import ShopFactory
from tests.policies import admin_support
from tests.policies.admin_support import add_url, inline, page, post_admin
from tests.policies.test_validation_admin import template_data

manager, manager_client = admin_support.manager, admin_support.manager_client
pytestmark = pytest.mark.django_db

REWORDED = "亲，給個五⭐好 評，好評後聯系客服領取伍元紅包哦"  # traditional, spaced, a star, a banker's 伍


@pytest.mark.usefixtures("seeded")
def test_the_reworded_sample_is_still_recognised():
    assert "5星好评" in normalise(REWORDED).text and "5元红包" in normalise(REWORDED).text
    report = check_compliance(
        REWORDED, platform="taobao", channel="private_message", policy=load_policy(platform="taobao")
    )
    assert report.blocked and report.blocking[0].category == "inducement"


@pytest.mark.usefixtures("seeded")
def test_template_save_refuses_a_reworded_inducement(manager_client):
    before = admin_support.snapshot(m.ReplyTemplate)
    response = post_admin(
        manager_client, add_url(m.ReplyTemplate), m.ReplyTemplate, template_data(body="亲，好 評 返 現哦")
    )
    assert response.status_code == 200
    assert "启用中的模板违反淘宝的合规规则：“好 評 返 現”" in page(response)
    assert admin_support.snapshot(m.ReplyTemplate) == before


@pytest.mark.usefixtures("seeded")
def test_a_follow_up_step_is_checked_on_its_own_channel(manager_client):
    # A rule for text messages only: the template passes as a private message, not as the step's SMS.
    m.ComplianceRule.objects.create(
        name="短信利诱",
        channels="sms",
        patterns="复购返现",
        reason="短信不得返现。",
        category="inducement",
    )
    template = m.ReplyTemplate.objects.create(
        name="回访", channel="private_message", stage="follow_up", body="亲，复 購 返 現，欢迎再来"
    )
    before = admin_support.snapshot(m.FollowUpStep)
    step = {"name": "3天短信", "offset_minutes": "4320", "channel": "sms", "template": str(template.pk)}
    plan = {"name": "回访计划", "event": "resolved", "shop": "", "active": ""}  # the pack's plan is active
    response = post_admin(
        manager_client, add_url(m.FollowUpPlan), m.FollowUpPlan, {**plan, **inline("steps", [step])}
    )
    assert response.status_code == 200
    assert "模板“回访”在淘宝的短信渠道违反合规规则：“复 購 返 現”：短信不得返现。" in page(response)
    assert admin_support.snapshot(m.FollowUpStep) == before
    assert not m.FollowUpPlan.objects.filter(name="回访计划").exists()
    step["channel"] = "private_message"
    response = post_admin(
        manager_client, add_url(m.FollowUpPlan), m.FollowUpPlan, {**plan, **inline("steps", [step])}
    )
    assert response.status_code == 302
    assert m.FollowUpStep.objects.get(plan__name="回访计划").channel == "private_message"


@pytest.mark.usefixtures("seeded")
def test_a_follow_up_whose_template_the_rules_now_block_is_skipped_with_the_reason():
    shop = ShopFactory(platform="taobao")
    agent = member("agent", shop)
    # A rule added after the plan was saved: the 3-day SMS template now breaks it.
    m.ComplianceRule.objects.create(
        name="短信复购券", channels="sms", patterns="专属优惠券", reason="测试：短信不得发券。"
    )
    policy = load_policy(shop=shop, platform="taobao")
    _ref, steps = follow_ups(policy)
    sms = next(s for s in steps if s.channel == "sms" and "3天" in s.name)
    assert sms.skipped and "未通过合规检查" in sms.reason and "测试：短信不得发券。" in sms.reason
    case = triaged_case(shop, assignee=agent, status=CaseStatus.RESOLVED)
    tasks = followups_schedule(case=case, policy=policy, now=dt.datetime(2026, 6, 2, tzinfo=dt.UTC))
    task = next(t for t in tasks if t.name == sms.name)
    assert "未通过合规检查" in render_text(FollowUpTask.objects.get(pk=task.pk).skipped_reason)
    assert all(not t.skipped_reason for t in tasks if t.channel == "private_message" and "满意度" in t.name)


@pytest.mark.usefixtures("seeded")
def test_the_composer_live_check_and_submit_stop_a_reworded_inducement(client):
    shop = ShopFactory(platform="taobao")
    agent = member("agent", shop)
    # received now (workspace_support), so the platform's reply window is open
    case = workspace_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    client.force_login(agent)
    check_url = reverse("cases:compose_check", kwargs={"pk": case.pk, "action": "public_reply"})
    shown = client.post(check_url, {"text": REWORDED}).content.decode()
    assert "不能发送" in shown and "“好評後聯系客服領取”" in shown  # the original words
    before = snapshot(case.pk)
    refused = act(client, case, "public_reply", text=REWORDED)
    assert (
        refused.status_code == 400 and "内容违反平台规则，不能发送" in refused.context["refusal"]["message"]
    )
    assert snapshot(case.pk) == before and not Reply.objects.filter(case=case).exists()


@pytest.mark.usefixtures("seeded")
def test_the_api_reports_each_finding_with_its_category_and_original_span(make_user):
    shop = ShopFactory(platform="taobao")
    agent = make_user("agent", shops=[shop])
    # A template saved before a rule caught it (created without the admin's check): the API shows why.
    m.ReplyTemplate.objects.create(
        name="旧模板", channel="private_message", stage="first_contact", shop=shop, body="亲，好 評 返 現哦"
    )
    case = triaged_case(shop, received_at=timezone.now() - dt.timedelta(hours=1), assignee=agent)
    body = session_client(agent).get(f"{case_url(case)}compose/").json()
    (draft,) = [d for d in body["reply_drafts"] if d["name"] == "旧模板"]
    (finding,) = draft["compliance"]["findings"]
    assert finding["category"] == "inducement" and finding["action"] == "block"
    assert finding["matched"] == "好 評 返 現" == draft["text"][finding["start"] : finding["end"]]
    assert finding["cited_rule"].startswith("《网络交易监督管理办法》")
