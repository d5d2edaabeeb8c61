"""Queue an SMS and send it, exactly once in effect.

``sms_queue`` checks what can be checked before sending (the number, the opt-out, the text's
compliance) and writes one ``SmsMessage`` row unique on its idempotency key, in the caller's
transaction; after commit a django-q2 task runs ``sms_dispatch``.

``sms_dispatch`` writes the try down before the provider hears of it: it marks the row SENDING (with
``attempt_started_at``) and COMMITS, then calls the provider, then records the answer. A worker killed
between the provider's acceptance and the record leaves the row SENDING; whoever picks it up next (the
minute sweep, once ``IN_FLIGHT`` has passed) first asks the provider for a message with our ``out_id``
(Alibaba Cloud ``QuerySendDetails`` ``OutId``; Tencent Cloud's status reports' ``SessionContext``) and
records that acceptance instead of sending again. Only when the provider has no such message
``LOOKUP_GRACE`` after the try (its records lag a little) is it sent again. Opt-out and compliance are
checked again at every try.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach.choices import OPEN_STATUSES, SmsPurpose, SmsStatus
from outreach.errors import SmsError
from outreach.models import SmsMessage
from outreach.phones import masked, normalise_phone, phone_hash
from outreach.providers import ProviderAnswer, provider_for
from outreach.rendering import render_sms
from outreach.services.optouts import BUYER_PURPOSES, is_opted_out
from policies.choices import Channel
from reviewdesk.outbound import OutboundError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
IN_FLIGHT = dt.timedelta(seconds=60)  # longer than one provider call may take (timeouts included)
LOOKUP_GRACE = dt.timedelta(minutes=5)
BACKOFF_BASE_SECONDS = 30


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def refuse(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=str(code))


def words_of(text: str, params: dict) -> str:
    """What the compliance check reads: the text without the survey link ReviewDesk itself signed (our own
    page, not a way off the platform a person typed); every word around it is checked."""
    link = (params or {}).get("survey_url")
    return text.replace(link, "") if link else text


def compliance_refusal(text: str, *, shop, platform: str) -> str | None:
    """The blocking findings of ``text`` on the SMS channel of the shop's policy, in words; or None."""
    from policies.engine import check_compliance
    from policies.loader import load_policy

    report = check_compliance(
        text, platform=platform, channel=str(Channel.SMS), policy=load_policy(shop=shop, platform=platform)
    )
    if report.blocking:
        return _("短信内容违反合规规则，不能发送：%(reasons)s") % {
            "reasons": "；".join(f.describe() for f in report.blocking)
        }
    return None


def sms_queue(
    *,
    account,
    shop,
    phone: str,
    template,
    context: dict,
    purpose: str,
    idempotency_key: str,
    platform: str | None = None,
    case=None,
    recipient_user=None,
    followup_task_id: int | None = None,
    now: dt.datetime | None = None,
) -> SmsMessage:
    """Write the message (or return the one already written under ``idempotency_key``) and enqueue its
    dispatch after commit. Refusals are ``ValidationError`` with an ``outreach.errors.SmsError`` code."""
    existing = SmsMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    number = normalise_phone(phone)
    if number is None:
        raise refuse(SmsError.BAD_PHONE, _("手机号码不正确，无法发送短信。"))
    if purpose in BUYER_PURPOSES and is_opted_out(shop, number):
        raise refuse(SmsError.OPTED_OUT, _("该号码已退订短信，本品牌方的所有店铺都不再发送。"))
    text, params, missing = render_sms(template.text, context)
    if missing:
        raise refuse(
            SmsError.MISSING_VALUE,
            _("短信模板“%(name)s”缺少变量：%(names)s。")
            % {"name": template.name, "names": ", ".join(missing)},
        )
    if purpose in BUYER_PURPOSES:
        refusal = compliance_refusal(words_of(text, params), shop=shop, platform=platform or shop.platform)
        if refusal:
            raise refuse(SmsError.COMPLIANCE, refusal)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            message = SmsMessage.objects.create(
                account=account,
                shop=shop,
                case=case,
                template=template,
                recipient_user=recipient_user,
                purpose=purpose,
                phone=number,
                phone_hash=phone_hash(number),
                phone_masked=masked(number),
                sign_name=template.sign_name or account.sign_name,
                template_code=template.template_code,
                params=params,
                text=text,
                idempotency_key=idempotency_key,
                followup_task_id=followup_task_id,
                next_attempt_at=now,
            )
    except IntegrityError:  # queued meanwhile by another worker under the same key
        return SmsMessage.objects.get(idempotency_key=idempotency_key)
    sms_enqueue([message.pk])
    return message


def sms_enqueue(message_ids: list[int]) -> None:
    if not message_ids:
        return

    def enqueue():
        from django_q.tasks import async_task

        for message_id in message_ids:
            async_task("outreach.tasks.sms_dispatch_task", message_id)

    transaction.on_commit(enqueue)


def _refusal_at_send(message: SmsMessage) -> tuple[str, str] | None:
    if message.purpose in BUYER_PURPOSES:
        if is_opted_out(message.shop, message.phone):
            return "opted_out", _("该号码已退订短信。")
        platform = message.case.platform if message.case_id else message.shop.platform
        refusal = compliance_refusal(
            words_of(message.text, message.params), shop=message.shop, platform=platform
        )
        if refusal:
            return "compliance", refusal
    if not message.account.active:
        return "account_inactive", _("短信账号已停用。")
    return None


def _settle(message: SmsMessage, fields: dict) -> int:
    """Write the outcome of the try in progress (only while the row is still SENDING)."""
    return SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENDING).update(
        **fields, updated_at=timezone.now()
    )


def record_answer(message: SmsMessage, answer: ProviderAnswer, now: dt.datetime) -> str:
    """The provider's answer to the try in progress, recorded."""
    if answer.accepted:
        _settle(
            message,
            {
                "status": SmsStatus.ACCEPTED,
                "provider_message_id": answer.message_id[:128],
                "accepted_at": now,
                "next_attempt_at": None,
                "error_code": "",
                "error_message": "",
            },
        )
        return SmsStatus.ACCEPTED
    retry = answer.retry and message.attempts < MAX_ATTEMPTS
    status = SmsStatus.RETRYING if retry else SmsStatus.FAILED
    _settle(
        message,
        {
            "status": status,
            "error_code": answer.code[:64],
            "error_message": answer.message[:500],
            "next_attempt_at": now + backoff(message.attempts) if retry else None,
        },
    )
    logger.warning("sms %s refused by the provider: %s (retry: %s)", message.pk, answer.code, retry)
    return status


def sms_dispatch(*, message_id: int, now: dt.datetime | None = None) -> str | None:
    """Try one message (see the module docstring); returns its status, None when there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            SmsMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account", "shop", "case")
            .filter(pk=message_id, status__in=OPEN_STATUSES)
            .first()
        )
        if message is None:
            return None
        provider = provider_for(message.account)
        if message.status == SmsStatus.SENDING:
            started = message.attempt_started_at or message.created_at
            if now < started + IN_FLIGHT:
                return SmsStatus.SENDING  # another worker's try may still be running
            try:
                found = provider.find_sent(message.phone, out_id=message.out_id, since=started)
            except OutboundError as exc:
                message.next_attempt_at, message.error_message = now + backoff(1), str(exc)[:500]
                message.save(update_fields=["next_attempt_at", "error_message", "updated_at"])
                return SmsStatus.SENDING
            if found is not None:
                record_answer(message, found, now)
                return SmsStatus.ACCEPTED
            if now < started + LOOKUP_GRACE:
                message.next_attempt_at = started + LOOKUP_GRACE
                message.save(update_fields=["next_attempt_at", "updated_at"])
                return SmsStatus.SENDING
        refusal = _refusal_at_send(message)
        if refusal is not None:
            message.status, message.error_code, message.error_message = SmsStatus.SKIPPED, *refusal
            message.next_attempt_at = None
            message.save(
                update_fields=["status", "error_code", "error_message", "next_attempt_at", "updated_at"]
            )
            return SmsStatus.SKIPPED
        if message.attempts >= MAX_ATTEMPTS:
            message.status, message.next_attempt_at = SmsStatus.FAILED, None
            message.save(update_fields=["status", "next_attempt_at", "updated_at"])
            return SmsStatus.FAILED
        message.status, message.attempts = SmsStatus.SENDING, message.attempts + 1
        message.attempt_started_at, message.next_attempt_at = now, now + IN_FLIGHT
        message.save(
            update_fields=["status", "attempts", "attempt_started_at", "next_attempt_at", "updated_at"]
        )
    # Committed: the try is on record before the provider hears of it.
    try:
        answer = provider.send(
            message.phone, message.sign_name, message.template_code, message.params, out_id=message.out_id
        )
    except OutboundError as exc:
        if exc.status_code is not None and 400 <= exc.status_code < 500:
            # The provider refused the request itself (a signature, a key, a parameter): nothing was sent.
            refused = ProviderAnswer(
                accepted=False,
                code=f"HTTP {exc.status_code}",
                message=_("服务商拒绝了请求(HTTP %(status)s)，请检查短信账号的配置。")
                % {"status": exc.status_code},
            )
            return record_answer(message, refused, now)
        # The provider may have accepted (a lost answer): the row stays SENDING and the next pick-up looks
        # the message up before sending again.
        _settle(message, {"error_code": "transport", "error_message": str(exc)[:500]})
        logger.warning("sms %s: no answer from the provider (%s)", message.pk, exc)
        return SmsStatus.SENDING
    return record_answer(message, answer, now)


def sms_dispatch_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """The minute sweep: every open message whose next try is due (a queued message whose task was lost,
    a retry after throttling, a try whose worker died)."""
    now = now or timezone.now()
    due = list(
        SmsMessage.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outcome: dict[str, int] = {}
    for message_id in due:
        status = sms_dispatch(message_id=message_id, now=now) or "skipped"
        outcome[str(status)] = outcome.get(str(status), 0) + 1
    return outcome


def purpose_for_stage(stage: str) -> str:
    return SmsPurpose.SURVEY if stage == "survey" else SmsPurpose.CARE
