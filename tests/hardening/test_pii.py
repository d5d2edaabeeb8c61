"""Buyer phone numbers and addresses never leave unmasked (issue 8).

A phone and an address are planted on the reviews of a shop the way they really arrive (an export file
through the intake, then a later file that changes them, so the review's revisions hold the old and new
values too). Cases are routed, alerted, worked; the insights rollup, a stored weekly report and a locked
incentive period are built on them. Then every role fetches every page, fragment, API answer and export it
can reach, and the raw bytes (XLSX unzipped to their XML, JSON with its escapes undone) are searched for the
numbers — digits only, with separators, with +86 — and for the street part of the address. Holders of
``cases.reveal_buyer_contact`` see the same masked pages: the unmasked values only come from the reveal,
which is recorded on the case's timeline without the data. Logs (root at DEBUG), notifications, emails,
robot webhooks and the production error pages are searched the same way.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import io
import json
import logging
import re
import zipfile

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf

from cases.models import Case, CaseEvent, Delivery, Notification, NotificationChannel, Review, ReviewRevision
from cases.notify.choices import ChannelKind
from cases.services.alerts import alert_new_cases_now
from cases.services.intake import reviews_import_file
from cases.services.workflow import case_act
from policies.models import ContactLimit
from tests.cases.c2_factories import RobotServer
from tests.cases.workflow_factories import put_in_state, seeded_pack  # noqa: F401
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


@pytest.fixture(scope="module")
def robot():
    with RobotServer() as server:
        yield server


@pytest.fixture(scope="module")
def built(seeded_pack, django_db_blocker, robot, tmp_path_factory):  # noqa: F811
    """The world, made once per module inside ``seeded_pack``'s transaction (rolled back at the module's
    end; each test runs in its own savepoint): making it is most of these tests' time."""
    root, captured = logging.getLogger(), Captured()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(captured)
    try:
        with (
            django_db_blocker.unblock(),
            pytest.MonkeyPatch.context() as patch,
            override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))),
        ):
            patch.setattr(Conf, "SYNC", True)
            world = make_world(robot)
            world.update(logs=list(captured.records), mails=list(mail.outbox), requests=list(robot.requests))
            yield world
    finally:
        root.removeHandler(captured)
        root.setLevel(level)


@pytest.fixture
def world(built, db):
    from policies.loader import clear_policy_cache

    clear_policy_cache()
    with override_settings(MEDIA_ROOT=built["media"]):
        yield built
    clear_policy_cache()


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
    period_lock(period=period, by=users["hr"])
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


@pytest.mark.parametrize("role", ROLES)
def test_no_page_fragment_api_answer_or_export_shows_the_buyers_contact_data(world, role):
    user = world["users"][role]
    client = Client()
    client.force_login(user)
    urls = urls_for(world, role) + (admin_urls(user) if user.is_staff else [])
    fetched, leaks = {}, {}
    for url in urls:
        response = client.get(url, HTTP_HX_REQUEST="true" if "reassign" in url else None)
        fetched[url] = response.status_code
        found = leaks_in(body_of(response))
        if found:
            leaks[url] = found

    assert leaks == {}, json.dumps(leaks, ensure_ascii=False, indent=0)
    assert 500 not in fetched.values()
    # The search saw real content: the case page shows the masked number to every case role.
    if role != "hr":
        case = world["cases"][1]
        page = body_of(client.get(reverse("cases:case_detail", args=[case.pk])))
        assert "139****4321" in page and "上海市浦东" in page


def _typed_case(world) -> Case:
    return next(c for c in world["cases"] if c.review.external_id == f"PII-{TYPED_IN}")


def test_contact_data_typed_into_a_review_is_masked_in_lists_for_everyone(world):
    typed = _typed_case(world)
    client = Client()
    client.force_login(world["users"]["supervisor"])
    lists = {
        url: leaks_in(body_of(client.get(url)))
        for url in (
            reverse("cases:queue_shop"),
            reverse("cases:queue_all"),
            reverse("cases:team_load"),
            "/api/v1/cases/?scope=all",
            reverse("insights:unresolved"),
            f"{reverse('insights:weekly')}?week={world['week'].key}",
        )
    }
    api_row = next(
        r
        for r in client.get("/api/v1/cases/?scope=all&page_size=50").json()["results"]
        if r["id"] == typed.pk
    )

    assert lists == dict.fromkeys(lists, [])
    assert "打我电话[电话已隐藏]" in body_of(
        client.get(reverse("cases:queue_all"))
    )  # the row is there, masked
    assert api_row["content"] == "快递把盒子压坏了，打我电话[电话已隐藏]，寄到上海市浦东新区[地址已隐藏]"


@pytest.mark.parametrize("role", ["agent", "qa_only"])
def test_free_text_is_masked_on_the_case_page_api_and_qa_page_for_a_reader_without_the_reveal(world, role):
    """F10: the case page, the API detail and the QA page showed numbers typed into the review, the
    appended review, the item title and the SKU in full."""
    typed = _typed_case(world)
    user = world["users"]["agent"] if role == "agent" else _qa_only_user(world)
    client = Client()
    client.force_login(user)
    urls = (
        [reverse("training:qa_case", args=[typed.pk])]
        if role == "qa_only"
        else [
            reverse("cases:case_detail", args=[typed.pk]),
            f"/api/v1/cases/{typed.pk}/",
            f"/api/v1/cases/{typed.pk}/compose/",
        ]
    )
    answers = {url: client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(urls, 200)
    assert {url: leaks_in(body_of(r)) for url, r in answers.items()} == dict.fromkeys(urls, [])
    first = body_of(answers[urls[0]])
    assert "打我电话[电话已隐藏]" in first and "寄到上海市浦东新区[地址已隐藏]" in first  # shown, masked
    if role == "agent":
        assert (
            "[证件号已隐藏]" in first and "客服[电话已隐藏]" in first and "杭州市西湖区[地址已隐藏]" in first
        )
        review = answers[urls[1]].json()["review"]
        assert review["content"] == "快递把盒子压坏了，打我电话[电话已隐藏]，寄到上海市浦东新区[地址已隐藏]"
        assert review["appended_content"] == "追评：还是没人联系，电话[电话已隐藏]，身份证[证件号已隐藏]"
        assert review["item_title"] == "纯棉四件套 客服[电话已隐藏]"
        assert review["sku"] == "白色;收货电话[电话已隐藏];杭州市西湖区[地址已隐藏]"


def _qa_only_user(world):
    """Someone who scores QA but may not reveal contact data (a QA specialist's own group)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name="qa-only-test")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="training", codename="add_qareview")
    )
    user = UserFactory(shops=[world["shop"]])
    user.groups.add(group)
    return user


@pytest.mark.parametrize("role", REVEALERS)
def test_holders_of_the_reveal_read_the_free_text_as_written_on_the_case_page_and_api(world, role):
    typed = _typed_case(world)
    client = Client()
    client.force_login(world["users"][role])
    page = body_of(client.get(reverse("cases:case_detail", args=[typed.pk])))
    review = client.get(f"/api/v1/cases/{typed.pk}/").json()["review"]

    assert TYPED in page
    assert (review["content"], review["appended_content"], review["item_title"], review["sku"]) == (
        TYPED,
        TYPED_APPENDED,
        TYPED_TITLE,
        TYPED_SKU,
    )
    # The lists stay masked for them too.
    assert leaks_in(body_of(client.get(reverse("cases:queue_all")))) == []


def test_notifications_and_robots_carry_the_typed_item_title_masked(world):
    typed = _typed_case(world)
    notes = list(Notification.objects.filter(case_id=typed.pk).values_list("title", "body"))
    text = json.dumps(notes, ensure_ascii=False)

    assert notes and leaks_in(text) == []
    assert "纯棉四件套 客服[电话已隐藏]" in text


def test_the_exports_did_carry_the_cases_so_the_search_was_not_empty(world):
    """The XLSX/CSV exports the search read hold the planted reviews' cases (by order number)."""
    client = Client()
    client.force_login(world["users"]["manager"])
    period = world["period"].code
    payout = body_of(client.get(reverse("incentives:payout_download", args=[period, "xlsx"])))
    weekly = body_of(client.get(reverse("insights:report_download", args=[world["report"].pk])))

    assert "PII000007" in payout  # the resolved case of the award, with its buyer nick and order
    assert "纯棉四件套" in weekly


def test_the_contact_data_is_only_shown_by_the_reveal_and_the_reveal_is_recorded(world):
    case = world["cases"][1]
    events_before = CaseEvent.objects.filter(case=case).count()
    for role in ("agent", "hr"):
        client = Client()
        client.force_login(world["users"][role])
        web = client.post(reverse("cases:reveal_contact", args=[case.pk]), HTTP_HX_REQUEST="true")
        api = client.post(f"/api/v1/cases/{case.pk}/reveal-contact/")
        assert leaks_in(body_of(web)) == [] and leaks_in(body_of(api)) == []
        assert api.status_code in (403, 404)
    assert CaseEvent.objects.filter(case=case).count() == events_before

    client = Client()
    client.force_login(world["users"]["supervisor"])
    web = client.post(reverse("cases:reveal_contact", args=[case.pk]), HTTP_HX_REQUEST="true")
    api = client.post(f"/api/v1/cases/{case.pk}/reveal-contact/")

    stored = Review.objects.filter(pk=case.review_id).values_list("buyer_phone", "buyer_address").get()
    assert stored == ("+86 139-8765-4321", NEW_ADDRESS)  # as the export file spelled it
    assert leaks_in(body_of(web)) == [NEW_PHONE, NEW_ADDRESS, "陆家嘴环路88号", "陆家嘴环路"]
    assert api.status_code == 200
    assert api.json() == {"buyer_phone": stored[0], "buyer_address": stored[1]}
    reveals = CaseEvent.objects.filter(case=case, action="reveal_contact").order_by("pk")
    assert [(e.actor_id, e.payload) for e in reveals] == [
        (world["users"]["supervisor"].pk, {"fields": ["buyer_phone", "buyer_address"]}),
    ] * 2
    # The timeline records who looked, never what they saw.
    page = body_of(client.get(reverse("cases:case_detail", args=[case.pk])))
    assert leaks_in(page) == []


def test_a_manager_reads_a_review_in_the_admin_without_seeing_or_changing_the_contact_data(world):
    """The review admin is read-only (platform data is corrected by a new import): the page shows the
    phone and address masked, offers no field to type them into, and a POST changes nothing."""
    review = Review.objects.get(pk=world["cases"][0].review_id)
    client = Client()
    client.force_login(world["users"]["manager"])
    url = reverse("admin:cases_review_change", args=[review.pk])
    page = client.get(url)

    assert page.status_code == 200
    text = body_of(page)
    assert leaks_in(text) == []
    assert "139****4321" in text and "上海市浦东" in text
    assert 'name="buyer_phone"' not in text and 'name="buyer_address"' not in text
    assert client.get(reverse("admin:cases_review_add")).status_code == 403
    saved = client.post(url, {"item_title": "纯棉四件套(改)", "buyer_phone": "13900000000"})

    assert saved.status_code == 403
    assert Review.objects.filter(pk=review.pk).values_list(
        "item_title", "buyer_phone", "buyer_address"
    ).get() == (review.item_title, review.buyer_phone, review.buyer_address)


# --- logs, notifications, emails, webhooks -----------------------------------------------------------


def test_logs_notifications_emails_and_webhooks_never_carry_the_contact_data(world):
    records, mails, delivered = (
        world["logs"],
        world["mails"],
        [r["raw"].decode("utf-8") for r in world["requests"]],
    )

    assert [(r.name, leaks_in(r.getMessage())) for r in records if leaks_in(r.getMessage())] == []
    assert [
        r.name for r in records if r.exc_info and leaks_in(logging.Formatter().formatException(r.exc_info))
    ] == []
    assert "django-q" in {r.name for r in records}  # the capture saw the tasks run
    notes = list(Notification.objects.values_list("title", "body"))
    assert len(notes) >= 8 and leaks_in(json.dumps(notes, ensure_ascii=False)) == []
    messages = list(Delivery.objects.values_list("message", flat=True))
    assert len(messages) >= 2 and leaks_in(json.dumps(messages, ensure_ascii=False)) == []
    assert len(mails) >= 1
    for message in mails:
        parts = [message.subject, message.body, *(str(a[0]) for a in getattr(message, "alternatives", []))]
        assert leaks_in("\n".join(parts)) == []
    assert {r["path"] for r in world["requests"]} == {"/feishu", "/dingtalk"}
    assert [leaks_in(json.dumps(json.loads(body), ensure_ascii=False)) for body in delivered] == [[]] * len(
        delivered
    )


# --- error pages in production -----------------------------------------------------------------------


def test_production_error_pages_show_neither_contact_data_nor_the_technical_page(
    world, settings, monkeypatch
):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["agent"])
    missing = client.get(reverse("cases:case_detail", args=[999999]))

    from cases.views import workspace

    def broken(*args, **kwargs):
        review = Review.objects.filter(shop=world["shop"]).first()
        raise RuntimeError(f"contact {review.buyer_phone} {review.buyer_address}")

    monkeypatch.setattr(workspace, "case_page_context", broken)
    failed = client.get(reverse("cases:case_detail", args=[world["cases"][1].pk]))

    assert (missing.status_code, failed.status_code) == (404, 500)
    for response in (missing, failed):
        text = body_of(response)
        assert leaks_in(text) == []
        assert "Traceback" not in text and "Request information" not in text and "DEBUG = True" not in text


def test_the_policy_pack_export_command_carries_no_contact_data(world, tmp_path):
    out = tmp_path / "pack.xlsx"
    call_command("policy_pack", "export", "--out", str(out), verbosity=0)

    assert leaks_in(readable(out.read_bytes())) == []


def test_reply_drafts_carry_the_item_title_and_sku_masked(db, shop):
    """A template with {item_title} or {sku} fills them masked: a public reply never repeats a typed number."""
    from cases.workflow.compose import reply_context
    from tests.training.conftest import make_case

    case = make_case(shop)
    case.review.item_title, case.review.sku = "床单 联系13812345678", "颜色：蓝 电话 139-1234-5678"
    case.review.save(update_fields=["item_title", "sku"])
    context = reply_context(case)
    assert "13812345678" not in context["item_title"] and "床单" in context["item_title"]
    assert "5678" not in context["sku"] and "颜色" in context["sku"]
