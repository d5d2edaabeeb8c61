"""Workflow services with the buyer: claim, record contact, buyer replied, verify, public reply,
and revealing the buyer's contact data. See cases.workflow.services for the contract."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import ContactChannel, Responsibility
from cases.choices import WorkflowAction as A
from cases.errors import WorkflowError as E
from cases.models import Assignment, Case, ContactAttempt, Evidence, Reply, Verification
from cases.workflow.compose import (
    CONTACT_CHANNEL_RULES,
    check_reply,
    in_quiet_hours,
    policy_for,
    render_for_case,
    template_ref,
)
from cases.workflow.core import begin, case_to_act_on, commit, emit, refuse, timeline_only
from cases.workflow.masking import can_reveal
from policies.choices import Channel
from policies.engine import has_missing


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def choice(value, choices, field: str) -> str:
    """``value`` if it is one of ``choices`` (a TextChoices), else a BAD_CHOICE refusal."""
    if value in choices.values:
        return str(value)
    raise refuse(E.BAD_CHOICE, _("“%(field)s”的取值“%(value)s”无效。"), field=field, value=str(value))


def flag(value) -> bool | None:
    """A yes/no input as forms and JSON send it ("true", "1", "on", True …); None stays None."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def case_evidence(case: Case, evidence_ids) -> list[Evidence]:
    try:
        ids = {int(pk) for pk in (evidence_ids or [])}
    except (TypeError, ValueError):
        raise refuse(E.BAD_CHOICE, _("证据编号无效。")) from None
    if any(not 0 < pk < 2**63 for pk in ids):  # no such row, and a larger number overflows the query
        raise refuse(E.BAD_CHOICE, _("证据编号无效。"))
    found = list(Evidence.objects.filter(case=case, pk__in=ids))
    if len(found) != len(ids):
        raise refuse(E.BAD_CHOICE, _("所选证据不属于本案件。"))
    return found


def checked_text(
    case: Case, text: str, *, channel: str, acknowledge_warnings: bool, policy
) -> tuple[str, list[str]]:
    """The final text if it may be sent (else a refusal), and the warnings the sender acknowledged."""
    text = (text or "").strip()
    if not text:
        raise refuse(E.EMPTY_TEXT, _("内容不能为空。"))
    if has_missing(text):
        raise refuse(E.MISSING_PLACEHOLDER, _("内容里还有未填写的空白(____)，请补全后再发送。"))
    report = check_reply(case, text, channel=channel, policy=policy)
    if report.blocking:
        raise refuse(
            E.COMPLIANCE_BLOCKED,
            _("内容违反平台规则，不能发送：%(reasons)s"),
            reasons="；".join(f.describe() for f in report.blocking),
        )
    if report.too_long:
        raise refuse(
            E.REPLY_TOO_LONG,
            _("超过平台字数上限%(max)s字(当前%(length)s字)。"),
            max=report.max_length,
            length=report.length,
        )
    warnings = [f.describe() for f in report.warnings]
    if warnings and not acknowledge_warnings:
        raise refuse(
            E.WARNINGS_NOT_ACKNOWLEDGED,
            _("请确认以下合规提醒后再发送：%(warnings)s"),
            warnings="；".join(warnings),
        )
    return text, warnings


def violations_after(case: Case, warnings: list[str], *, channel: str) -> list[str] | None:
    """The case's compliance record plus the warnings acknowledged now (None: nothing new)."""
    if not warnings:
        return None
    return [
        *case.compliance_violations,
        *(
            _("%(channel)s发送时确认的提醒：%(warning)s")
            % {"channel": str(Channel(channel).label), "warning": w}
            for w in warnings
        ),
    ]


def known_template(policy, template_id, case=None) -> dict | None:
    """The template's {model, id, version, name}; a template id that is not an active template of
    this policy offered for ``case`` (malicious or not, its conditions met) is refused (BAD_CHOICE)
    rather than recorded wrongly."""
    ref = template_ref(policy, template_id, case)
    if ref is None and template_id not in (None, ""):
        raise refuse(
            E.BAD_CHOICE, _("模板#%(template_id)s不可用(已停用或不适用于本平台)。"), template_id=template_id
        )
    return ref


def check_contact_limit(case: Case, policy, now: dt.datetime) -> None:
    limit = policy.contact_limit
    if limit is None:
        return
    if case.contact_attempts >= limit.max_attempts_per_case:
        raise refuse(
            E.CONTACT_LIMIT,
            _("为避免骚扰买家，每个案件最多联系%(max)s次(规则“%(rule)s”)，本案已联系%(count)s次。"),
            max=limit.max_attempts_per_case,
            rule=limit.ref.name,
            count=case.contact_attempts,
        )
    if case.last_contact_at and limit.min_minutes_between:
        next_at = case.last_contact_at + dt.timedelta(minutes=limit.min_minutes_between)
        if now < next_at:
            raise refuse(
                E.CONTACT_TOO_SOON,
                _("两次联系至少间隔%(minutes)s分钟(规则“%(rule)s”)，%(next)s之后才能再联系。"),
                minutes=limit.min_minutes_between,
                rule=limit.ref.name,
                next=_local(next_at),
            )
    if in_quiet_hours(now, limit.quiet_start, limit.quiet_end, policy.calendar.spec.tz):
        raise refuse(
            E.QUIET_HOURS,
            _("%(start)s–%(end)s是免打扰时段(规则“%(rule)s”)，这段时间不能联系买家。"),
            start=limit.quiet_start.strftime("%H:%M"),
            end=limit.quiet_end.strftime("%H:%M"),
            rule=limit.ref.name,
        )


def case_claim(*, case_id: int, by, version: int, now: dt.datetime | None = None) -> Case:
    """Take an unassigned case: it becomes the user's (and is logged like a routing assignment)."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.CLAIM)
        commit(
            case=case,
            by=by,
            version=version,
            action=A.CLAIM,
            to_state=row.to_state,
            now=now,
            changes={"assignee_id": by.pk, "assigned_at": now},
        )
        Assignment.objects.create(
            case=case, from_user=None, to_user=by, by=by, reason=_("认领"), created_at=now
        )
    return case


def case_record_contact(
    *,
    case_id: int,
    by,
    version: int,
    channel: str | None = None,
    reached: bool | None = None,
    template_id: int | None = None,
    text: str = "",
    acknowledge_warnings: bool = False,
    note: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """A private contact (message, phone, SMS): within the policy's limits; a message text given is
    checked like a reply and recorded. Meets the first-response clock and answers the buyer (the
    next-response clock stops)."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.RECORD_CONTACT)
        channel = choice(channel, ContactChannel, "channel")
        reached, acknowledge_warnings = flag(reached), bool(flag(acknowledge_warnings))
        if reached is None:
            raise refuse(E.BAD_CHOICE, _("请说明是否联系上买家。"))
        policy = policy_for(case)
        check_contact_limit(case, policy, now)
        ref = known_template(policy, template_id, case)
        warnings: list[str] = []
        rule_channel = str(CONTACT_CHANNEL_RULES[ContactChannel(channel)])
        if text and text.strip():
            text, warnings = checked_text(
                case, text, channel=rule_channel, acknowledge_warnings=acknowledge_warnings, policy=policy
            )
        changes = {
            "contact_attempts": case.contact_attempts + 1,
            "last_contact_at": now,
            "next_response_due_at": None,
            "next_response_warn_at": None,
        }
        if case.first_responded_at is None:
            changes["first_responded_at"] = now
        violations = violations_after(case, warnings, channel=rule_channel)
        if violations is not None:
            changes["compliance_violations"] = violations
        contact = ContactAttempt.objects.create(
            case=case,
            channel=channel,
            template_ref=ref,
            reached=bool(reached),
            note=note or "",
            by=by,
            at=now,
        )
        payload = {
            "contact_id": contact.pk,
            "channel": channel,
            "reached": bool(reached),
            "template": ref,
            "note": note or "",
        }
        if text and text.strip():
            reply = Reply.objects.create(
                case=case,
                channel=rule_channel,
                text=text,
                template_ref=ref,
                acknowledged_warnings=warnings,
                contact=contact,
                by=by,
                at=now,
            )
            payload |= {"reply_id": reply.pk, "text": text, "acknowledged_warnings": warnings}
        commit(
            case=case,
            by=by,
            version=version,
            action=A.RECORD_CONTACT,
            to_state=row.to_state,
            now=now,
            changes=changes,
            payload=payload,
        )
    return case


def next_response_clock(
    case: Case, policy, now: dt.datetime
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(due, warn) of the next-response clock started ``now`` on the case's tier calendar."""
    minutes = case.next_response_minutes
    if not minutes:
        return None, None
    from policies.business_time import add_business_minutes

    calendar = policy.calendar
    for tier in policy.sla_tiers.values():
        if tier.ref.id == case.sla_tier_id_ref and tier.calendar is not None:
            calendar = tier.calendar
    due = add_business_minutes(now, minutes, calendar.spec)
    warn = add_business_minutes(
        now, max(1, math.floor(minutes * (case.warn_at_percent or 80) / 100)), calendar.spec
    )
    return due, warn


def case_buyer_replied(
    *, case_id: int, by, version: int, note: str = "", now: dt.datetime | None = None
) -> Case:
    """The buyer answered: the next-response clock starts (tier minutes, business time)."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.BUYER_REPLIED)
        due, warn = next_response_clock(case, policy_for(case), now)
        commit(
            case=case,
            by=by,
            version=version,
            action=A.BUYER_REPLIED,
            to_state=row.to_state,
            now=now,
            changes={"next_response_due_at": due, "next_response_warn_at": warn},
            payload={"note": note or ""},
        )
    return case


def case_verify(
    *,
    case_id: int,
    by,
    version: int,
    responsibility: str | None = None,
    note: str = "",
    evidence_ids=(),
    now: dt.datetime | None = None,
) -> Case:
    """Who is responsible, with a note and evidence: offers become possible."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.VERIFY, data={"note": note})
        responsibility = choice(responsibility, Responsibility, "responsibility")
        evidence = case_evidence(case, evidence_ids)
        verification = Verification.objects.create(
            case=case, responsibility=responsibility, note=note.strip(), by=by, at=now
        )
        verification.evidence.set(evidence)
        commit(
            case=case,
            by=by,
            version=version,
            action=A.VERIFY,
            to_state=row.to_state,
            now=now,
            changes={"verified_at": now, "responsibility": responsibility},
            payload={
                "verification_id": verification.pk,
                "note": note.strip(),
                "evidence_ids": sorted(e.pk for e in evidence),
            },
        )
    return case


def case_public_reply(
    *,
    case_id: int,
    by,
    version: int,
    text: str = "",
    template_id: int | None = None,
    acknowledge_warnings: bool = False,
    now: dt.datetime | None = None,
) -> Case:
    """The public reply (or explanation) under the review: compliance, length, window, once-only."""
    now = now or timezone.now()
    with transaction.atomic():
        case, row = begin(case_id=case_id, by=by, version=version, action=A.PUBLIC_REPLY)
        if case.reply_until is not None and now > case.reply_until:
            raise refuse(
                E.REPLY_WINDOW_CLOSED, _("平台回复期已于%(until)s结束。"), until=_local(case.reply_until)
            )
        policy = policy_for(case)
        rule = policy.platform_rule
        if (
            rule is not None
            and rule.reply_once
            and case.replies.filter(channel=Channel.PUBLIC_REPLY).exists()
        ):
            raise refuse(E.REPLY_ONCE, _("本平台每条评价只能公开回复一次，本案已回复过。"))
        channel = str(Channel.PUBLIC_REPLY)
        ref = known_template(policy, template_id, case)
        if ref is not None and not (text or "").strip():  # the template as it stands, rendered for this case
            text = render_for_case(case, template_id, user=by, policy=policy)
        text, warnings = checked_text(
            case, text, channel=channel, acknowledge_warnings=bool(flag(acknowledge_warnings)), policy=policy
        )
        changes = {}
        if case.public_replied_at is None:
            changes["public_replied_at"] = now
        violations = violations_after(case, warnings, channel=channel)
        if violations is not None:
            changes["compliance_violations"] = violations
        reply = Reply.objects.create(
            case=case,
            channel=channel,
            text=text,
            template_ref=ref,
            acknowledged_warnings=warnings,
            by=by,
            at=now,
        )
        commit(
            case=case,
            by=by,
            version=version,
            action=A.PUBLIC_REPLY,
            to_state=row.to_state,
            now=now,
            changes=changes,
            payload={"reply_id": reply.pk, "text": text, "template": ref, "acknowledged_warnings": warnings},
            after_commit=[emit("public_replied", case.pk, {"reply_id": reply.pk})],
        )
    return case


def case_reveal_contact(*, case_id: int, by) -> dict:
    """The buyer's unmasked phone and address, for holders of ``cases.reveal_buyer_contact``; the
    reveal is written to the timeline (who, when; never the data itself)."""
    case = case_to_act_on(by, case_id)
    if not can_reveal(by):
        raise refuse(E.ROLE_NOT_ALLOWED, _("你没有查看买家联系方式的权限。"))
    with transaction.atomic():
        timeline_only(
            case=case, by=by, action=A.REVEAL_CONTACT, payload={"fields": ["buyer_phone", "buyer_address"]}
        )
    return {"phone": case.review.buyer_phone or "", "address": case.review.buyer_address or ""}
