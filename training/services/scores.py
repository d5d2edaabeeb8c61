"""Recording scores: one row per (agent, module, period, source), replaced on re-entry, history kept."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reviewdesk.access import shop_ids_for
from training.choices import PeriodKind, ScoreSource
from training.errors import TrainingError
from training.models import Score, TrainingModule
from training.periods import Period, parse_period

TWO_PLACES = Decimal("0.01")


def _number(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("％", "").replace("%", "").replace(",", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("成绩“%(value)s”不是数字。") % {"value": value}, code=TrainingError.SCORE_OUT_OF_RANGE
        )
    if not number.is_finite():
        raise ValidationError(
            _("成绩“%(value)s”不是数字。") % {"value": value}, code=TrainingError.SCORE_OUT_OF_RANGE
        )
    return number


def score_validate(*, module: TrainingModule, period: str, value) -> tuple[Period, Decimal]:
    """Checks a score without writing; raises a ValidationError with a Chinese message."""
    if not module.active:
        raise ValidationError(
            _("模块“%(module)s”已停用，不能录入成绩。") % {"module": module.name},
            code=TrainingError.UNKNOWN_MODULE,
        )
    parsed = parse_period(period)
    if parsed.kind != module.period_kind:
        example = "2026-11" if module.period_kind == PeriodKind.MONTHLY else "2026-W47"
        raise ValidationError(
            _("模块“%(module)s”%(kind)s考核，周期应写作 %(example)s，而不是“%(period)s”。")
            % {
                "module": module.name,
                "kind": module.get_period_kind_display(),
                "example": example,
                "period": period,
            },
            code=TrainingError.BAD_PERIOD,
        )
    if parsed.start > timezone.localdate():
        raise ValidationError(
            _("周期“%(period)s”还没有开始，不能录入成绩。") % {"period": parsed.key},
            code=TrainingError.BAD_PERIOD,
        )
    number = _number(value)
    if number < 0 or number > module.max_value:
        raise ValidationError(
            _("成绩 %(value)s 超出范围：“%(module)s”的成绩应在 0 到 %(max)s 之间。")
            % {"value": value, "module": module.name, "max": f"{module.max_value.normalize():f}"},
            code=TrainingError.SCORE_OUT_OF_RANGE,
        )
    return parsed, number.quantize(TWO_PLACES)


def self_entry_refusal(by, agent) -> ValidationError | None:
    """Four eyes on training results: nobody enters (or imports) a score of their own. A certification
    gates routing and pay, so one's own score is always entered by a colleague."""
    if by is not None and agent is not None and by.pk == agent.pk:
        return ValidationError(
            _("不能为自己录入成绩(四眼原则)，须由另一位培训负责人录入。"), code=TrainingError.SELF_REVIEW
        )
    return None


def can_enter_scores_for(user, agent) -> bool:
    """Trainers (supervisors, managers) enter scores for people of their own shops only, never their own."""
    if not user.is_authenticated or not user.has_perm("training.enter_scores"):
        return False
    if self_entry_refusal(user, agent) is not None:
        return False
    if user.is_superuser:
        return True
    return bool(shop_ids_for(user) & set(agent.memberships.values_list("shop_id", flat=True)))


def score_upsert(
    *,
    agent,
    module: TrainingModule,
    period: Period,
    value: Decimal,
    source: str,
    by=None,
    note: str = "",
    sample_size: int | None = None,
    now: dt.datetime | None = None,
) -> Score:
    """Low-level write for already validated values; the caller holds the transaction. Refuses a score
    recorded by its own agent, whatever the path (form, import, shell)."""
    if refusal := self_entry_refusal(by, agent):
        raise refusal
    score, _created = Score.objects.update_or_create(
        agent=agent,
        module=module,
        period=period.key,
        source=source,
        defaults={
            "period_start": period.start,
            "period_end": period.end,
            "value": value,
            "note": note,
            "sample_size": sample_size,
            "recorded_by": by,
            "recorded_at": now or timezone.now(),
        },
    )
    return score


def score_record(
    *,
    agent,
    module: TrainingModule,
    period: str,
    value,
    by,
    source: str = ScoreSource.TRAINER,
    note: str = "",
    check_access: bool = True,
) -> Score:
    """A trainer's entry (or one imported row). Bad input raises and writes nothing."""
    if refusal := self_entry_refusal(by, agent):
        raise refusal
    if check_access and not can_enter_scores_for(by, agent):
        raise ValidationError(_("你无权为该员工录入成绩。"), code=TrainingError.NOT_ALLOWED)
    parsed, number = score_validate(module=module, period=period, value=value)
    with transaction.atomic():
        score = score_upsert(
            agent=agent, module=module, period=parsed, value=number, source=source, by=by, note=note
        )
        schedule_lapse_check([agent.pk])
    return score


def schedule_lapse_check(agent_ids) -> None:
    from training.services.lapses import certification_sweep

    ids = sorted(set(agent_ids))
    transaction.on_commit(lambda: certification_sweep(agent_ids=ids))
