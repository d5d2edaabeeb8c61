"""SMS to a case's buyer: an agent's send (through the case's contact service, so the contact limits,
the compliance check and the timeline are the ones every contact has) and the follow-up plan's SMS
steps (the care SMS three days after resolution, a survey link), sent by the minute sweep instead of
waiting as manual tasks.

The buyer's phone is read here, server-side, and never shown: the message row keeps it encrypted and
shows it masked.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import ContactChannel
from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Case, FollowUpTask
from cases.workflow.compose import in_quiet_hours, policy_for, reply_context
from cases.workflow.contact import case_record_contact
from cases.workflow.core import case_to_act_on, timeline_only
from outreach.choices import SmsPurpose
from outreach.errors import SmsError
from outreach.models import SmsAccount, SmsMessage
from outreach.services.accounts import account_for_shop, template_for
from outreach.services.dispatch import purpose_for_stage, refuse, sms_queue
from policies.choices import Channel

logger = logging.getLogger(__name__)

# Refusals that pass with time: the task waits for the next sweep instead of being skipped.
LATER = {E.QUIET_HOURS, E.CONTACT_TOO_SOON}


def _account_and_template(case: Case, *, code=None, purpose=None, reply_template_id=None):
    account = account_for_shop(case.shop)
    if account is None:
        raise refuse(SmsError.NO_ACCOUNT, _("店铺“%(shop)s”没有启用的短信账号。") % {"shop": case.shop.name})
    template = template_for(
        case.shop, account, code=code, purpose=purpose, reply_template_id=reply_template_id
    )
    if template is None:
        raise refuse(
            SmsError.NO_TEMPLATE, _("没有可用的短信模板(%(what)s)。") % {"what": code or purpose or ""}
        )
    return account, template


def _buyer_phone(case: Case) -> str:
    phone = (case.review.buyer_phone or "").strip()
    if not phone:
        raise refuse(SmsError.NO_PHONE, _("本案件没有买家手机号，无法发送短信。"))
    return phone


def sms_send_to_buyer(
    *, case_id: int, by, version: int, template_code: str, now: dt.datetime | None = None
) -> SmsMessage:
    """An agent sends the template ``template_code`` to the case's buyer: recorded as an SMS contact
    (``case_record_contact``: limits, quiet hours, compliance, timeline) and queued in one transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        case = case_to_act_on(by, case_id)
        account, template = _account_and_template(case, code=template_code)
        phone = _buyer_phone(case)
        policy = policy_for(case)
        context = reply_context(case, user=by, policy=policy)
        message = sms_queue(
            account=account,
            shop=case.shop,
            phone=phone,
            template=template,
            context=context,
            purpose=SmsPurpose.CONTACT,
            idempotency_key=f"contact:{case.pk}:v{version}",
            platform=case.platform,
            case=case,
            now=now,
        )
        case_record_contact(
            case_id=case.pk,
            by=by,
            version=version,
            channel=ContactChannel.SMS,
            reached=False,
            text=message.text,
            note=_("短信 #%(id)s 已提交发送(%(phone)s)") % {"id": message.pk, "phone": message.phone_masked},
            now=now,
        )
    return message


def _survey_url(case: Case) -> str:
    try:
        from training.surveys.links import invitation_url
    except ImportError:
        raise refuse(SmsError.SURVEY_UNAVAILABLE, _("满意度调查链接功能尚未启用。"))
    return invitation_url(case, channel="sms")


def _check_timing(case: Case, policy, now: dt.datetime) -> None:
    """Quiet hours and the spacing of the contact limit (a follow-up is the plan's own contact: the
    per-case attempt cap counts the agents' contacts before resolution, not these)."""
    limit = policy.contact_limit
    if limit is None:
        return
    if in_quiet_hours(now, limit.quiet_start, limit.quiet_end, policy.calendar.spec.tz):
        raise refuse(E.QUIET_HOURS, _("免打扰时段，稍后再发。"))
    last = (
        SmsMessage.objects.filter(case=case).exclude(status__in=["skipped", "failed"]).order_by("-created_at")
    )
    last_at = max(
        filter(None, [case.last_contact_at, last.values_list("created_at", flat=True).first()]), default=None
    )
    if (
        last_at
        and limit.min_minutes_between
        and now < last_at + dt.timedelta(minutes=limit.min_minutes_between)
    ):
        raise refuse(E.CONTACT_TOO_SOON, _("距上次联系太近，稍后再发。"))


def followup_sms_send(*, task: FollowUpTask, now: dt.datetime) -> SmsMessage:
    """Send one due SMS step of a follow-up plan and mark the task done, or raise the refusal."""
    from policies.models import ReplyTemplate

    case = Case.objects.select_related("shop", "review").get(pk=task.case_id)
    reply_id = (task.template_ref or {}).get("id")
    stage = ReplyTemplate.objects.filter(pk=reply_id).values_list("stage", flat=True).first() or ""
    account = account_for_shop(case.shop)
    if account is None:
        raise refuse(SmsError.NO_ACCOUNT, _("店铺“%(shop)s”没有启用的短信账号。") % {"shop": case.shop.name})
    template = template_for(case.shop, account, reply_template_id=reply_id) if reply_id else None
    template = template or template_for(case.shop, account, purpose=purpose_for_stage(stage))
    if template is None:
        raise refuse(SmsError.NO_TEMPLATE, _("没有可用的短信模板。"))
    phone = _buyer_phone(case)
    policy = policy_for(case)
    _check_timing(case, policy, now)
    context = reply_context(case, policy=policy)
    if template.purpose == SmsPurpose.SURVEY:
        context["survey_url"] = _survey_url(case)
    with transaction.atomic():
        message = sms_queue(
            account=account,
            shop=case.shop,
            phone=phone,
            template=template,
            context=context,
            purpose=template.purpose,
            idempotency_key=f"followup:{task.pk}",
            platform=case.platform,
            case=case,
            followup_task_id=task.pk,
            now=now,
        )
        done = FollowUpTask.objects.filter(pk=task.pk, done_at__isnull=True, skipped_reason="").update(
            done_at=now, note=_("短信 #%(id)s 已自动提交发送") % {"id": message.pk}
        )
        if done:
            timeline_only(
                case=case,
                by=None,
                action=A.FOLLOW_UP_DONE,
                now=now,
                payload={
                    "task_id": task.pk,
                    "step": task.name,
                    "channel": str(Channel.SMS),
                    "sms_id": message.pk,
                    "text": message.text,
                },
            )
    return message


def followups_sms_due(*, now: dt.datetime | None = None, limit: int = 200) -> dict[str, int]:
    """The sweep: every due, open SMS step is sent; a refusal that passes with time (quiet hours, spacing)
    waits; one that does not (opt-out, no phone, compliance) skips the task with its reason; a shop
    without an SMS account or template keeps the manual task."""
    now = now or timezone.now()
    accounts = SmsAccount.objects.filter(active=True)
    with_account = Q(case__shop_id__in=accounts.filter(shop__isnull=False).values("shop_id")) | Q(
        case__shop__client_id__in=accounts.filter(client__isnull=False).values("client_id")
    )
    tasks = list(
        FollowUpTask.objects.filter(
            with_account, channel=Channel.SMS, done_at__isnull=True, skipped_reason="", due_at__lte=now
        ).order_by("due_at")[:limit]
    )
    outcome = {"sent": 0, "waiting": 0, "skipped": 0, "manual": 0}
    for task in tasks:
        try:
            followup_sms_send(task=task, now=now)
        except ValidationError as refusal:
            if refusal.code in LATER:
                outcome["waiting"] += 1
            elif refusal.code in (SmsError.NO_ACCOUNT, SmsError.NO_TEMPLATE, SmsError.SURVEY_UNAVAILABLE):
                outcome["manual"] += 1
            else:
                reason = refusal.messages[0][:200]
                with transaction.atomic():
                    if FollowUpTask.objects.filter(
                        pk=task.pk, done_at__isnull=True, skipped_reason=""
                    ).update(skipped_reason=reason):
                        case = Case.objects.get(pk=task.case_id)
                        timeline_only(
                            case=case,
                            by=None,
                            action=A.FOLLOW_UP_SKIPPED,
                            now=now,
                            payload={"task_id": task.pk, "step": task.name, "reason": reason},
                        )
                outcome["skipped"] += 1
        else:
            outcome["sent"] += 1
    return outcome
