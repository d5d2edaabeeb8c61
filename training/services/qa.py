"""QA reviews: score a handled case, dispute once, settle by a different supervisor.

Workflow (state, action, next state, who may):

    scored   --dispute--> disputed   the reviewed agent, once per review
    disputed --settle-->  settled    a supervisor with settle permission who is neither the reviewer
                                     nor the agent and can see the case's shop

A disputed review does not count toward QA-fed module scores until it is settled; the settled
result (upheld or revised item by item) then counts.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import CaseStatus
from reviewdesk.access import can_see_shop
from training.choices import QaAction, QaStatus, ScoreSource
from training.errors import TrainingError
from training.models import QaItem, QaItemResult, QaReview, QaRubric, Score, TrainingModule
from training.periods import period_for
from training.services.scores import TWO_PLACES, schedule_lapse_check, score_upsert

HANDLED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
TRANSITIONS = {
    (QaStatus.SCORED, QaAction.DISPUTE): QaStatus.DISPUTED,
    (QaStatus.DISPUTED, QaAction.SETTLE): QaStatus.SETTLED,
}


def _refuse(message: str, code: str):
    raise ValidationError(message, code=code)


def qa_compute(items: list[QaItem], passed: dict[int, bool]) -> tuple[Decimal, bool]:
    """(total out of 100, critical failed). A failed critical item zeroes the review."""
    total_weight = sum(item.weight for item in items)
    if not items or total_weight == 0:
        _refuse(_("评分表没有启用的评分项。"), TrainingError.RUBRIC_EMPTY)
    if any(item.critical and not passed[item.pk] for item in items):
        return Decimal("0.00"), True
    earned = sum(item.weight for item in items if passed[item.pk])
    return (Decimal(earned) * 100 / Decimal(total_weight)).quantize(TWO_PLACES), False


def _collect(items: list[QaItem], results: dict) -> dict[int, bool]:
    missing = [item.name for item in items if item.pk not in results]
    if missing:
        _refuse(
            _("请为每个评分项打分，缺少：%(items)s。") % {"items": "、".join(missing)},
            TrainingError.MISSING_ITEM,
        )
    return {item.pk: bool(results[item.pk]) for item in items}


def can_qa(user, case) -> bool:
    return (
        user.is_authenticated
        and user.has_perm("training.add_qareview")
        and (user.is_superuser or can_see_shop(user, case.shop_id))
    )


def qa_review_create(
    *,
    case,
    rubric: QaRubric,
    reviewer,
    results: dict[int, bool],
    comment: str = "",
    now: dt.datetime | None = None,
) -> QaReview:
    if not can_qa(reviewer, case):
        _refuse(_("你无权质检该案件。"), TrainingError.NOT_ALLOWED)
    if case.status not in HANDLED_STATUSES and case.resolved_at is None:
        _refuse(_("只能质检已处理(已解决或已关闭)的案件。"), TrainingError.CASE_NOT_HANDLED)
    if case.assignee_id is None:
        _refuse(_("该案件没有处理人，无法质检。"), TrainingError.CASE_NOT_HANDLED)
    if case.assignee_id == reviewer.pk:
        _refuse(_("不能质检自己处理的案件。"), TrainingError.SELF_REVIEW)
    if not rubric.active:
        _refuse(_("评分表“%(name)s”已停用。") % {"name": rubric.name}, TrainingError.RUBRIC_EMPTY)
    items = list(rubric.items.filter(active=True))
    passed = _collect(items, results)
    total, critical_failed = qa_compute(items, passed)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            review = QaReview.objects.create(
                case=case,
                rubric=rubric,
                agent_id=case.assignee_id,
                reviewer=reviewer,
                scored_at=now,
                total=total,
                critical_failed=critical_failed,
                comment=comment.strip(),
            )
            QaItemResult.objects.bulk_create(
                [QaItemResult(review=review, item=item, passed=passed[item.pk]) for item in items]
            )
            qa_refresh_scores(agent_id=review.agent_id, day=timezone.localdate(now))
    except IntegrityError:
        _refuse(_("该案件已按“%(name)s”质检过。") % {"name": rubric.name}, TrainingError.ALREADY_REVIEWED)
    return review


def _lock(review: QaReview, expected_version: int | None) -> QaReview:
    locked = QaReview.objects.select_for_update().get(pk=review.pk)
    if expected_version is not None and locked.version != expected_version:
        _refuse(_("这条质检记录已被他人更新，请刷新后重试。"), TrainingError.STALE)
    return locked


def qa_review_dispute(
    *, review: QaReview, by, reason: str, expected_version: int | None = None, now=None
) -> QaReview:
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(review, expected_version)
        if by.pk != locked.agent_id:
            _refuse(_("只有被质检人本人可以申诉。"), TrainingError.NOT_ALLOWED)
        if locked.disputed_at is not None:
            _refuse(_("每条质检只能申诉一次。"), TrainingError.DISPUTE_ONCE)
        if (locked.status, QaAction.DISPUTE) not in TRANSITIONS:
            _refuse(
                _("当前状态“%(status)s”不能申诉。") % {"status": locked.get_status_display()},
                TrainingError.WRONG_STATE,
            )
        if not reason:
            _refuse(_("请填写申诉理由。"), TrainingError.REASON_REQUIRED)
        locked.status = TRANSITIONS[(locked.status, QaAction.DISPUTE)]
        locked.dispute_reason = reason
        locked.disputed_at = now or timezone.now()
        locked.version += 1
        locked.save()
        qa_refresh_scores(agent_id=locked.agent_id, day=timezone.localdate(locked.scored_at))
    return locked


def can_settle(user, review: QaReview) -> bool:
    return (
        user.is_authenticated
        and user.has_perm("training.settle_qareview")
        and user.pk not in (review.reviewer_id, review.agent_id)
        and (user.is_superuser or can_see_shop(user, review.case.shop_id))
    )


def qa_review_settle(
    *,
    review: QaReview,
    by,
    comment: str,
    results: dict[int, bool] | None = None,
    expected_version: int | None = None,
    now=None,
) -> QaReview:
    """Settles a dispute: ``results`` None upholds the original scoring, otherwise it is revised."""
    comment = (comment or "").strip()
    with transaction.atomic():
        locked = _lock(review, expected_version)
        if by.pk == locked.reviewer_id:
            _refuse(_("申诉须由另一位主管裁定，原质检人不能裁定。"), TrainingError.SETTLER_SAME_AS_REVIEWER)
        if not can_settle(by, locked):
            _refuse(_("你无权裁定这条申诉。"), TrainingError.NOT_ALLOWED)
        if (locked.status, QaAction.SETTLE) not in TRANSITIONS:
            _refuse(
                _("当前状态“%(status)s”不能裁定。") % {"status": locked.get_status_display()},
                TrainingError.WRONG_STATE,
            )
        if not comment:
            _refuse(_("请填写裁定意见。"), TrainingError.REASON_REQUIRED)
        item_results = list(locked.results.select_related("item"))
        items = [r.item for r in item_results]
        final = (
            _collect(items, results) if results is not None else {r.item_id: r.passed for r in item_results}
        )
        locked.final_total, locked.final_critical_failed = qa_compute(items, final)
        for result in item_results:
            result.settled_passed = final[result.item_id]
        QaItemResult.objects.bulk_update(item_results, ["settled_passed"])
        locked.status = TRANSITIONS[(locked.status, QaAction.SETTLE)]
        locked.settled_by = by
        locked.settled_at = now or timezone.now()
        locked.settle_comment = comment
        locked.version += 1
        locked.save()
        qa_refresh_scores(agent_id=locked.agent_id, day=timezone.localdate(locked.scored_at))
    return locked


def qa_fed_modules() -> list[TrainingModule]:
    rubric_modules = QaRubric.objects.filter(module__isnull=False).values("module_id")
    item_modules = QaItem.objects.filter(module__isnull=False).values("module_id")
    return list(
        TrainingModule.objects.filter(pk__in=rubric_modules)
        | TrainingModule.objects.filter(pk__in=item_modules)
    )


def qa_refresh_scores(*, agent_id: int, day: dt.date) -> None:
    """Recomputes the QA-sourced score of each QA-fed module for the period containing ``day``:
    the pass rate of the agent's counting reviews (rubric total ≥ pass mark; item passed)."""
    for module in qa_fed_modules():
        period = period_for(day, module.period_kind)
        reviews = (
            QaReview.objects.filter(
                agent_id=agent_id, scored_at__gte=period.start_datetime(), scored_at__lt=period.end_datetime()
            )
            .exclude(status=QaStatus.DISPUTED)
            .select_related("rubric")
            .prefetch_related("results__item")
        )
        samples: list[bool] = []
        for review in reviews:
            if review.rubric.module_id == module.pk:
                samples.append(review.effective_total >= review.rubric.pass_mark)
            samples.extend(r.effective_passed for r in review.results.all() if r.item.module_id == module.pk)
        existing = Score.objects.filter(
            agent_id=agent_id, module=module, period=period.key, source=ScoreSource.QA
        )
        if not samples:
            for score in existing:
                score.delete()  # per row, so the history records the removal
            continue
        rate = Decimal(sum(samples)) * module.max_value / Decimal(len(samples))
        score_upsert(
            agent=_agent(agent_id),
            module=module,
            period=period,
            value=rate.quantize(TWO_PLACES),
            source=ScoreSource.QA,
            sample_size=len(samples),
            note=_("质检合格率"),
        )
    schedule_lapse_check([agent_id])


def _agent(agent_id: int):
    from reviewdesk.models import User

    return User.objects.get(pk=agent_id)
