"""Schedules exist after migrate; the weekly run stores the workbook and notifies the recipients
through the cases channels (once); the morning notice lists overdue cases by owner; the rollup
refresh picks up new intake batches."""

import datetime as dt
import importlib
import io
from zoneinfo import ZoneInfo

import pytest
from django_q.models import Schedule
from openpyxl import load_workbook

from cases.models import Delivery, ImportBatch, Notification, NotificationChannel
from insights.choices import DAILY_UNRESOLVED_KIND, WEEKLY_REPORT_KIND, Dimension
from insights.models import ReportRecipient, ReviewRollup, WeeklyReport
from insights.periods import parse_week
from insights.services.reports import daily_unresolved_notify, weekly_report_run
from insights.services.rollup import rollup_rebuild, rollup_refresh
from tests.factories import UserFactory
from tests.insights.dataset import NOW, review

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def test_schedules_exist_after_migrate():
    """The data migration is applied and creates the three schedules. Its function is replayed here
    (twice: update_or_create, no duplicates) because a transactional test earlier in a full run
    flushes every table, data-migration rows included."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    assert ("insights", "0002_schedules") in MigrationRecorder(connection).applied_migrations()
    migration = importlib.import_module("insights.migrations.0002_schedules")
    migration.create_schedules(apps, None)
    migration.create_schedules(apps, None)
    assert Schedule.objects.filter(func__startswith="insights.tasks.").count() == 3
    schedules = {s.name: s for s in Schedule.objects.filter(func__startswith="insights.tasks.")}
    weekly = schedules["ReviewDesk weekly Top-3 report"]
    assert (weekly.func, weekly.schedule_type, weekly.repeats) == (
        "insights.tasks.weekly_report_task",
        "W",
        -1,
    )
    local = weekly.next_run.astimezone(SH)
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)  # Monday 09:00 Asia/Shanghai
    daily = schedules["ReviewDesk daily unresolved review"]
    assert daily.schedule_type == "D" and daily.next_run.astimezone(SH).strftime("%H:%M") == "08:30"
    rollup = schedules["ReviewDesk insights rollup refresh"]
    assert (rollup.schedule_type, rollup.minutes) == ("I", 5)


def test_weekly_run_stores_the_workbook_and_notifies_recipients_once(world):
    buyer = UserFactory(username="purchasing", display_name="采购小张", email="buy@example.com")
    robot = NotificationChannel.objects.create(
        shop=world.shop_a, kind="feishu", name="物流群", webhook_url="http://127.0.0.1:9/hook"
    )
    ReportRecipient.objects.create(purpose="purchasing", user=buyer)
    ReportRecipient.objects.create(purpose="logistics", channel=robot)
    ReportRecipient.objects.create(purpose="logistics", user=world.supervisor_a, shop=world.shop_a)
    ReportRecipient.objects.create(purpose="purchasing", user=world.agent2, active=False)

    reports = weekly_report_run(week=parse_week("2026-W47"), now=NOW)

    assert [(r.week, r.shop_id, r.total_negative) for r in reports] == [
        ("2026-W47", None, 11),
        ("2026-W47", world.shop_a.pk, 9),
    ]
    book = load_workbook(io.BytesIO(reports[0].file.read()))
    assert list(book["问题类型TOP3"].iter_rows(values_only=True))[1][:3] == (1, "物流延误/包裹破损", 4)
    note = Notification.objects.get(user=buyer, kind=WEEKLY_REPORT_KIND)
    assert note.title == "【差评TOP3周报】2026-W47 · 全部店铺"
    assert "本周中差评 11 条(上周 4 条)。" in note.body and "物流延误/包裹破损 4(36.4%)" in note.body
    assert "建议更换物流：淘宝旗舰店·韵达" in note.body
    assert note.url.endswith(f"/insights/reports/{reports[0].pk}/download/")
    shop_note = Notification.objects.get(user=world.supervisor_a, kind=WEEKLY_REPORT_KIND)
    assert shop_note.title == "【差评TOP3周报】2026-W47 · 淘宝旗舰店"
    delivery = Delivery.objects.get(channel=robot)
    assert delivery.kind == WEEKLY_REPORT_KIND and delivery.status == "pending"
    assert delivery.message["title"] == note.title and delivery.message["lines"] == note.body.split("\n")
    assert not Notification.objects.filter(user=world.agent2).exists()  # inactive recipient

    again = weekly_report_run(week=parse_week("2026-W47"), now=NOW)
    assert [r.pk for r in again] == [r.pk for r in reports]
    assert WeeklyReport.objects.count() == 2
    assert Notification.objects.filter(kind=WEEKLY_REPORT_KIND).count() == 2 and Delivery.objects.count() == 1


def test_recipient_needs_a_user_or_channel():
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    with pytest.raises(ValidationError, match="请至少填写用户或通知渠道之一"):
        ReportRecipient(purpose="purchasing").clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRecipient.objects.create(purpose="purchasing")
    assert ReportRecipient.objects.count() == 0


def test_morning_notice_lists_overdue_cases_by_owner_once_a_day(world):
    sent = daily_unresolved_notify(now=NOW)
    owner = Notification.objects.get(user=world.agent1, kind=DAILY_UNRESOLVED_KIND)
    assert owner.title == "【超时未解决】你有 1 个案件已超过解决时限"
    assert owner.body.startswith(f"#{world.cases['c4'].pk} 淘宝旗舰店 产品质量 超时 50.0 小时")
    supervisor = Notification.objects.get(user=world.supervisor_a, kind=DAILY_UNRESOLVED_KIND)
    assert supervisor.title == "【超时未解决】淘宝旗舰店 有 1 个案件超过解决时限"
    assert supervisor.body == f"王一：#{world.cases['c4'].pk} 淘宝旗舰店 产品质量 超时 50.0 小时"
    assert sent == (2, 0)  # shop B's overdue case is unassigned and the shop has no supervisor
    assert daily_unresolved_notify(now=NOW) == (0, 0)
    assert daily_unresolved_notify(now=NOW + dt.timedelta(days=1))[0] > 0  # the next morning again


def test_refresh_rebuilds_the_days_of_new_batches(world):
    day = dt.date(2026, 11, 18)
    before = ReviewRollup.objects.get(shop=world.shop_a, day=day, dimension=Dimension.COURIER, key="韵达")
    assert (before.reviews, before.neutral, before.negative) == (1, 1, 0)
    rollup_refresh(now=NOW)  # takes the watermark past existing batches (none in this data set)
    batch = ImportBatch.objects.create(shop=world.shop_a, source="api", status="completed")
    new = review(world.shop_a, dt.datetime(2026, 11, 18, 20, 0, tzinfo=SH), 1, "A2", "蓝色", "韵达")
    new.last_batch = batch
    new.save(update_fields=["last_batch"])
    assert rollup_refresh(now=NOW) > 0
    after = ReviewRollup.objects.get(shop=world.shop_a, day=day, dimension=Dimension.COURIER, key="韵达")
    assert (after.reviews, after.neutral, after.negative) == (2, 1, 1)
    rows = list(
        ReviewRollup.objects.filter(shop=world.shop_a, day=day)
        .order_by("pk")
        .values_list("dimension", "key", "reviews")
    )
    rollup_rebuild(shop_id=world.shop_a.pk, days=[day])  # idempotent: the same rows again
    assert sorted(
        ReviewRollup.objects.filter(shop=world.shop_a, day=day).values_list("dimension", "key", "reviews")
    ) == sorted(rows)


def test_a_conversion_event_brings_the_refresh_forward_once(monkeypatch):
    from django_q.models import OrmQ

    from cases.signals import case_event
    from insights import receivers

    assert receivers.on_case_event in case_event.connected()
    monkeypatch.setitem(receivers._last_enqueued, "at", float("-inf"))
    for _ in range(3):  # one import, many conversions: one refresh
        receivers.on_case_event(event="conversion_candidate", case_id=1, payload={})
    receivers.on_case_event(event="resolved", case_id=1, payload={})
    queued = [row.task for row in OrmQ.objects.all()]
    assert [task["func"] for task in queued] == ["insights.tasks.rollup_refresh_task"]


def test_two_people_on_one_mail_channel_both_get_the_weekly_report(world):
    mail = NotificationChannel.objects.create(shop=world.shop_a, kind="email", name="采购邮件组")
    first = UserFactory(username="buyer1", display_name="采购一", email="one@example.com")
    second = UserFactory(username="buyer2", display_name="采购二", email="two@example.com")
    ReportRecipient.objects.create(purpose="purchasing", user=first, channel=mail)
    ReportRecipient.objects.create(purpose="purchasing", user=second, channel=mail)

    weekly_report_run(week=parse_week("2026-W47"), now=NOW)

    delivery = Delivery.objects.get(channel=mail)  # one mail, both addresses (it used to reach only one)
    assert delivery.recipients == ["one@example.com", "two@example.com"]
    weekly_report_run(week=parse_week("2026-W47"), now=NOW)
    assert Delivery.objects.filter(channel=mail).count() == 1
