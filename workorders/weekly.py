"""The weekly Top-3 report for the departments: their groups' robots and their leads' page.

The report's top issue types are insights' (``insights.selectors.weekly``: the same counts and tie rule);
what a department is told is the work orders raised on the week's cases of each of them (the same rows
as the report's work-order sheet, ``workorders.reports.weekly_table``), its own orders only.

- ``weekly_report_sent(report=…)``: when insights has sent a weekly report (``insights.hooks.weekly_sent``)
  each department with a robot that applies to its scope (a shop's report: the shop's departments; the
  all-shops report: the global ones) gets ONE message for that week and scope, a ``RobotPost`` named
  ``weekly:<week>:<scope>:<department>``: a second run, or the hourly ``weekly_robot_sweep`` that catches a
  report whose posts were never made, sends nothing twice. The post links to the page below.
- ``weekly_page``: a department's member (its lead, who has no right to insights' report) opens the week's
  top issues and the work orders behind them, of his departments and within the shops he reaches
  (``reviewdesk.access``); whoever works cases sees the orders of his shops.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workorders.models import Department, RobotPost, WorkOrder

logger = logging.getLogger(__name__)
ORDER_LINES = 5  # per top issue in a robot message; the page lists them all


def top_issues(week, shop_ids) -> list[tuple[str, str, int]]:
    """(key, label, 中差评 count) of the week's top issue types over ``shop_ids`` (insights' ranking)."""
    from insights.choices import Dimension
    from insights.selectors.weekly import _counts, rank_top

    top, _tied = rank_top(_counts(tuple(sorted(shop_ids)), Dimension.ISSUE_TYPE, week))
    return top


def orders_behind(week, shop_ids, keys: list[str]):
    """The work orders raised on the week's cases (opened that week) of the issue types ``keys``."""
    if not keys:
        return WorkOrder.objects.none()
    issue = Q(case__issue_type_id__in=[int(k) for k in keys if k])
    if "" in keys:
        issue |= Q(case__issue_type__isnull=True)
    return WorkOrder.objects.filter(
        issue, case__shop_id__in=shop_ids, case__opened_at__gte=week.start, case__opened_at__lt=week.end
    )


def page_path(week, shop_id: int | None) -> str:
    query = {"week": week.key, **({"shop": shop_id} if shop_id else {})}
    return f"{reverse('workorders:weekly')}?{urlencode(query)}"


def _issue_key(order: WorkOrder) -> str:
    return str(order.case.issue_type_id) if order.case.issue_type_id else ""


def _message(week, scope: str, department: Department, top, orders) -> tuple[str, list[str]]:
    title = _("【差评TOP3周报】%(week)s · %(scope)s · %(department)s") % {
        "week": week.key,
        "scope": scope,
        "department": department.name,
    }
    by_issue: dict[str, list[WorkOrder]] = {}
    for order in orders:
        by_issue.setdefault(_issue_key(order), []).append(order)
    lines = []
    for rank, (key, label, count) in enumerate(top, start=1):
        mine = by_issue.get(key, [])
        lines.append(
            _("TOP%(rank)s %(issue)s：中差评%(count)s条，本部门工单%(orders)s个")
            % {"rank": rank, "issue": label, "count": count, "orders": len(mine)}
        )
        for order in mine[:ORDER_LINES]:
            lines.append(
                f"#{order.pk} {order.request_type.name} · {order.get_status_display()}"
                + (f" · {order.get_responsibility_display()}" if order.responsibility else "")
            )
        if len(mine) > ORDER_LINES:
            lines.append(_("另有%(n)s个工单，见链接。") % {"n": len(mine) - ORDER_LINES})
    if not top:
        lines.append(_("本周没有中差评。"))
    return title, lines


def weekly_department_posts(*, week, shop_id: int | None, now: dt.datetime | None = None) -> list[int]:
    """Post the week's report of one scope to each department robot that has not had it; returns the ids
    of the posts made now (each sent after commit, retried like every robot post)."""
    from django.conf import settings

    from reviewdesk.models import Shop
    from workorders.robot import has_robot, post_send
    from workorders.services import departments_for

    now = now or timezone.now()
    scope_key = str(shop_id) if shop_id else "all"
    if shop_id:
        departments = departments_for(shop_id)
        shop_ids = [shop_id]
    else:
        departments = list(Department.objects.filter(shop__isnull=True, active=True).order_by("code"))
        shop_ids = list(Shop.objects.values_list("pk", flat=True))
    departments = [d for d in departments if has_robot(d)]
    if not departments:
        return []
    keys = {d.pk: f"weekly:{week.key}:{scope_key}:{d.pk}" for d in departments}
    done = set(RobotPost.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    departments = [d for d in departments if keys[d.pk] not in done]
    if not departments:
        return []
    top = top_issues(week, shop_ids)
    orders = list(
        orders_behind(week, shop_ids, [key for key, _label, _count in top])
        .filter(department__in=departments)
        .select_related("request_type", "case")
        .order_by("raised_at", "pk")
    )
    scope = Shop.objects.get(pk=shop_id).name if shop_id else None
    created = []
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():  # a group reads the site's
        for department in departments:
            title, lines = _message(
                week,
                scope or _("全部店铺"),
                department,
                top,
                [o for o in orders if o.department_id == department.pk],
            )
            post, made = RobotPost.objects.get_or_create(
                key=keys[department.pk],
                defaults={
                    "department": department,
                    "title": title[:200],
                    "lines": lines,
                    "path": page_path(week, shop_id),
                    "created_at": now,
                },
            )
            if made:
                created.append(post.pk)
        transaction.on_commit(lambda: [post_send(pk) for pk in created])
    return created


def weekly_report_sent(*, report, **kwargs) -> None:
    """``insights.hooks.weekly_sent``: the stored report ``report`` (week, shop) was sent. A client's report
    (the brand's own recipients) is not the departments': their robots have the shops' and all shops'."""
    from insights.periods import parse_week

    if getattr(report, "client_id", None) is None:
        week = parse_week(report.week)
        weekly_department_posts(week=week, shop_id=report.shop_id)
        weekly_lead_notices(week=week, shop_id=report.shop_id)


def weekly_lead_notices(*, week, shop_id: int | None) -> int:
    """The departments' leads who reach the report's shops (``workorders.reports.weekly_lead_ids``) hear of
    it in the bell, linked to their page above: the insights workbook is not theirs to open. One notice per
    lead, week and scope (the dedupe key), however often the weekly run repeats; returns those made now."""
    from insights.choices import WEEKLY_REPORT_KIND
    from insights.services.notify import Outgoing, send
    from reviewdesk.models import Shop
    from workorders.reports import weekly_lead_ids

    user_ids = weekly_lead_ids(shop_id=shop_id)
    if not user_ids:
        return 0
    shop_ids = [shop_id] if shop_id else list(Shop.objects.values_list("pk", flat=True))
    top = top_issues(week, shop_ids)
    shop_name = Shop.objects.get(pk=shop_id).name if shop_id else None

    def render() -> tuple[str, list[str]]:  # in each lead's language
        title = _("【差评TOP3周报·部门工单】%(week)s · %(scope)s") % {
            "week": week.key,
            "scope": shop_name or _("全部店铺"),
        }
        lines = [
            _("TOP%(rank)s %(issue)s：中差评%(count)s条") % {"rank": rank, "issue": label, "count": count}
            for rank, (_key, label, count) in enumerate(top, start=1)
        ] or [_("本周没有中差评。")]
        return title, lines

    title, lines = render()
    message = Outgoing(
        kind=WEEKLY_REPORT_KIND,
        title=title,
        lines=lines,
        path=page_path(week, shop_id),
        dedupe_key=f"weekly_lead:{week.key}:{shop_id or 'all'}",
        shop_id=shop_id,
        user_ids=user_ids,
        render=render,
    )
    return send([message])[0]


def weekly_robot_sweep(*, now: dt.datetime | None = None) -> int:
    """Hourly: the posts of every report of last week that was sent without them (or before a department
    had its robot); a handful of queries per stored report when nothing is missing."""
    from insights.models import WeeklyReport
    from insights.periods import last_complete_week

    week = last_complete_week(now)
    made = 0
    reports = WeeklyReport.objects.filter(week=week.key, client__isnull=True)  # see weekly_report_sent
    for shop_id in reports.values_list("shop_id", flat=True):
        made += len(weekly_department_posts(week=week, shop_id=shop_id, now=now))
    return made
