"""Rows of the outreach app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

from outreach.models import OptOut, SmsAccount, SmsMessage, SmsTemplate, SupervisorPhone


def sms_rows(shop, client, supervisor) -> None:
    """Issue #21: ``shop``'s SMS account, a template override, a message sent; an opt-out of ``client``; the
    alert number of ``supervisor``."""
    account = SmsAccount.objects.create(
        name="a-sms", provider="aliyun", shop=shop, access_key_id="ak", access_key_secret="sk", sign_name="甲"
    )
    SmsTemplate.objects.create(
        code="care",
        name="关怀",
        purpose="care",
        provider="aliyun",
        template_code="SMS_1",
        text="亲~",
        shop=shop,
    )
    SmsMessage.objects.create(
        account=account,
        shop=shop,
        purpose="care",
        phone="13800000000",
        phone_masked="138****0000",
        sign_name="甲",
        template_code="SMS_1",
        text="亲~",
        idempotency_key="matrix-a",
    )
    OptOut.objects.create(client=client, phone_hash="0" * 64, phone_masked="138****0001", source="manual")
    SupervisorPhone.objects.create(user=supervisor, phone="13900000000", phone_masked="139****0000")
