"""The planted world of the personal-data tests (see conftest.py and the test modules beside it)."""

from __future__ import annotations

import datetime as dt
import html
import importlib
import io
import json
import logging
import re
import zipfile

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from cases.alerts import alert_new_cases_now
from cases.imports.uploads import reviews_import_file
from cases.models import Case, NotificationChannel, ReviewRevision
from cases.notifications.choices import ChannelKind
from cases.workflow.services import case_act
from policies.models import ContactLimit
from tests.cases.workflow_factories import put_in_state
from tests.factories import ShopFactory, UserFactory

PHONE, NEW_PHONE = "13812345678", "13987654321"
ADDRESS, NEW_ADDRESS = "上海市浦东新区世纪大道100号", "上海市浦东新区陆家嘴环路88号"
# What a masked address keeps (province/city/district) may show; the street and number never.
ADDRESS_FRAGMENTS = ("世纪大道100号", "世纪大道", "陆家嘴环路88号", "陆家嘴环路", "文三路90号", "文三路")
ROLES = ("agent", "supervisor", "legal", "manager", "hr")
REVEALERS = ("supervisor", "legal", "manager")  # hold cases.reveal_buyer_contact
# Buyers type numbers and addresses into every free-text field (F10): the review (spaced digits), the
# appended review (full-width digits, an ID number in groups), the item title (+86 with dashes) and the
# SKU text (spaced, and an address). Whoever may not reveal contact data sees them masked on every page,
# API answer, notification and export; lists, exports and notifications mask them for everyone; holders
# of the permission read them as written on the case page, the case API and the QA page.
TYPED_IN = 3
TYPED_PHONE, TYPED_PHONE_2, ID_NUMBER = "13700001111", "15900003333", "110101199003071234"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TYPED = f"快递把盒子压坏了，打我电话{PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}，寄到{ADDRESS}3栋"
TYPED_APPENDED = (
    f"追评：还是没人联系，电话{TYPED_PHONE.translate(FULL_WIDTH)}，"
    f"身份证{ID_NUMBER[:6]} {ID_NUMBER[6:14]} {ID_NUMBER[14:]}"
)
TYPED_TITLE = f"纯棉四件套 客服+86 {TYPED_PHONE_2[:3]}-{TYPED_PHONE_2[3:7]}-{TYPED_PHONE_2[7:]}"
TYPED_SKU = (
    f"白色;收货电话{TYPED_PHONE_2[:3]} {TYPED_PHONE_2[3:7]} {TYPED_PHONE_2[7:]};杭州市西湖区文三路90号"
)
GENERIC = [
    "external_id",
    "order_no",
    "item_id",
    "item_title",
    "sku",
    "rating",
    "content",
    "reviewed_at",
    "appended_content",
    "appended_at",
    "buyer_nick",
    "buyer_phone",
    "buyer_address",
    "order_amount",
    "courier",
]


def _phone_pattern(phone: str) -> re.Pattern:
    # Any of 13812345678, 138-1234-5678, 138 1234 5678, 138.1234.5678, +86 138…, 86-138…
    return re.compile(r"(?<!\d)" + r"[\s\-.]?".join(phone) + r"(?!\d)")


PATTERNS = [(p, _phone_pattern(p)) for p in (PHONE, NEW_PHONE, TYPED_PHONE, TYPED_PHONE_2, ID_NUMBER)]
TO_ASCII = str.maketrans("０１２３４５６７８９　", "0123456789 ")


def leaks_in(text: str) -> list[str]:
    """Which planted values ``text`` shows unmasked (empty list: none); full-width digits count."""
    text = html.unescape(text).translate(TO_ASCII)
    found = [phone for phone, pattern in PATTERNS if pattern.search(text)]
    return found + [fragment for fragment in (ADDRESS, NEW_ADDRESS, *ADDRESS_FRAGMENTS) if fragment in text]


def readable(data: bytes, content_type: str = "") -> str:
    """The text a reader of the bytes could see: every XML part of an XLSX (shared strings included),
    JSON with its \\u escapes decoded, CSV with or without BOM."""
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    text = data.decode("utf-8-sig", "replace")
    if "json" in content_type:
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def body_of(response) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return readable(data, response.get("Content-Type", ""))


# --- the world --------------------------------------------------------------------------------------


def export_file(rows: list[dict]) -> bytes:
    from tests.cases.exports import csv_bytes

    return csv_bytes(GENERIC, rows)


def review_rows(now: dt.datetime, phone: str, address: str) -> list[dict]:
    when = timezone.localtime(now - dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
    later = timezone.localtime(now - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    typed = {
        "item_title": TYPED_TITLE,
        "sku": TYPED_SKU,
        "content": TYPED,
        "appended_content": TYPED_APPENDED,
        "appended_at": later,
    }
    plain = {
        "item_title": "纯棉四件套",
        "sku": "",
        "content": "质量太差，做工粗糙，开线了",
        "appended_content": "",
        "appended_at": "",
    }
    return [
        {
            "external_id": f"PII-{n}",
            "order_no": f"PII{n:06d}",
            "item_id": "640012345678",
            **(typed if n == TYPED_IN else plain),
            "rating": "差评",
            "reviewed_at": when,
            "buyer_nick": f"t**买家{n}",
            "buyer_phone": phone if n % 2 else f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}",
            "buyer_address": address,
            "order_amount": "599.00",
            "courier": "中通快递",
        }
        for n in range(1, 9)
    ]


class Captured(logging.Handler):
    """Every log record of the world's making, from the root logger at DEBUG."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def make_world(robot) -> dict:
    """Import, re-import with changed contact data, route, alert (bell, email, Feishu, DingTalk), work
    the cases into every list, then build the insights and incentives data on top."""
    from incentives.services.ledger import entry_post
    from incentives.services.periods import period_ensure, period_lock
    from insights.models import ReportRecipient
    from insights.periods import local_today, week_of
    from insights.services.reports import daily_unresolved_notify, weekly_report_notify, weekly_report_store
    from insights.services.rollup import rollup_rebuild_all

    # The generic template's column mapping is a data migration's row: replayed in case a transactional
    # test flushed it (idempotent).
    importlib.import_module("cases.migrations.0002_seed_import_mappings").seed(apps, None)
    on_commit = TestCase.captureOnCommitCallbacks
    shop = ShopFactory(code="tb-pii", platform="taobao", name="淘宝旗舰店")
    users = {
        role: UserFactory(
            role=role, shops=[shop], email=f"{role}@example.com", is_staff=role in ("manager", "hr")
        )
        for role in ROLES
    }
    for kind, path in ((ChannelKind.FEISHU, "/feishu"), (ChannelKind.DINGTALK, "/dingtalk")):
        NotificationChannel.objects.create(
            shop=shop, kind=kind, name=str(kind), webhook_url=f"{robot.base_url}{path}"
        )
    email = NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="邮件")
    recipient = ReportRecipient.objects.create(
        purpose="operations",
        user=users["manager"],
        channel=email,
        shop=shop,
        weekly_report=True,
        daily_unresolved=True,
    )
    robot.responses["/dingtalk"] = (200, {"errcode": 0, "errmsg": "ok"})
    # The world acts at the real "now": no quiet hours (22:00–08:00), so its contacts pass whatever time the suite runs.
    ContactLimit.objects.update(quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0), min_minutes_between=0)
    now = timezone.now()
    with on_commit(execute=True):
        first = reviews_import_file(
            shop=shop,
            data=export_file(review_rows(now, PHONE, ADDRESS)),
            file_name="a.csv",
            by=users["manager"],
        )
    with on_commit(execute=True):
        second = reviews_import_file(
            shop=shop,
            data=export_file(review_rows(now, NEW_PHONE, NEW_ADDRESS)),
            file_name="b.csv",
            by=users["manager"],
        )
    assert (first.ok, first.created, second.ok, second.updated) == (True, 8, True, 8)
    cases = list(Case.objects.filter(shop=shop).order_by("pk"))
    assert len(cases) == 8 and ReviewRevision.objects.filter(review__shop=shop).count() == 8
    alert_new_cases_now(case_ids=[c.pk for c in cases])  # routing may have alerted already; idempotent
    agent = users["agent"]
    states = ["assigned", "in_progress", "verified", "pending_approval", "offered", "resolved", "appealing"]
    for case, status in zip(cases[1:], states, strict=True):
        put_in_state(case, status, agent=agent, requester=agent)
    breached = cases[1]
    Case.objects.filter(pk=breached.pk).update(
        first_response_due_at=now - dt.timedelta(hours=1), resolution_due_at=now - dt.timedelta(minutes=30)
    )
    with on_commit(execute=True):
        case_act(
            case_id=cases[1].pk,
            action="record_contact",
            by=agent,
            version=cases[1].version,
            data={"channel": "private_message", "reached": True},
        )
    period = period_ensure(year=now.year, month=now.month)
    resolved = cases[6]
    entry_post(
        user=agent,
        unit="cny",
        kind="award",
        amount="10.00",
        key=f"pii:{resolved.pk}",
        period=period,
        case_ref=resolved.pk,
        note="差评转化",
    )
    rollup_rebuild_all(shop_ids=[shop.pk])
    week = week_of(local_today(now))
    report = weekly_report_store(week=week, shop=shop, now=now)
    with on_commit(execute=True):
        weekly_report_notify(report=report, recipients=[recipient])
        daily_unresolved_notify(now=now)
    period_lock(period=period, by=users["hr"], early_confirmed=True)  # the running month
    return {
        "shop": shop,
        "users": users,
        "cases": cases,
        "week": week,
        "report": report,
        "period": period,
        "media": settings.MEDIA_ROOT,
    }


# --- every page, fragment, API answer and export of every role ---------------------------------------


def urls_for(world: dict, role: str = "agent") -> list[str]:
    """Every page, fragment, API answer and export; the typed-in case's own views only for a role that may
    not reveal contact data (its holders read the free text as written there: see the typed-in tests)."""
    cases, week, period = world["cases"], world["week"].key, world["period"].code
    urls = [
        reverse("home"),
        reverse("cases:queue"),
        reverse("cases:queue_shop"),
        reverse("cases:queue_all"),
        reverse("cases:queue_breached"),
        reverse("cases:approvals"),
        reverse("cases:team_load"),
        reverse("cases:notifications"),
        reverse("cases:notification-bell"),
        reverse("cases:import-upload"),
        reverse("insights:dashboard"),
        reverse("insights:dashboard_export"),
        f"{reverse('insights:weekly')}?week={week}",
        f"{reverse('insights:weekly_download')}?week={week}",
        reverse("insights:report_download", args=[world["report"].pk]),
        reverse("insights:unresolved"),
        reverse("incentives:statement"),
        reverse("incentives:periods"),
        reverse("incentives:manage"),
        reverse("incentives:payout_download", args=[period, "xlsx"]),
        reverse("incentives:payout_download", args=[period, "csv"]),
        f"{reverse('incentives:payout_download', args=[period, 'csv'])}?sheet=summary",
        reverse("training:my_scorecard"),
        reverse("training:team"),
        reverse("training:qa_queue"),
        reverse("training:score_export"),
        reverse("policies:pack_export"),
        "/api/v1/cases/",
        "/api/v1/cases/?scope=mine",
        "/api/v1/cases/?scope=shop",
        "/api/v1/cases/?scope=breached",
    ]
    for case in cases:
        if case.review.external_id == f"PII-{TYPED_IN}" and role in REVEALERS:
            continue
        urls += [
            reverse("cases:case_detail", args=[case.pk]),
            reverse("cases:case_reassign_form", args=[case.pk]),
            reverse("training:qa_case", args=[case.pk]),
            f"/api/v1/cases/{case.pk}/",
            f"/api/v1/cases/{case.pk}/compose/",
        ]
    return urls


def admin_urls(user) -> list[str]:
    """The changelist and the change form of one object of every model the user's admin shows."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            continue
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for obj in model._default_manager.order_by("-pk")[:1]:
            urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    return urls
