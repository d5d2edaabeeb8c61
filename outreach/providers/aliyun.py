"""Alibaba Cloud SMS (dysmsapi, version 2017-05-25), RPC style.

Signing, as Alibaba Cloud's "signature method" page describes: every parameter but ``Signature``, sorted
by name; names and values percent-encoded per RFC 3986 (only ``A-Z a-z 0-9 - _ . ~`` stay, a space is
``%20``, ``*`` is ``%2A``, ``~`` stays); joined with ``=`` and ``&``; the string to sign is
``METHOD&%2F&`` + the encoded query encoded once more; the signature is Base64(HMAC-SHA1(secret + "&",
string)). ``tests/outreach/test_signing.py`` checks this against the documentation's published example.

Receipts are polled (``QuerySendDetails`` by number and date, matched on our ``OutId``), which also
finds a message accepted by a try whose answer was lost.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.providers.base import (
    DELIVERED,
    PENDING,
    UNDELIVERED,
    ProviderAnswer,
    Receipt,
    SmsProvider,
    meaning,
)
from reviewdesk.outbound import request

VERSION = "2017-05-25"

# Code → (message for people, whether a later try can succeed). From the SendSms error code list.
ERRORS: dict[str, tuple[str, bool]] = {
    "isv.BUSINESS_LIMIT_CONTROL": (_("短信发送频率超限(服务商流控)，稍后自动重试。"), True),
    "isv.DAY_LIMIT_CONTROL": (_("该号码今日短信已达服务商上限，不再重试。"), False),
    "isv.AMOUNT_NOT_ENOUGH": (_("短信账户余额不足，请充值后再发送。"), False),
    "isv.SMS_TEMPLATE_ILLEGAL": (_("短信模板不存在或未审核通过，请检查模板编号。"), False),
    "isv.SMS_SIGNATURE_ILLEGAL": (_("短信签名不存在或未审核通过，请检查签名。"), False),
    "isv.MOBILE_NUMBER_ILLEGAL": (_("手机号码格式不正确，无法发送。"), False),
    "isv.TEMPLATE_MISSING_PARAMETERS": (_("短信模板变量缺失。"), False),
    "isv.INVALID_PARAMETERS": (_("短信参数不合法。"), False),
    "isv.BLACK_KEY_CONTROL_LIMIT": (_("短信内容含服务商禁止的关键字。"), False),
    "isv.OUT_OF_SERVICE": (_("短信服务已停机，请检查账户。"), False),
    "isv.ACCOUNT_ABNORMAL": (_("短信账户异常，请检查账户。"), False),
    "isp.SYSTEM_ERROR": (_("服务商系统错误，稍后自动重试。"), True),
    "isp.RAM_PERMISSION_DENY": (_("AccessKey 没有短信发送权限。"), False),
    "SignatureDoesNotMatch": (_("签名校验失败：请检查 AccessKey Secret。"), False),
    "InvalidAccessKeyId.NotFound": (_("AccessKey ID 不存在。"), False),
    "Throttling.User": (_("短信接口调用过于频繁，稍后自动重试。"), True),
}


def percent_encode(value: str) -> str:
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(params[k])}" for k in sorted(params))


def string_to_sign(method: str, params: dict[str, str]) -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def sign(secret: str, method: str, params: dict[str, str]) -> str:
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(method, params).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _timestamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AliyunSms(SmsProvider):
    kind = "aliyun"

    def _call(self, action: str, fields: dict[str, str], now: dt.datetime | None = None) -> dict:
        account = self.account
        params = {
            "AccessKeyId": account.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": account.api_region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": _timestamp(now or timezone.now()),
            "Version": VERSION,
            **{k: v for k, v in fields.items() if v not in (None, "")},
        }
        params["Signature"] = sign(account.access_key_secret, "POST", params)
        body = canonical_query(params).encode()
        response = request(
            account.api_endpoint,
            method="POST",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        return response.json()

    def send(self, phone, sign_name, template_code, params, *, out_id):
        answer = self._call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": sign_name,
                "TemplateCode": template_code,
                "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":"))
                if params
                else "",
                "OutId": out_id,
            },
        )
        code = str(answer.get("Code") or "")
        if code == "OK":
            return ProviderAnswer(accepted=True, message_id=str(answer.get("BizId") or ""), code=code)
        known = meaning(ERRORS, code, str(answer.get("Message") or ""))
        return ProviderAnswer(accepted=False, code=code or "?", message=known.message, retry=known.retry)

    def _details(self, phone: str, day: dt.date, biz_id: str = "") -> list[dict]:
        answer = self._call(
            "QuerySendDetails",
            {
                "PhoneNumber": phone,
                "SendDate": day.strftime("%Y%m%d"),
                "PageSize": "50",
                "CurrentPage": "1",
                "BizId": biz_id,
            },
        )
        if answer.get("Code") != "OK":
            return []
        rows = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        return [row for row in rows if isinstance(row, dict)]

    def _days(self, since: dt.datetime) -> list[dt.date]:
        # SendDate is the provider's (Beijing) calendar day; a message near midnight may sit on either.
        start = timezone.localtime(since).date()
        today = timezone.localdate()
        return [start] if start >= today else [start, today]

    def find_sent(self, phone, *, out_id, since):
        for day in self._days(since):
            for row in self._details(phone, day):
                if str(row.get("OutId") or "") == out_id:
                    return ProviderAnswer(accepted=True, message_id=str(row.get("BizId") or ""), code="OK")
        return None

    def query_status(self, phone, *, message_id, out_id, sent_at):
        for day in self._days(sent_at):
            for row in self._details(phone, day, message_id):
                if out_id and str(row.get("OutId") or "") not in ("", out_id):
                    continue
                status = int(row.get("SendStatus") or 1)
                state = {3: DELIVERED, 2: UNDELIVERED}.get(status, PENDING)
                return Receipt(
                    state=state, message_id=message_id, out_id=out_id, code=str(row.get("ErrCode") or "")
                )
        return None

    def parse_receipt(self, payload):
        """Alibaba Cloud's receipts are read by polling (``query_status``); no callback is accepted."""
        return []
