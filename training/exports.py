"""Scores of a period as XLSX for HR: Chinese headers, numbers as numeric cells, text that a
spreadsheet would run as a formula (= + - @ tab CR) neutralised with a leading apostrophe."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from reviewdesk.spreadsheets import safe_text
from training.models import Score
from training.periods import parse_period
from training.selectors import case_handlers, visible_agents


def scores_for_export(*, period: str, viewer):
    """The period's scores of the people ``viewer`` may see; ``viewer`` None is the command line run by
    an operator without ``--user``: everyone's."""
    parsed = parse_period(period)
    agents = case_handlers() if viewer is None else visible_agents(viewer)
    scores = Score.objects.filter(agent__in=agents).select_related("agent", "module", "recorded_by")
    if parsed.kind == "monthly":  # a month also carries the weekly scores of weeks starting in it
        scores = scores.filter(period_start__gte=parsed.start, period_start__lte=parsed.end)
    else:
        scores = scores.filter(period=parsed.key)
    return parsed, scores.order_by("agent__employee_code", "module__sort_order", "period", "source")


def export_scores_xlsx(*, period: str, viewer, progress=None) -> tuple[str, bytes]:
    """``progress(done, total)`` (a command's progress bar): told every 2,000 scores written; only then
    are the scores counted first (one query)."""
    parsed, scores = scores_for_export(period=period, viewer=viewer)
    total = scores.count() if progress is not None else 0
    done = 0
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("培训成绩"))
    sheet.append(
        [
            _("工号"),
            _("姓名"),
            _("模块代码"),
            _("模块"),
            _("周期"),
            _("成绩"),
            _("单位"),
            _("达标线"),
            _("是否达标"),
            _("来源"),
            _("样本数"),
            _("录入人"),
            _("录入时间"),
            _("备注"),
        ]
    )
    for score in scores.iterator(chunk_size=2000):
        module = score.module
        recorded_at = (
            timezone.localtime(score.recorded_at).replace(tzinfo=None) if score.recorded_at else None
        )
        sheet.append(
            [
                safe_text(score.agent.employee_code),
                safe_text(score.agent.display_name or score.agent.username),
                safe_text(module.code),
                safe_text(module.name),
                score.period,
                float(score.value),
                safe_text(module.unit),
                float(module.threshold),
                _("达标") if module.passes(score.value) else _("未达标"),
                score.get_source_display(),
                score.sample_size,
                safe_text(score.recorded_by.display_name or score.recorded_by.username)
                if score.recorded_by
                else "",
                recorded_at,
                safe_text(score.note),
            ]
        )
        done += 1
        if progress is not None and done % 2000 == 0:
            progress(done, total)
    if progress is not None:
        progress(done, done)  # the end (the count may have changed since)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return f"training-scores-{parsed.key}.xlsx", buffer.getvalue()
