"""Work orders opened by rules, from what ReviewDesk already knows. The rules are policy data
(``workorders.models.AutomationRule``: the global row of a kind, or the shop's row that replaces it); a
kind without an active rule for the shop opens nothing.

* Courier watch: when intake opens or reopens cases (a file import, an API submit, a connector pull: the
  one hand-off ``cases.imports.storing.hand_off_new_cases`` sends ``cases.signals.cases_opened``), each
  case of a rule's issue types whose review's courier the courier watch flags on that shop
  (``insights.selectors.couriers``) gets one order to the rule's department (``trace_parcel`` by
  default): once per case (the dedupe key), whatever the number of imports or alerts. ``cases_opened``
  reads a constant number of queries per import whatever its size (the batch's shops, their rules, the
  flagged couriers of those shops, the matching cases); only a matching case costs more (its order).
  ``courier_watch_alert`` opens the same order for one case on any other signal.
* Quality threshold (hourly, a django-q2 schedule of migration 0003): when one SKU (item id + spec) of a
  shop collects ``threshold`` or more open cases of the rule's issue types received within
  ``window_days``, the rule's department (QC) is asked once per SKU and ISO week on the newest of them.

An automatic order has no raiser (``raised_by`` NULL, the timeline says "system"); a rule whose department
or request type is missing or inactive for the shop opens nothing and says so in the log.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.choices import OPEN_STATUSES
from cases.imports.bulk import any_of
from cases.models import Case
from workorders.choices import AutomationKind, WorkOrderSource
from workorders.models import AutomationRule, RequestType, WorkOrder
from workorders.services import departments_for, raise_for_case

logger = logging.getLogger(__name__)


def rules_for(kind: str, shop_ids) -> dict[int, AutomationRule]:
    """The active rule of ``kind`` for each of ``shop_ids`` (its own row, else the global one), in one
    query; a shop without an active rule is left out."""
    shop_ids = set(shop_ids)
    rows = list(
        AutomationRule.objects.filter(Q(shop__isnull=True) | Q(shop_id__in=shop_ids), kind=kind)
        .select_related("department", "request_type")
        .order_by("pk")
    )
    global_rule = next((r for r in rows if r.shop_id is None), None)
    own = {r.shop_id: r for r in rows if r.shop_id is not None}
    found = {}
    for shop_id in shop_ids:
        rule = own.get(shop_id, global_rule)
        if rule is not None and rule.active:
            found[shop_id] = rule
    return found


def _open_by_rule(case: Case, rule: AutomationRule, *, question, source, dedupe_key, now) -> WorkOrder | None:
    """Raise the rule's order on the case, to the shop's department of the rule's code."""
    department_code, type_code = rule.department.code, rule.request_type.code
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


def _courier_key(case_id: int) -> str:
    return f"courier:{case_id}"


def courier_watch_alert(
    *, case_id: int, reason: str, now: dt.datetime | None = None, rule: AutomationRule | None = None
) -> WorkOrder | None:
    """Open (once) the courier watch rule's order to trace the parcel of ``case_id``."""
    case = Case.objects.select_related("review").filter(pk=case_id).first()
    if case is None:
        return None
    rule = rule or rules_for(AutomationKind.COURIER_WATCH, [case.shop_id]).get(case.shop_id)
    if rule is None:
        return None
    courier = case.review.courier or _("未知快递")
    question = _("物流预警：%(reason)s。请追踪包裹(%(courier)s)并给出处理方案。") % {
        "reason": (reason or "").strip()[:200],
        "courier": courier,
    }
    return _open_by_rule(
        case,
        rule,
        question=question,
        source=WorkOrderSource.COURIER_WATCH,
        dedupe_key=_courier_key(case.pk),
        now=now or timezone.now(),
    )


def flagged_couriers(shop_ids, *, as_of: dt.date) -> dict[int, set[str]]:
    """shop id → the couriers the courier watch flags on it (insights' threshold and months)."""
    from insights.models import InsightSettings
    from insights.selectors.couriers import courier_watch

    # Read, never created here (``InsightSettings.current`` would write the row during an import).
    settings = InsightSettings.objects.filter(pk=1).first() or InsightSettings()
    entries, _months, _settings = courier_watch(shop_ids=shop_ids, as_of=as_of, settings=settings)
    flagged: dict[int, set[str]] = {}
    for entry in entries:
        if entry.flagged:
            flagged.setdefault(entry.shop_id, set()).add(entry.courier)
    return flagged


def cases_opened(*, case_ids: list[int], now: dt.datetime | None = None, **signal_args) -> list[WorkOrder]:
    """``cases.signals.cases_opened``: the courier watch rule on the cases an intake opened or reopened."""
    if not case_ids:
        return []
    now = now or timezone.now()
    batch = Case.objects.filter(any_of("pk", case_ids, "bigint"))
    shop_ids = set(batch.order_by().values_list("shop_id", flat=True).distinct())
    rules = rules_for(AutomationKind.COURIER_WATCH, shop_ids)
    if not rules:
        return []
    flagged = flagged_couriers(list(rules), as_of=timezone.localdate(now))
    if not flagged:
        return []
    watched = Q()
    for shop_id, couriers in flagged.items():
        codes = rules[shop_id].issue_type_codes()
        watched |= Q(shop_id=shop_id, review__courier__in=sorted(couriers), issue_type__code__in=codes)
    matching = list(
        batch.filter(watched, status__in=OPEN_STATUSES)
        .values_list("pk", "shop_id", "review__courier")
        .order_by("pk")
    )
    done = set(
        WorkOrder.objects.filter(dedupe_key__in=[_courier_key(pk) for pk, _s, _c in matching]).values_list(
            "dedupe_key", flat=True
        )
    )
    opened = []
    for case_id, shop_id, courier in matching:
        if _courier_key(case_id) in done:
            continue
        reason = _("%(courier)s在本店中差评率连续超标") % {"courier": courier}
        order = courier_watch_alert(case_id=case_id, reason=reason, now=now, rule=rules[shop_id])
        if order is not None:
            opened.append(order)
    return opened


def quality_rule_sweep(*, now: dt.datetime | None = None) -> list[WorkOrder]:
    """Ask the quality rule's department about every SKU over its threshold (once per SKU and ISO week)."""
    now = now or timezone.now()
    year, week, _day = timezone.localtime(now).isocalendar()
    rows = list(
        AutomationRule.objects.filter(kind=AutomationKind.QUALITY_THRESHOLD).select_related(
            "department", "request_type"
        )
    )
    overridden = [r.shop_id for r in rows if r.shop_id is not None]
    opened = []
    for rule in rows:
        if not rule.active:
            continue
        cases = Case.objects.filter(
            issue_type__code__in=rule.issue_type_codes(),
            review__received_at__gte=now - dt.timedelta(days=rule.window_days),
            status__in=OPEN_STATUSES,
        ).exclude(review__item_id="")
        cases = cases.filter(shop_id=rule.shop_id) if rule.shop_id else cases.exclude(shop_id__in=overridden)
        groups = (
            cases.values("shop_id", "review__item_id", "review__sku")
            .annotate(count=Count("pk"), newest=Max("pk"))
            .filter(count__gte=rule.threshold)
            .order_by("shop_id", "review__item_id", "review__sku")
        )
        for group in groups:
            case = Case.objects.select_related("review").get(pk=group["newest"])
            sku = " ".join(filter(None, [group["review__item_id"], group["review__sku"]]))
            question = _("商品%(sku)s近%(days)s天出现%(count)s个质量问题差评，请确认是否为批次问题。") % {
                "sku": sku,
                "days": rule.window_days,
                "count": group["count"],
            }
            key = (
                f"quality:{group['shop_id']}:{group['review__item_id']}:{group['review__sku']}:{year}-W{week}"
            )
            order = _open_by_rule(
                case,
                rule,
                question=question,
                source=WorkOrderSource.QUALITY_THRESHOLD,
                dedupe_key=key[:120],
                now=now,
            )
            if order is not None:
                opened.append(order)
    return opened
