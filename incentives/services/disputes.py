"""Disputes: an agent questions an entry of an open or just-locked period; a manager resolves it with
an adjustment entry in the next open period (or rejects it)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import DisputeStatus, EntryKind
from incentives.errors import IncentiveError
from incentives.models import Dispute, LedgerEntry
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
                code=IncentiveError.DISPUTE_NOT_ALLOWED, params={"code": period.code},
            )  # fmt: skip
    try:
        with transaction.atomic():
            return Dispute.objects.create(entry=entry, raised_by=by, reason=reason)
    except IntegrityError:
        raise ValidationError(_("这条分录已有待处理的申诉。"), code=IncentiveError.DISPUTE_ALREADY_OPEN)


def dispute_resolve(*, dispute: Dispute, by, amount, note: str = "") -> Dispute:
    """A non-zero ``amount`` posts an adjustment (same account) in the current open period; zero rejects."""
    if not by.has_perm("incentives.resolve_dispute"):
        raise ValidationError(_("你没有处理申诉的权限。"), code=IncentiveError.FORBIDDEN)
    if dispute.raised_by_id == by.pk:
        raise ValidationError(_("不能处理自己提出的申诉(四眼原则)。"), code=IncentiveError.FOUR_EYES)
    amount = Decimal(amount)
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().select_related("entry__account").get(pk=dispute.pk)
        if locked.status != DisputeStatus.OPEN:
            raise ValidationError(_("该申诉已处理。"), code=IncentiveError.DISPUTE_NOT_OPEN)
        if amount:
            entry = locked.entry
            locked.adjustment, _created = entry_post(
                user=entry.account.user, unit=entry.account.unit, kind=EntryKind.ADJUSTMENT, amount=amount,
                key=f"dispute:{locked.pk}", case_ref=entry.case_ref, event=entry.event,
                subject_ref=entry.subject_ref, note=note or _("申诉#%(id)s 调整") % {"id": locked.pk}, created_by=by,
            )  # fmt: skip
            locked.status = DisputeStatus.RESOLVED
        else:
            locked.status = DisputeStatus.REJECTED
        locked.resolved_by = by
        locked.resolved_at = timezone.now()
        locked.resolution_note = note
        locked.save(update_fields=["adjustment", "status", "resolved_by", "resolved_at", "resolution_note"])
    return locked
