"""Building, storing and sending the weekly Top-3 report, and the morning unresolved-case notice."""

from __future__ import annotations

import datetime as dt
import inspect
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.alerts import role_members
from insights.choices import DAILY_UNRESOLVED_KIND, WEEKLY_REPORT_KIND
from insights.exports import weekly_xlsx
from insights.hooks import weekly_recipients, weekly_sent
from insights.models import ReportRecipient, WeeklyReport
from insights.periods import IsoWeek, last_complete_week, local_today
from insights.selectors.unresolved import unresolved_by_owner
from insights.selectors.weekly import WeeklyData, weekly_top3
from insights.services.notify import Outgoing, send
from reviewdesk.choices import Role
from reviewdesk.language import language_of
from reviewdesk.models import Client, Shop

LIST_LINES = 10


def report_scope(shop: Shop | None, client: Client | None = None) -> str:
    return shop.name if shop else client.name if client else _("全部店铺")


def report_shop_ids(*, shop: Shop | None, client: Client | None = None) -> tuple[int, ...]:
    """The shops a report covers: the shop, the client's shops, or every shop."""
    if shop is not None:
        return (shop.pk,)
    shops = Shop.objects.filter(client=client) if client is not None else Shop.objects.all()
    return tuple(shops.order_by("pk").values_list("pk", flat=True))


def weekly_data_for(
    *, week: IsoWeek, shop: Shop | None, client: Client | None = None, now: dt.datetime | None = None
) -> WeeklyData:
    shop_ids = report_shop_ids(shop=shop, client=client)
    return weekly_top3(week=week, shop_ids=shop_ids, scope=report_scope(shop, client), now=now)


def _summary(data: WeeklyData) -> dict:
    return {
        "total": data.total,
        "previous_total": data.previous_total,
        "sections": {
            s.dimension: [
                {"label": r.label, "count": r.count, "share": str(r.share), "change": r.change}
                for r in s.rows
            ]
            for s in data.sections
        },
        "tied": {s.dimension: s.tied for s in data.sections if s.tied},
        "flagged_couriers": [{"shop": c.shop_name, "courier": c.courier} for c in data.flagged_couriers],
    }


def weekly_report_store(
    *, week: IsoWeek, shop: Shop | None, client: Client | None = None, now: dt.datetime | None = None
) -> WeeklyReport:
    """Build the workbook and keep it as the (week, shop), (week, client) or all-shops report, replacing
    an earlier build. A client's report covers its shops only."""
    if shop is not None and client is not None:
        raise ValueError("a weekly report is of a shop or of a client, not both")
    now = now or timezone.now()
    data = weekly_data_for(week=week, shop=shop, client=client, now=now)
    content = weekly_xlsx(data)
    with transaction.atomic():
        report = (
            WeeklyReport.objects.select_for_update().filter(week=week.key, shop=shop, client=client).first()
        )
        if report is None:
            report = WeeklyReport(week=week.key, shop=shop, client=client, built_at=now)
        elif report.file:
            report.file.delete(save=False)
        report.total_negative, report.summary, report.built_at = data.total, _summary(data), now
        report.file.save(f"top3-{week.key}.xlsx", ContentFile(content), save=False)
        report.save()
    return report


def _report_lines(report: WeeklyReport) -> list[str]:
    summary = report.summary
    lines = [
        _("本周中差评 %(total)s 条(上周 %(prev)s 条)。")
        % {"total": summary["total"], "prev": summary["previous_total"]}
    ]
    names = {"issue_type": _("问题类型"), "sku": _("SKU"), "courier": _("物流")}
    for dimension, rows in summary["sections"].items():
        if rows:
            items = "、".join(f"{r['label']} {r['count']}({r['share']}%)" for r in rows)
            lines.append(f"{names.get(dimension, dimension)}TOP3：{items}")
    if summary["flagged_couriers"]:
        lines.append(
            _("建议更换物流：%(list)s")
            % {"list": "、".join(f"{c['shop']}·{c['courier']}" for c in summary["flagged_couriers"])}
        )
    return lines


def weekly_report_notify(*, report: WeeklyReport, recipients: list[ReportRecipient]) -> tuple[int, int]:
    def render() -> tuple[str, list[str]]:  # in each reader's language (insights.services.notify.send)
        scope = report_scope(report.shop if report.shop_id else None, report.client)
        title = _("【差评TOP3周报】%(week)s · %(scope)s") % {"week": report.week, "scope": scope}
        return title, _report_lines(report)

    title, lines = render()
    message = Outgoing(
        kind=WEEKLY_REPORT_KIND,
        title=title,
        lines=lines,
        path=reverse("insights:report_download", kwargs={"pk": report.pk}),
        dedupe_key=f"weekly_report:{report.week}:{_scope_key(report)}",
        shop_id=report.shop_id,
        render=render,
    )
    for recipient in recipients:
        if recipient.user_id:
            message.user_ids.add(recipient.user_id)
        if recipient.channel_id:
            message.channels.append(_channel_entry(recipient))
    for extra in weekly_recipients.all():  # e.g. the departments' leads (insights.hooks)
        if report.client_id is None:
            message.user_ids |= extra(shop_id=report.shop_id)
        elif _takes_shop_ids(extra):  # a client's report: asked with the client's shops only
            shop_ids = report_shop_ids(shop=None, client=report.client)
            message.user_ids |= extra(shop_id=None, shop_ids=shop_ids)
    return send([message])


def _scope_key(report: WeeklyReport) -> str:
    if report.client_id:
        return f"client:{report.client_id}"
    return str(report.shop_id or "all")


def _takes_shop_ids(builder) -> bool:
    """Does a ``weekly_recipients`` builder accept ``shop_ids`` (the client reports' contract)? One that
    does not is not asked about a client's report: it would answer for every shop."""
    parameters = inspect.signature(builder).parameters.values()
    return any(p.name == "shop_ids" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _channel_entry(recipient: ReportRecipient) -> tuple:
    """(channel, the person's address, their language): a mail is read by its person, in their language."""
    email = recipient.user.email if recipient.user_id and recipient.user.email else ""
    if not email:
        return (recipient.channel, [])
    return (recipient.channel, [email], language_of(recipient.user))


def weekly_report_run(*, week: IsoWeek | None = None, now: dt.datetime | None = None) -> list[WeeklyReport]:
    """The Monday 09:00 schedule: last week's report for all shops, one per active client with shops
    (sent to that client's recipients only), plus one per shop that has its own recipients; each stored
    and sent to its recipients. Safe to run twice (same rows, no second message)."""
    now = now or timezone.now()
    week = week or last_complete_week(now)
    recipients = list(
        ReportRecipient.objects.filter(active=True, weekly_report=True).select_related(
            "user", "channel", "shop", "client"
        )
    )
    by_shop: dict[int | None, list[ReportRecipient]] = defaultdict(list)
    by_client: dict[int, list[ReportRecipient]] = defaultdict(list)
    for recipient in recipients:
        if recipient.client_id:
            by_client[recipient.client_id].append(recipient)
        else:
            by_shop[recipient.shop_id].append(recipient)
    reports = []
    shops = {s.pk: s for s in Shop.objects.filter(pk__in=[k for k in by_shop if k])}
    for shop_id in [None, *sorted(k for k in by_shop if k)]:
        report = weekly_report_store(week=week, shop=shops.get(shop_id), now=now)
        weekly_report_notify(report=report, recipients=by_shop.get(shop_id, []))
        reports.append(report)
    for client in Client.objects.filter(active=True, shops__isnull=False).distinct().order_by("code"):
        report = weekly_report_store(week=week, shop=None, client=client, now=now)
        weekly_report_notify(report=report, recipients=by_client.get(client.pk, []))
        reports.append(report)
    for report in reports:  # e.g. the departments' robots and leads (insights.hooks.weekly_sent)
        for sent in weekly_sent.all():
            sent(report=report)
    return reports


def _case_lines(cases: list[dict], *, with_owner: str = "") -> list[str]:
    lines = [
        _("#%(id)s %(shop)s %(issue)s 超时 %(hours)s 小时")
        % {"id": c["id"], "shop": c["shop_name"], "issue": c["issue_type"], "hours": c["overdue_hours"]}
        for c in cases[:LIST_LINES]
    ]
    if len(cases) > LIST_LINES:
        lines.append(_("……另有 %(n)s 个，请打开清单查看。") % {"n": len(cases) - LIST_LINES})
    return [f"{with_owner}{line}" for line in lines]


def daily_unresolved_notify(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """The morning schedule: each owner hears of their own overdue cases; each shop's supervisors, and
    the configured recipients, of the whole list by owner. Once per day (dedupe key has the date)."""
    now = now or timezone.now()
    today = local_today(now).isoformat()
    shop_ids = list(Shop.objects.filter(active=True).values_list("pk", flat=True))
    groups = unresolved_by_owner(shop_ids=shop_ids, now=now)
    path = reverse("insights:unresolved")
    messages: list[Outgoing] = []
    per_shop: dict[int, list[tuple[str, dict]]] = defaultdict(list)
    for group in groups:
        for case in group.cases:
            per_shop[case["shop_id"]].append((group.owner_name, case))
        if group.owner_id:

            def render(cases=group.cases) -> tuple[str, list[str]]:  # in the owner's language
                title = _("【超时未解决】你有 %(n)s 个案件已超过解决时限") % {"n": len(cases)}
                return title, _case_lines(cases)

            title, lines = render()
            messages.append(
                Outgoing(
                    kind=DAILY_UNRESOLVED_KIND,
                    path=path,
                    dedupe_key=f"daily_unresolved:{today}:owner",
                    title=title,
                    lines=lines,
                    user_ids={group.owner_id},
                    render=render,
                )
            )
    supervisors = role_members((shop_id, Role.SUPERVISOR) for shop_id in per_shop)
    names, clients = {}, {}
    for pk, name, client_id in Shop.objects.filter(pk__in=list(per_shop)).values_list(
        "pk", "name", "client_id"
    ):
        names[pk], clients[pk] = name, client_id
    recipients = list(
        ReportRecipient.objects.filter(active=True, daily_unresolved=True).select_related("user", "channel")
    )
    for shop_id, items in sorted(per_shop.items()):

        def render(items=items, shop_id=shop_id) -> tuple[str, list[str]]:  # in each reader's language
            lines = [
                line
                for owner, case in items
                for line in _case_lines([case], with_owner=f"{owner or _('(未分配)')}：")
            ][:LIST_LINES]
            title = _("【超时未解决】%(shop)s 有 %(n)s 个案件超过解决时限") % {
                "shop": names.get(shop_id, ""),
                "n": len(items),
            }
            return title, lines

        title, lines = render()
        message = Outgoing(
            kind=DAILY_UNRESOLVED_KIND,
            path=path,
            dedupe_key=f"daily_unresolved:{today}:shop:{shop_id}",
            shop_id=shop_id,
            title=title,
            lines=lines,
            user_ids=set(supervisors.get((shop_id, str(Role.SUPERVISOR)), set())),
            render=render,
        )
        for recipient in recipients:
            if recipient.shop_id not in (None, shop_id):
                continue
            if recipient.client_id and recipient.client_id != clients.get(shop_id):
                continue  # a client's recipient hears of the client's shops only
            if recipient.user_id:
                message.user_ids.add(recipient.user_id)
            if recipient.channel_id and recipient.channel.shop_id == shop_id:
                message.channels.append(_channel_entry(recipient))
        messages.append(message)
    return send(messages)
