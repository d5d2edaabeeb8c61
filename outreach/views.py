"""Tencent Cloud's callbacks: delivery status reports and buyers' replies (退订).

Tencent Cloud signs neither callback, so each account's callback URLs carry its own secret token
(``SmsAccount.callback_token``, 32 random characters, stored encrypted): a request whose account or
token does not match is answered 403 and changes nothing. The token is compared in constant time.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponseForbidden, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from outreach.choices import ProviderKind
from outreach.models import SmsAccount
from outreach.providers import provider_for
from outreach.services.optouts import optout_from_reply
from outreach.services.receipts import receipts_apply
from reviewdesk.models import Shop

logger = logging.getLogger(__name__)
MAX_BODY = 256 * 1024


def _account(account_id: int, token: str) -> SmsAccount | None:
    account = SmsAccount.objects.filter(pk=account_id, provider=ProviderKind.TENCENT, active=True).first()
    if account is None or not constant_time_compare(account.callback_token or "", token or ""):
        return None
    return account


def _body(request):
    if len(request.body) > MAX_BODY:
        return None
    try:
        return json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _ok():
    return JsonResponse({"result": 0, "errmsg": "OK"})


@csrf_exempt
@require_POST
def tencent_status(request, account_id: int, token: str):
    account = _account(account_id, token)
    if account is None:
        return HttpResponseForbidden("forbidden")
    payload = _body(request)
    if payload is None:
        return JsonResponse({"result": 1, "errmsg": "bad request"}, status=400)
    changed = receipts_apply(account=account, receipts=provider_for(account).parse_receipt(payload))
    logger.info("tencent status callback for account %s: %s messages settled", account.pk, changed)
    return _ok()


@csrf_exempt
@require_POST
def tencent_reply(request, account_id: int, token: str):
    account = _account(account_id, token)
    if account is None:
        return HttpResponseForbidden("forbidden")
    payload = _body(request)
    rows = payload if isinstance(payload, list) else [payload] if isinstance(payload, dict) else None
    if rows is None:
        return JsonResponse({"result": 1, "errmsg": "bad request"}, status=400)
    shop = account.shop or Shop.objects.filter(client_id=account.client_id).order_by("pk").first()
    for row in rows:
        if isinstance(row, dict) and shop is not None:
            optout_from_reply(shop=shop, phone=str(row.get("mobile") or ""), text=str(row.get("text") or ""))
    return _ok()
