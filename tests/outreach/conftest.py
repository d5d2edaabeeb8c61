"""Fixtures of the outreach tests: the local providers, a shop's account at each, its templates."""

from __future__ import annotations

import datetime as dt

import pytest
from django_q.conf import Conf

from outreach.choices import ProviderKind, SmsPurpose
from outreach.models import SmsAccount, SmsTemplate
from tests.outreach.fake_providers import AliyunGateway, TencentGateway

CARE_TEXT = "亲，感谢您对{shop_name}的支持！为您送上一张{coupon_amount}元专属优惠券，欢迎再次光临~"
ALERT_TEXT = "【差评提醒】{shop_name} 案件{case_no}：{rating}星“{excerpt}”"
CONTACT_TEXT = "亲，关于您订单{order_no}反馈的问题，{shop_name}客服已在处理，请留意私信~"


@pytest.fixture
def q_sync(monkeypatch):
    """Run django-q2 tasks in-process (the cluster's own sync mode), so enqueued work happens now."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def local_outbound(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def aliyun(local_outbound):
    with AliyunGateway() as gateway:
        yield gateway


@pytest.fixture
def tencent(local_outbound):
    with TencentGateway() as gateway:
        yield gateway


def make_account(shop=None, *, gateway, provider=ProviderKind.ALIYUN, client=None, **fields) -> SmsAccount:
    if provider == ProviderKind.ALIYUN:
        keys = {"access_key_id": gateway.key_id, "access_key_secret": gateway.secret}
    else:
        keys = {
            "access_key_id": gateway.secret_id,
            "access_key_secret": gateway.secret_key,
            "app_id": gateway.app_id,
        }
    return SmsAccount.objects.create(
        name=f"{provider} account",
        provider=provider,
        shop=shop,
        client=client,
        endpoint=gateway.base_url + "/",
        sign_name="好店",
        **keys,
        **fields,
    )


def make_templates(provider=ProviderKind.ALIYUN, **layer) -> dict[str, SmsTemplate]:
    code = "SMS_100" if provider == ProviderKind.ALIYUN else "100"
    rows = {
        "care": (SmsPurpose.CARE, CARE_TEXT),
        "alert": (SmsPurpose.ALERT, ALERT_TEXT),
        "contact": (SmsPurpose.CONTACT, CONTACT_TEXT),
    }
    return {
        name: SmsTemplate.objects.create(
            code=name,
            name=name,
            purpose=purpose,
            provider=provider,
            template_code=f"{code}{i}",
            text=text,
            **layer,
        )
        for i, (name, (purpose, text)) in enumerate(rows.items())
    }


@pytest.fixture
def aliyun_shop(shop, aliyun):
    account = make_account(shop, gateway=aliyun)
    return {"shop": shop, "account": account, "templates": make_templates(), "gateway": aliyun}


@pytest.fixture
def tencent_shop(shop, tencent):
    account = make_account(shop, gateway=tencent, provider=ProviderKind.TENCENT)
    return {
        "shop": shop,
        "account": account,
        "templates": make_templates(ProviderKind.TENCENT),
        "gateway": tencent,
    }


# Noon in Shanghai: outside every default quiet hour.
NOON = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)
