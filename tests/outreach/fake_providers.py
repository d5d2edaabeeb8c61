"""Local stand-ins of Alibaba Cloud SMS and Tencent Cloud SMS: real HTTP servers on 127.0.0.1 (the
house scaffold, ``tests/connectors/gateway_base.py``) that verify each request's signature with their
own implementation of the documented algorithm and answer with the documented success and error bodies.

Knobs: ``fail_next`` (a list of error codes the next sends answer with, in order), ``records`` (every
accepted message: number, our out id, the provider's id, its parameters), ``deliver(out_id)`` (the
handset got it: the status query and the reports say so), ``sends`` (how many SendSms were accepted).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from urllib.parse import quote

from tests.connectors.gateway_base import NOT_FOUND, LocalGateway, form_fields


class HeaderGateway(LocalGateway):
    """The scaffold, with the request's headers readable from ``respond`` (same thread)."""

    def __init__(self):
        super().__init__()
        self.local = threading.local()
        self.fail_next: list[str] = []
        self.records: list[dict] = []
        self.bad_signatures = 0

    def _handler(self):
        base = super()._handler()
        gateway = self

        class Handler(base):
            def _serve(self, verb):
                gateway.local.headers = self.headers
                super()._serve(verb)

        return Handler

    @property
    def sends(self) -> int:
        return len(self.records)

    def record(self, out_id: str) -> dict:
        return next(r for r in self.records if r["out_id"] == out_id)

    def deliver(self, out_id: str, ok: bool = True) -> None:
        self.record(out_id)["delivered"] = ok


# --- Alibaba Cloud ---------------------------------------------------------------------------------

ALIYUN_ERRORS = {
    "isv.BUSINESS_LIMIT_CONTROL": "触发分钟级流控Permits:1",
    "isv.AMOUNT_NOT_ENOUGH": "账户余额不足",
    "isv.SMS_TEMPLATE_ILLEGAL": "模板不合法(不存在或被拉黑)",
    "isv.MOBILE_NUMBER_ILLEGAL": "非法手机号",
}


def _enc(value: str) -> str:
    return quote(value, safe="-_.~")


class AliyunGateway(HeaderGateway):
    def __init__(self, key_id: str = "LTAI-test", secret: str = "aliyun-secret"):
        super().__init__()
        self.key_id, self.secret = key_id, secret

    def _signed(self, fields: dict) -> bool:
        given = fields.pop("Signature", "")
        canonical = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in sorted(fields.items()))
        to_sign = "POST&%2F&" + _enc(canonical)
        expected = base64.b64encode(
            hmac.new((self.secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        return fields.get("AccessKeyId") == self.key_id and hmac.compare_digest(given, expected)

    def respond(self, verb, path, query, body):
        if verb != "POST" or path != "/":
            return NOT_FOUND
        fields = form_fields(body)
        request_id = str(uuid.uuid4()).upper()
        with self.lock:
            self.calls.append((fields.get("Action", ""), dict(fields)))
            if not self._signed(fields):
                self.bad_signatures += 1
                return {
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature is not matched",
                    "RequestId": request_id,
                }
            if fields.get("Action") == "SendSms":
                if self.fail_next:
                    code = self.fail_next.pop(0)
                    return {"Code": code, "Message": ALIYUN_ERRORS.get(code, code), "RequestId": request_id}
                biz_id = f"{len(self.records) + 1:06d}^{uuid.uuid4().int % 10**10}"
                self.records.append(
                    {
                        "phone": fields["PhoneNumbers"],
                        "out_id": fields.get("OutId", ""),
                        "id": biz_id,
                        "template": fields["TemplateCode"],
                        "sign": fields["SignName"],
                        "params": json.loads(fields.get("TemplateParam") or "{}"),
                        "day": dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d"),
                        "delivered": None,
                    }
                )
                return {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}
            if fields.get("Action") == "QuerySendDetails":
                rows = [
                    {
                        "PhoneNum": r["phone"],
                        "OutId": r["out_id"],
                        "TemplateCode": r["template"],
                        "SendStatus": {None: 1, True: 3, False: 2}[r["delivered"]],
                        "ErrCode": {None: "", True: "DELIVERED", False: "MK:0001"}[r["delivered"]],
                    }
                    for r in self.records
                    if r["phone"] == fields.get("PhoneNumber")
                    and r["day"] == fields.get("SendDate")
                    and (not fields.get("BizId") or r["id"] == fields["BizId"])
                ]
                return {
                    "Code": "OK",
                    "Message": "OK",
                    "TotalCount": len(rows),
                    "SmsSendDetailDTOs": {"SmsSendDetailDTO": rows},
                    "RequestId": request_id,
                }
            return {"Code": "InvalidAction.NotFound", "Message": "unknown action", "RequestId": request_id}


# --- Tencent Cloud ---------------------------------------------------------------------------------

TENCENT_ERRORS = {
    "LimitExceeded.PhoneNumberThirtySecondLimit": "单个手机号30秒内下发短信条数超过设定的上限",
    "FailedOperation.InsufficientBalanceInSmsPackage": "套餐包余量不足",
    "FailedOperation.TemplateIncorrectOrUnapproved": "模板未审批或内容不匹配",
    "InvalidParameterValue.IncorrectPhoneNumber": "手机号格式错误",
}


def _h(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


class TencentGateway(HeaderGateway):
    def __init__(
        self, secret_id: str = "AKID-test", secret_key: str = "tencent-secret", app_id: str = "1400006666"
    ):
        super().__init__()
        self.secret_id, self.secret_key, self.app_id = secret_id, secret_key, app_id

    def _signed(self, body: str) -> bool:
        headers = self.local.headers
        auth = headers.get("Authorization", "")
        timestamp = int(headers.get("X-TC-Timestamp", "0"))
        date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
        canonical = "\n".join(
            [
                "POST",
                "/",
                "",
                f"content-type:{headers.get('Content-Type', '')}\nhost:{headers.get('Host', '')}\n",
                "content-type;host",
                hashlib.sha256(body.encode()).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                str(timestamp),
                f"{date}/sms/tc3_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        key = _h(_h(_h(("TC3" + self.secret_key).encode(), date), "sms"), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        wanted = (
            f"TC3-HMAC-SHA256 Credential={self.secret_id}/{date}/sms/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={expected}"
        )
        return hmac.compare_digest(auth, wanted)

    def respond(self, verb, path, query, body):
        if verb != "POST" or path != "/":
            return NOT_FOUND
        action = self.local.headers.get("X-TC-Action", "")
        request_id = str(uuid.uuid4())
        data = json.loads(body or "{}")
        with self.lock:
            self.calls.append((action, data))
            if not self._signed(body):
                self.bad_signatures += 1
                return {
                    "Response": {
                        "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"},
                        "RequestId": request_id,
                    }
                }
            if data.get("SmsSdkAppId") != self.app_id:
                return {
                    "Response": {
                        "Error": {"Code": "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "Message": "x"},
                        "RequestId": request_id,
                    }
                }
            if action == "SendSms":
                phone = data["PhoneNumberSet"][0]
                if self.fail_next:
                    code = self.fail_next.pop(0)
                    status = {
                        "SerialNo": "",
                        "PhoneNumber": phone,
                        "Fee": 0,
                        "SessionContext": data.get("SessionContext", ""),
                        "Code": code,
                        "Message": TENCENT_ERRORS.get(code, code),
                        "IsoCode": "CN",
                    }
                    return {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
                serial = f"2433:{uuid.uuid4().int % 10**20}"
                self.records.append(
                    {
                        "phone": phone,
                        "out_id": data.get("SessionContext", ""),
                        "id": serial,
                        "template": data["TemplateId"],
                        "sign": data["SignName"],
                        "params": data.get("TemplateParamSet", []),
                        "delivered": None,
                    }
                )
                status = {
                    "SerialNo": serial,
                    "PhoneNumber": phone,
                    "Fee": 1,
                    "SessionContext": data.get("SessionContext", ""),
                    "Code": "Ok",
                    "Message": "send success",
                    "IsoCode": "CN",
                }
                return {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
            if action == "PullSmsSendStatusByPhoneNumber":
                rows = [
                    {
                        "UserReceiveTime": int(dt.datetime.now().timestamp()),
                        "CountryCode": "86",
                        "SubscriberNumber": r["phone"][3:],
                        "PhoneNumber": r["phone"],
                        "SerialNo": r["id"],
                        "ReportStatus": "SUCCESS" if r["delivered"] is not False else "FAIL",
                        "Description": "DELIVRD" if r["delivered"] is not False else "MK:0001",
                        "SessionContext": r["out_id"],
                    }
                    for r in self.records
                    if r["phone"] == data.get("PhoneNumber")
                ]
                return {"Response": {"PullSmsSendStatusSet": rows, "RequestId": request_id}}
            return {"Response": {"Error": {"Code": "InvalidAction", "Message": "x"}, "RequestId": request_id}}
