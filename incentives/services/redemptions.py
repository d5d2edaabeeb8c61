"""Redemptions of points: the agent requests, a manager approves (points debited then, under the
account lock) or rejects, the agent may cancel while it waits. Transitions are one table.

Four eyes: a request is decided (approved or rejected) by someone other than the requester. The check
lives here, in the services, so every path (the web queue, the admin, a shell, a task) gets it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives.choices import EntryKind, RedemptionStatus, Unit
from incentives.errors import IncentiveError
from incentives.models import Redemption, RewardItem
from incentives.services.ledger import balance_for, entry_post

# (from, action) -> to ; who may is checked by each service
TRANSITIONS = {
    (RedemptionStatus.REQUESTED, "approve"): RedemptionStatus.APPROVED,
    (RedemptionStatus.REQUESTED, "reject"): RedemptionStatus.REJECTED,
    (RedemptionStatus.REQUESTED, "cancel"): RedemptionStatus.CANCELLED,
}


def redemption_request(*, agent, item: RewardItem, note: str = "") -> Redemption:
    if not item.active:
        raise ValidationError(_("该兑换项目已下架。"), code=IncentiveError.ITEM_INACTIVE)
    if balance_for(user=agent, unit=Unit.POINTS) < item.point_price:
        raise ValidationError(
            _("积分不足：兑换“%(item)s”需要 %(price)s 积分。"),
            code=IncentiveError.INSUFFICIENT_POINTS,
            params={"item": item.name, "price": item.point_price},
        )
    return Redemption.objects.create(agent=agent, item=item, points=item.point_price, note=note)


def _transition(redemption: Redemption, action: str) -> Redemption:
    locked = Redemption.objects.select_for_update().get(pk=redemption.pk)
    target = TRANSITIONS.get((locked.status, action))
    if target is None:
        raise ValidationError(
            _("兑换申请当前为“%(status)s”，不能执行此操作。"),
            code=IncentiveError.BAD_TRANSITION,
            params={"status": locked.get_status_display()},
        )
    locked.status = target
    return locked


def _check_decider(redemption: Redemption, by) -> None:
    if not by.has_perm("incentives.decide_redemption"):
        raise ValidationError(_("你没有审批积分兑换的权限。"), code=IncentiveError.FORBIDDEN)
    if redemption.agent_id == by.pk:
        raise ValidationError(
            _("不能审批自己的积分兑换申请(四眼原则)，须由另一位主管处理。"), code=IncentiveError.FOUR_EYES
        )


def redemption_approve(*, redemption: Redemption, by) -> Redemption:
    _check_decider(redemption, by)
    with transaction.atomic():
        locked = _transition(redemption, "approve")
        locked.entry, _created = entry_post(
            user=locked.agent,
            unit=Unit.POINTS,
            kind=EntryKind.REDEMPTION,
            amount=-locked.points,
            key=f"redemption:{locked.pk}",
            note=_("兑换：%(item)s") % {"item": locked.item.name},
            created_by=by,
        )
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.save(update_fields=["status", "entry", "decided_by", "decided_at"])
    return locked


def redemption_reject(*, redemption: Redemption, by, note: str = "") -> Redemption:
    _check_decider(redemption, by)
    with transaction.atomic():
        locked = _transition(redemption, "reject")
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.note = "\n".join(filter(None, [locked.note, note]))
        locked.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return locked


def redemption_cancel(*, redemption: Redemption, by) -> Redemption:
    if redemption.agent_id != by.pk:
        raise ValidationError(_("只能取消自己的兑换申请。"), code=IncentiveError.NOT_OWNER)
    with transaction.atomic():
        locked = _transition(redemption, "cancel")
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_at"])
    return locked
