"""Disputes: an agent questions an entry of an open or just-locked period; a manager resolves it with
an adjustment entry in the next open period (or rejects it). Adjustments are capped per unit and need
a second approver above a threshold (``AdjustmentLimit``, edited in the admin)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import DisputeStatus, EntryKind, Unit
from incentives.errors import IncentiveError
from incentives.models import AdjustmentLimit, Dispute, LedgerEntry
from incentives.services.ledger import entry_post
from incentives.services.periods import latest_locked_period


def dispute_open(*, entry: LedgerEntry, by, reason: str) -> Dispute:
    reason = (reason or "").strip()
    if entry.account.user_id != by.pk:
        raise ValidationError(_("只能对自己的分录提出申诉。"), code=IncentiveError.NOT_OWNER)
    if not reason:
        raise ValidationError(_("请填写申诉理由。"), code=IncentiveError.DISPUTE_NOT_ALLOWED)
    period = entry.period
    if not period.is_open:
        latest = latest_locked_period()
        if latest is None or latest.pk != period.pk:
            raise ValidationError(
                _("期间 %(code)s 已结算多时，不能再申诉；只能对开放期间或最近一次锁定的期间申诉。"),
                code=IncentiveError.DISPUTE_NOT_ALLOWED,
                params={"code": period.code},
            )
    try:
        with transaction.atomic():
            return Dispute.objects.create(entry=entry, raised_by=by, reason=reason)
    except IntegrityError:
        raise ValidationError(_("这条分录已有待处理的申诉。"), code=IncentiveError.DISPUTE_ALREADY_OPEN)


def dispute_resolve(*, dispute: Dispute, by, amount, note: str = "") -> Dispute:
    """Decide a dispute. Zero rejects it. A non-zero ``amount`` posts an adjustment (same account) in the
    next open period of its scope, within the unit's cap (``AdjustmentLimit``); above the unit's
    threshold the first decision only proposes it, and a second person (neither the agent nor the
    proposer) confirms the same amount, which posts it, or enters zero, which rejects it."""
    if not by.has_perm("incentives.resolve_dispute"):
        raise ValidationError(_("你没有处理申诉的权限。"), code=IncentiveError.FORBIDDEN)
    if dispute.raised_by_id == by.pk:
        raise ValidationError(_("不能处理自己提出的申诉(四眼原则)。"), code=IncentiveError.FOUR_EYES)
    amount = Decimal(amount)
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().select_related("entry__account").get(pk=dispute.pk)
        if locked.status == DisputeStatus.AWAITING_SECOND:
            return _second_decision(locked, by=by, amount=amount, note=note)
        if locked.status != DisputeStatus.OPEN:
            raise ValidationError(_("该申诉已处理。"), code=IncentiveError.DISPUTE_NOT_OPEN)
        if not amount:
            return _close(locked, by=by, status=DisputeStatus.REJECTED, note=note)
        limit = _checked_against_cap(locked, amount)
        if abs(amount) > limit.second_approval_above:
            locked.status = DisputeStatus.AWAITING_SECOND
            locked.proposed_amount, locked.proposed_by, locked.proposed_at = amount, by, timezone.now()
            locked.proposed_note = note
            locked.save(
                update_fields=["status", "proposed_amount", "proposed_by", "proposed_at", "proposed_note"]
            )
            return locked
        return _post_adjustment(locked, by=by, amount=amount, note=note)


def _checked_against_cap(dispute: Dispute, amount: Decimal) -> AdjustmentLimit:
    unit = dispute.entry.account.unit
    limit = AdjustmentLimit.for_unit(unit)
    if abs(amount) > limit.cap:
        raise ValidationError(
            _("调整 %(amount)s 超过单笔上限 %(cap)s(%(unit)s)，未记账。"),
            code=IncentiveError.ADJUSTMENT_CAP,
            params={"amount": amount, "cap": limit.cap, "unit": Unit(unit).label},
        )
    return limit


def _second_decision(locked: Dispute, *, by, amount: Decimal, note: str) -> Dispute:
    if by.pk == locked.proposed_by_id:
        raise ValidationError(
            _("该调整须由另一位审批人复核，提议人不能自己确认(四眼原则)。"), code=IncentiveError.FOUR_EYES
        )
    if not amount:
        return _close(locked, by=by, status=DisputeStatus.REJECTED, note=note)
    if amount != locked.proposed_amount:
        raise ValidationError(
            _("复核只能确认第一位审批人提出的金额 %(proposed)s，或填 0 驳回。"),
            code=IncentiveError.SECOND_APPROVAL_MISMATCH,
            params={"proposed": locked.proposed_amount},
        )
    _checked_against_cap(locked, amount)  # the cap may have been lowered since the proposal
    return _post_adjustment(locked, by=by, amount=amount, note=note or locked.proposed_note)


def _post_adjustment(locked: Dispute, *, by, amount: Decimal, note: str) -> Dispute:
    entry = locked.entry
    locked.adjustment, _created = entry_post(
        user=entry.account.user,
        unit=entry.account.unit,
        kind=EntryKind.ADJUSTMENT,
        amount=amount,
        key=f"dispute:{locked.pk}",
        case_ref=entry.case_ref,
        event=entry.event,
        subject_ref=entry.subject_ref,
        note=note or _("申诉#%(id)s 调整") % {"id": locked.pk},
        created_by=by,
    )
    return _close(locked, by=by, status=DisputeStatus.RESOLVED, note=note)


def _close(locked: Dispute, *, by, status: str, note: str) -> Dispute:
    locked.status = status
    locked.resolved_by = by
    locked.resolved_at = timezone.now()
    locked.resolution_note = note
    locked.save(update_fields=["adjustment", "status", "resolved_by", "resolved_at", "resolution_note"])
    return locked
