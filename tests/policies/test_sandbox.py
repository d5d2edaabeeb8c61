"""The policy sandbox: a manager types a review and sees the engine's whole decision and why."""

import pytest
from django.urls import reverse

from policies import models as m
from tests.policies import admin_support
from tests.policies.admin_support import page

pytestmark = pytest.mark.django_db

manager, manager_client = admin_support.manager, admin_support.manager_client

REVIEW = {
    "platform": "taobao",
    "shop": "",
    "rating": "1",
    "text": "物流太慢了，还压坏了",
    "appended_text": "",
    "order_amount": "250",
    "shipping_fee": "12",
    "annual_spend": "0",
    "received_at": "2026-11-20T23:30",
}


def test_manager_sees_the_whole_decision(manager_client, policy_pack):
    response = manager_client.post(reverse("policies:sandbox"), REVIEW)
    assert response.status_code == 200
    body = page(response)
    assert "物流延误/包裹破损" in body
    assert "物流延误(2小时)" in body
    assert "<td>客服</td>" in body and "<td>客服主管</td>" in body  # handled by / escalated to
    assert "2026-11-21 09:30" in body  # 2 business hours from 23:30 (open 08:00–24:00)
    assert "<td>赔偿运费(订单运费的1.5倍)</td><td>18.00</td>" in body
    assert "公开回复(致歉说明)" in body and "合规检查通过" in body
    assert "首次响应：2小时，截止 2026-11-21 09:30" in body  # the explanation


def test_sandbox_shows_a_rule_edit_at_once_and_links_to_the_rules(manager_client, policy_pack):
    tier = m.SlaTier.objects.get(issue_type__code="logistics", shop__isnull=True)
    before = page(manager_client.post(reverse("policies:sandbox"), REVIEW))
    link = f'<a href="{reverse("admin:policies_slatier_change", args=[tier.pk])}">物流延误(2小时)</a>'
    assert link in before and "(第1版)" in before.split(link)[1][:40]
    tier.first_response_minutes = 60
    tier.save()
    after = page(manager_client.post(reverse("policies:sandbox"), REVIEW))
    assert "首次响应：1小时，截止 2026-11-21 08:30" in after
    assert "(第2版)" in after.split(link)[1][:40]


def test_malicious_wording_and_blocked_template_are_shown(manager_client, policy_pack):
    body = page(
        manager_client.post(reverse("policies:sandbox"), REVIEW | {"text": "给我返现我就删评，不然一直差评"})
    )
    assert "恶意差评" in body and "(疑似恶意)" in body


def test_bad_input_gets_clear_errors_and_no_decision(manager_client, policy_pack, other_shop):
    bad = REVIEW | {"platform": "taobao", "shop": other_shop.pk, "order_amount": "-5", "received_at": "昨天"}
    body = page(manager_client.post(reverse("policies:sandbox"), bad))
    assert "金额不能为负数。" in body
    assert "店铺“抖店旗舰店”属于抖店，与所选平台不一致。" in body
    assert "输入一个有效的日期/时间。" in body
    assert 'id="offers"' not in body and "完整说明" not in body


def test_form_is_keyboard_friendly(manager_client):
    body = page(manager_client.get(reverse("policies:sandbox")))
    assert '<label for="id_platform">平台</label>' in body
    assert (
        'name="platform" autofocus' in body or "autofocus" in body.split('name="platform"')[1].split(">")[0]
    )
    assert '<label for="id_received_at">收到评价时间</label>' in body


def test_agent_is_refused(client, make_user, policy_pack):
    client.force_login(make_user("agent"))
    response = client.post(reverse("policies:sandbox"), REVIEW)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_policy_view_permission_is_refused(client, make_user):
    client.force_login(make_user("hr", is_staff=True))
    assert client.get(reverse("policies:sandbox")).status_code == 403
