"""Tencent Cloud SMS (API 3.0, version 2021-01-11), signed with TC3-HMAC-SHA256.

Signing, as Tencent Cloud's "Signature v3" page describes: the canonical request (method, ``/``, an
empty query, the ``content-type`` and ``host`` headers, their names, the hex SHA-256 of the body); the
string to sign ``TC3-HMAC-SHA256\\n<timestamp>\\n<UTC date>/sms/tc3_request\\n<hex SHA-256 of the
canonical request>``; the key derived ``HMAC("TC3"+SecretKey, date) → service → "tc3_request"``; the
signature its hex HMAC-SHA256. ``tests/outreach/test_signing.py`` checks this against the page's example.

Receipts arrive as status callbacks (``parse_receipt``; Tencent signs none, so the callback URL carries
the account's secret token, see ``outreach.views``). A message whose answer was lost is found by
``PullSmsSendStatusByPhoneNumber`` (the report names our ``SessionContext``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outreach.providers.base import DELIVERED, UNDELIVERED, ProviderAnswer, Receipt, SmsProvider, meaning
from reviewdesk.outbound import request

VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"

ERRORS: dict[str, tuple[str, bool]] = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": (_("同一号码30秒内发送过于频繁，稍后自动重试。"), True),
    "LimitExceeded.PhoneNumberOneHourLimit": (_("同一号码1小时内发送条数超限，稍后自动重试。"), True),
    "LimitExceeded.DeliveryFrequencyLimit": (_("下发频率超限(服务商流控)，稍后自动重试。"), True),
    "LimitExceeded.PhoneNumberDailyLimit": (_("该号码今日短信已达服务商上限，不再重试。"), False),
    "LimitExceeded.DailyLimit": (_("短信日发送量已达上限，不再重试。"), False),
    "FailedOperation.InsufficientBalanceInSmsPackage": (_("短信套餐包余量不足，请购买后再发送。"), False),
    "FailedOperation.TemplateIncorrectOrUnapproved": (_("短信模板不存在或未审核通过，请检查模板ID。"), False),
    "FailedOperation.SignatureIncorrectOrUnapproved": (_("短信签名不存在或未审核通过，请检查签名。"), False),
    "FailedOperation.PhoneNumberInBlacklist": (_("该号码在服务商的黑名单中(曾退订)，无法发送。"), False),
    "FailedOperation.ContainSensitiveWord": (_("短信内容含服务商禁止的敏感词。"), False),
    "InvalidParameterValue.IncorrectPhoneNumber": (_("手机号码格式不正确，无法发送。"), False),
    "InvalidParameterValue.TemplateParameterFormatError": (_("短信模板变量格式不正确。"), False),
    "InvalidParameterValue.TemplateParameterLengthLimit": (_("短信模板变量超过长度上限。"), False),
    "AuthFailure.SignatureFailure": (_("签名校验失败：请检查 SecretKey。"), False),
    "AuthFailure.SecretIdNotFound": (_("SecretId 不存在。"), False),
    "AuthFailure.SignatureExpire": (_("签名已过期：请检查服务器时间。"), True),
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": (_("SdkAppId 校验失败，请检查应用ID。"), False),
    "InternalError.": (_("服务商内部错误，稍后自动重试。"), True),
    "RequestLimitExceeded": (_("短信接口调用过于频繁，稍后自动重试。"), True),
}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def canonical_request(*, host: str, payload: bytes, content_type: str = CONTENT_TYPE) -> str:
    headers = f"content-type:{content_type}\nhost:{host}\n"
    return f"POST\n/\n\n{headers}\ncontent-type;host\n{_sha256(payload)}"


def string_to_sign(*, timestamp: int, service: str, canonical: str) -> str:
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    return f"{ALGORITHM}\n{timestamp}\n{date}/{service}/tc3_request\n{_sha256(canonical.encode('utf-8'))}"


def signature(*, secret_key: str, timestamp: int, service: str, to_sign: str) -> str:
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode("utf-8"), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(
    *, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int, service: str = SERVICE
) -> str:
    to_sign = string_to_sign(
        timestamp=timestamp, service=service, canonical=canonical_request(host=host, payload=payload)
    )
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    return (
        f"{ALGORITHM} Credential={secret_id}/{date}/{service}/tc3_request, SignedHeaders=content-type;host, "
        f"Signature={signature(secret_key=secret_key, timestamp=timestamp, service=service, to_sign=to_sign)}"
    )


def e164(phone: str) -> str:
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentSms(SmsProvider):
    kind = "tencent"

    def _call(self, action: str, body: dict) -> dict:
        account = self.account
        url = account.api_endpoint
        host = urlsplit(url).netloc
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(timezone.now().timestamp())
        response = request(
            url,
            method="POST",
            body=payload,
            headers={
                "Authorization": authorization(
                    secret_id=account.access_key_id,
                    secret_key=account.access_key_secret,
                    host=host,
                    payload=payload,
                    timestamp=timestamp,
                ),
                "Content-Type": CONTENT_TYPE,
                "Host": host,
                "X-TC-Action": action,
                "X-TC-Version": VERSION,
                "X-TC-Timestamp": str(timestamp),
                "X-TC-Region": account.api_region,
            },
        )
        answer = response.json().get("Response") or {}
        return answer if isinstance(answer, dict) else {}

    def send(self, phone, sign_name, template_code, params, *, out_id):
        answer = self._call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": self.account.app_id,
                "SignName": sign_name,
                "TemplateId": template_code,
                "TemplateParamSet": [str(v) for v in params.values()],
                "SessionContext": out_id,
            },
        )
        error = answer.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code") or "?")
            known = meaning(ERRORS, code, str(error.get("Message") or ""))
            return ProviderAnswer(accepted=False, code=code, message=known.message, retry=known.retry)
        statuses = answer.get("SendStatusSet") or []
        status = statuses[0] if statuses and isinstance(statuses[0], dict) else {}
        code = str(status.get("Code") or "?")
        if code == "Ok":
            return ProviderAnswer(accepted=True, message_id=str(status.get("SerialNo") or ""), code=code)
        known = meaning(ERRORS, code, str(status.get("Message") or ""))
        return ProviderAnswer(accepted=False, code=code, message=known.message, retry=known.retry)

    def _reports(self, phone: str, since: dt.datetime) -> list[dict]:
        answer = self._call(
            "PullSmsSendStatusByPhoneNumber",
            {
                "BeginTime": int(since.timestamp()) - 60,
                "EndTime": int(timezone.now().timestamp()) + 60,
                "Offset": 0,
                "Limit": 100,
                "PhoneNumber": e164(phone),
                "SmsSdkAppId": self.account.app_id,
            },
        )
        rows = answer.get("PullSmsSendStatusSet") or []
        return [row for row in rows if isinstance(row, dict)]

    def find_sent(self, phone, *, out_id, since):
        for row in self._reports(phone, since):
            if str(row.get("SessionContext") or "") == out_id:
                return ProviderAnswer(accepted=True, message_id=str(row.get("SerialNo") or ""), code="Ok")
        return None

    def query_status(self, phone, *, message_id, out_id, sent_at):
        for row in self._reports(phone, sent_at):
            if str(row.get("SerialNo") or "") == message_id or str(row.get("SessionContext") or "") == out_id:
                state = DELIVERED if row.get("ReportStatus") == "SUCCESS" else UNDELIVERED
                return Receipt(
                    state=state, message_id=message_id, out_id=out_id, code=str(row.get("Description") or "")
                )
        return None

    def parse_receipt(self, payload):
        """The status callback's body: a JSON list of reports (``sid`` the SerialNo, ``report_status``)."""
        rows = payload if isinstance(payload, list) else [payload] if isinstance(payload, dict) else []
        receipts = []
        for row in rows:
            if not isinstance(row, dict) or not row.get("sid"):
                continue
            state = DELIVERED if row.get("report_status") == "SUCCESS" else UNDELIVERED
            receipts.append(
                Receipt(state=state, message_id=str(row["sid"]), code=str(row.get("errmsg") or "")[:64])
            )
        return receipts
