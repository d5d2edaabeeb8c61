"""Work orders opened by rules, from what ReviewDesk already knows.

* ``courier_watch_alert(case_id=…, reason=…)``: a courier watch (a parcel stuck, a station complaint)
  opens one order to logistics (``trace_parcel``) on the case: once per case, whatever the number of
  alerts (the dedupe key). The watcher calls it; nothing else is needed.
* ``quality_rule_sweep``: when one SKU (item id + spec) of a shop collects ``QUALITY_THRESHOLD`` or more
  open cases of the quality issue type received within seven days, QC is asked once per SKU and ISO week
  (``confirm_batch``) on the newest of those cases. It runs hourly (a django-q2 schedule, migration 0003).

An automatic order has no raiser (``raised_by`` NULL, the timeline says "system"); a rule whose department
or request type is missing or inactive for the shop opens nothing and says so in the log.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES
from cases.models import Case
from workorders.choices import WorkOrderSource
from workorders.models import RequestType, WorkOrder
from workorders.services import departments_for, raise_for_case

logger = logging.getLogger(__name__)

LOGISTICS, TRACE_PARCEL = "logistics", "trace_parcel"
QC, CONFIRM_BATCH = "qc", "confirm_batch"
QUALITY_ISSUE = "quality"
QUALITY_THRESHOLD = 3
QUALITY_WINDOW = dt.timedelta(days=7)


def _open_by_rule(
    case: Case, *, department_code, type_code, question, source, dedupe_key, now
) -> WorkOrder | None:
    department = next((d for d in departments_for(case.shop_id) if d.code == department_code), None)
    request_type = (
        RequestType.objects.filter(department=department, code=type_code, active=True).first()
        if department
        else None
    )
    if request_type is None:
        logger.warning(
            "work-order rule %s: no active %s/%s for shop %s",
            source,
            department_code,
            type_code,
            case.shop_id,
        )
        return None
    try:
        return raise_for_case(
            case=case,
            by=None,
            department_id=department.pk,
            request_type_id=request_type.pk,
            question=question,
            source=source,
            dedupe_key=dedupe_key,
            now=now,
        )
    except ValidationError as exc:  # a closed case: nothing to ask any more
        logger.info("work-order rule %s on case %s: %s", source, case.pk, exc.messages[0])
        return None


def courier_watch_alert(*, case_id: int, reason: str, now: dt.datetime | None = None) -> WorkOrder | None:
    """Open (once) an order to logistics to trace the parcel of ``case_id``."""
    case = Case.objects.select_related("review").filter(pk=case_id).first()
    if case is None:
        return None
    courier = case.review.courier or _("未知快递")
    question = _("物流预警：%(reason)s。请追踪包裹(%(courier)s)并给出处理方案。") % {
        "reason": (reason or "").strip()[:200],
        "courier": courier,
    }
    return _open_by_rule(
        case,
        department_code=LOGISTICS,
        type_code=TRACE_PARCEL,
        question=question,
        source=WorkOrderSource.COURIER_WATCH,
        dedupe_key=f"courier:{case.pk}",
        now=now or timezone.now(),
    )


def quality_rule_sweep(*, now: dt.datetime | None = None) -> list[WorkOrder]:
    """Ask QC about every SKU over the weekly threshold of quality cases (once per SKU and ISO week)."""
    now = now or timezone.now()
    year, week, _day = timezone.localtime(now).isocalendar()
    groups = (
        Case.objects.filter(
            issue_type__code=QUALITY_ISSUE,
            review__received_at__gte=now - QUALITY_WINDOW,
            status__in=OPEN_STATUSES,
        )
        .exclude(review__item_id="")
        .values("shop_id", "review__item_id", "review__sku")
        .annotate(count=Count("pk"), newest=Max("pk"))
        .filter(count__gte=QUALITY_THRESHOLD)
        .order_by("shop_id", "review__item_id", "review__sku")
    )
    opened = []
    for group in groups:
        case = Case.objects.select_related("review").get(pk=group["newest"])
        sku = " ".join(filter(None, [group["review__item_id"], group["review__sku"]]))
        question = _("商品%(sku)s近7天出现%(count)s个质量问题差评，请确认是否为批次问题。") % {
            "sku": sku,
            "count": group["count"],
        }
        key = f"quality:{group['shop_id']}:{group['review__item_id']}:{group['review__sku']}:{year}-W{week}"
        order = _open_by_rule(
            case,
            department_code=QC,
            type_code=CONFIRM_BATCH,
            question=question,
            source=WorkOrderSource.QUALITY_THRESHOLD,
            dedupe_key=key[:120],
            now=now,
        )
        if order is not None:
            opened.append(order)
    return opened
