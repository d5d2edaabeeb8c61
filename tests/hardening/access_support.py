"""The access matrix's machinery: every URL pattern the resolver knows, a world with one real object of
everything those URLs name (two shops, every role), and the helpers that fill a pattern's parameters
and compare what a refused request left behind.

The world is built once per module inside a transaction rolled back at the end (see
``tests.insights.conftest``); each test still runs in its own savepoint.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

L, A = "L", "A"  # the tables' redirects: to /accounts/login/?next=…, to /admin/login/?next=…
ROLES = ("anonymous", "agent_a", "agent_b", "supervisor", "legal", "manager", "hr")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
_counter = itertools.count(1)


# --- discovery ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern: ``key`` is its name (with namespace) or, for an unnamed one, its full route."""

    key: str
    name: str | None
    route: str

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(p for p in (namespace, pattern.namespace) if p)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield Route(key=name or route, name=name, route=route)


def discover() -> list[Route]:
    """Every pattern of the project's URLconf (web UI, admin, API), in URLconf order, keys unique."""
    routes = list(_walk(get_resolver().url_patterns))
    keys = [r.key for r in routes]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"URL names used twice: {duplicates}"
    return routes


# --- the admin: which ModelAdmin a pattern belongs to ---------------------------------------------

ADMIN_SUFFIXES = (
    "changelist",
    "add",
    "history",
    "delete",
    "change",
    "import",
    "process_import",
    "export",
    "preview",  # the reply-template admin's preview on real cases
    "simple_history",
)


def admin_models() -> dict[str, type]:
    """``app_label.model_name`` → model, for every model registered on the admin site."""
    return {f"{m._meta.app_label}.{m._meta.model_name}": m for m in admin.site._registry}


def admin_target(route: Route) -> tuple[str, str] | None:
    """(model label, kind) of a ModelAdmin's URL, or None for the admin site's own URLs."""
    for label in admin_models():
        app, name = label.split(".")
        base = f"admin/{app}/{name}/"
        if route.name is None and route.route == f"{base}<path:object_id>/":
            return label, "redirect"
        for suffix in ADMIN_SUFFIXES:
            if route.name == f"admin:{app}_{name}_{suffix}":
                return label, suffix
    return None


# --- the world -------------------------------------------------------------------------------------


def _user(role: str | None, *shops, staff: bool = False, name: str = ""):
    from reviewdesk.models import ShopMembership, User

    n = next(_counter)
    user = User.objects.create(
        username=f"am{n}-{role}",
        employee_code=f"AM{n:04d}",
        display_name=name or f"{role}{n}",
        is_staff=staff,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    if role:
        user.groups.add(Group.objects.get(name=role))
    for shop in shops:
        ShopMembership.objects.create(shop=shop, user=user)
    return user


def _evidence(case, by):
    from cases.models import Evidence

    evidence = Evidence(
        case=case,
        original_name="聊天截图.png",
        kind="image",
        size=len(PNG),
        content_type="image/png",
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    evidence.file.save("x.png", ContentFile(PNG), save=False)
    evidence.save()
    return evidence


def _follow_up(case):
    from cases.models import FollowUpTask

    return FollowUpTask.objects.create(
        case=case,
        step_ref=1,
        name="关怀回访",
        channel="private_message",
        due_at=timezone.now() - dt.timedelta(hours=1),
    )


def _job(owner, shop):
    """A finished job of shop A's supervisor with its result file (jobs: owner and shop overseers see it)."""
    from django.core.files.base import ContentFile

    from jobs.models import Job

    job = Job.objects.create(
        kind="payout_export",
        owner=owner,
        shop=shop,
        state="done",
        file_name="a.csv",
        content_type="text/csv",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    job.file.save("a.csv", ContentFile(b"a\n"))
    return job


def _notification(user, case):
    from cases.models import Notification

    return Notification.objects.create(
        user=user,
        shop=case.shop,
        kind="case_opened",
        title=f"新案件 #{case.pk}",
        url=f"/cases/{case.pk}/",
        dedupe_key=f"am:{user.pk}:{case.pk}",
    )


def _robot(shop):
    """A Feishu robot of the shop and one delivery it sent (cases.admin_notifications)."""
    from cases.models import Delivery, NotificationChannel

    channel = NotificationChannel.objects.create(
        shop=shop,
        kind="feishu",
        name=f"{shop.code}群",
        secret="robot-secret",
        webhook_url=f"https://open.feishu.cn/open-apis/bot/v2/hook/{shop.code}-token",
    )
    delivery = Delivery.objects.create(
        channel=channel,
        shop=shop,
        kind="new_case",
        dedupe_key=f"am:{shop.pk}",
        message={"title": "t", "lines": [], "url": ""},
    )
    return channel, delivery


@dataclass
class World:
    shop_a: object = None
    shop_b: object = None
    client_a: object = None
    client_b: object = None
    users: dict = field(default_factory=dict)  # role (ROLES, plus "*_b" outsiders) → user
    objects: SimpleNamespace = field(default_factory=SimpleNamespace)

    def user(self, role: str):
        return None if role == "anonymous" else self.users[role]


def build_world() -> World:
    """Two shops; every role (shop A's supervisor and legal, staff members of both shops); in each
    shop a case worked by its agent with an evidence file, a follow-up, a notification; incentive,
    training and insights records of both agents; one object of every ModelAdmin's model."""
    from django.apps import apps
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage
    from rest_framework.authtoken.models import Token, TokenProxy

    from cases.models import ApiToken, Buyer, ImportBatch
    from cases.models.intake import hash_token_key
    from incentives.choices import Unit
    from incentives.models import PayoutLine, RewardItem, WithheldAward
    from incentives.services.disputes import dispute_open
    from incentives.services.ledger import entry_post
    from incentives.services.periods import period_ensure, posting_period
    from incentives.services.redemptions import redemption_request
    from insights.models import InsightSettings, ReportRecipient
    from insights.periods import parse_week
    from insights.services.reports import weekly_report_store
    from reviewdesk.roles import sync_role_permissions
    from tests import default_pack
    from tests.cases.workflow_factories import put_in_state, triaged_case
    from tests.factories import ShopFactory
    from training.models import CertificationLapse, QaRubric, TrainingModule
    from training.periods import parse_period
    from training.services.qa import qa_review_create
    from training.services.scores import score_upsert
    from training.services.surveys import survey_record

    sync_role_permissions()  # the role table as the code says now (a reused test database may predate it)
    default_pack.insert()
    from policies.models import BusinessCalendar, CalendarException

    calendar = BusinessCalendar.objects.order_by("pk").first()
    CalendarException.objects.create(calendar=calendar, date=dt.date(2030, 1, 1), kind="holiday", name="元旦")
    from reviewdesk.models import Client, ClientMembership

    w = World()
    # Shop A belongs to client 甲, shop B to client 乙 (issue #18); nobody of the tables' roles is a member
    # of a client, so their reach is their shops' (test_access_matrix_clients.py adds the clients' people).
    w.client_a = Client.objects.create(code="brand-jia", name="品牌甲")
    w.client_b = Client.objects.create(code="brand-yi", name="品牌乙")
    w.shop_a = ShopFactory(code="tb-main", platform="taobao", name="淘宝旗舰店", client=w.client_a)
    w.shop_b = ShopFactory(code="dy-main", platform="douyin", name="抖店旗舰店", client=w.client_b)
    # Issue #24: a peak season (global) and shop A's DSR alert watch, for their admin pages.
    from insights.health.models import HealthWatch
    from policies.models import CampaignCommitment, CampaignPeriod

    peak = {
        "starts_at": dt.datetime(2030, 11, 1, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2030, 11, 12, tzinfo=dt.UTC),
    }
    # The global row comes first: the tables' admin URLs open the first row (a global rule is the owner's).
    global_peak = CampaignPeriod.objects.create(name="双11", **peak)
    CampaignCommitment.objects.create(campaign=global_peak, resolution_minutes=1440)
    shop_peak = CampaignPeriod.objects.create(name="旗舰店双11", shop=w.shop_a, **peak)
    CampaignCommitment.objects.create(campaign=shop_peak, resolution_minutes=1440)
    HealthWatch.objects.create(shop=w.shop_a)
    from prevention.models import LateRule, RiskRule  # shop A's overrides (the seeded global rows come first)

    LateRule.objects.create(name="旗舰店延迟", shop=w.shop_a, ship_grace_hours=12)
    RiskRule.objects.create(name="旗舰店风险", shop=w.shop_a, min_after_sales=2)
    from knowledge.models import ProductLine  # issue #23: a product line (global) for its admin pages

    ProductLine.objects.create(code="world-line", name="世界产品线")
    a, b = w.shop_a, w.shop_b
    w.users = {
        "agent_a": _user("agent", a, name="王小丽"),
        "agent_b": _user("agent", b, name="外店客服"),
        "supervisor": _user("supervisor", a),
        "legal": _user("legal", a),
        "manager": _user("manager", a, b, staff=True),
        "hr": _user("hr", a, b, staff=True),
        # Outsiders: the same roles in shop B only (object-level tests).
        "supervisor_b": _user("supervisor", b),
        "legal_b": _user("legal", b),
        "manager_b": _user("manager", b, staff=True),
        "hr_b": _user("hr", b, staff=True),
        # Staff of shop A only: what only shop A's people reach (test_access_matrix_admin.py).
        "manager_a": _user("manager", a, staff=True),
        "hr_a": _user("hr", a, staff=True),
    }
    u, o = w.users, w.objects
    # Client 甲's viewer, a member of the client (the client admins' membership row), no shop's.
    u["viewer_a"] = _user("client_viewer", staff=True, name="甲方查看")
    o.client_membership_a = ClientMembership.objects.create(client=w.client_a, user=u["viewer_a"])
    received = timezone.now() - dt.timedelta(hours=1)
    o.case_a = put_in_state(triaged_case(a, received_at=received), "in_progress", agent=u["agent_a"])
    o.case_b = put_in_state(triaged_case(b, received_at=received), "in_progress", agent=u["agent_b"])
    o.pending_a = put_in_state(
        triaged_case(a, received_at=received, amount="2999.00"), "pending_approval", agent=u["agent_a"]
    )
    o.resolved_a = put_in_state(triaged_case(a, received_at=received), "resolved", agent=u["agent_a"])
    o.resolved_b = put_in_state(triaged_case(b, received_at=received), "resolved", agent=u["agent_b"])
    o.evidence_a, o.evidence_b = _evidence(o.case_a, u["agent_a"]), _evidence(o.case_b, u["agent_b"])
    o.follow_up_a, o.follow_up_b = _follow_up(o.case_a), _follow_up(o.case_b)
    # Issue #21: shop A's SMS account, a template override, a message sent, an opt-out, an alert number.
    from outreach.models import OptOut, SmsAccount, SmsMessage, SmsTemplate, SupervisorPhone

    sms_account = SmsAccount.objects.create(
        name="a-sms", provider="aliyun", shop=a, access_key_id="ak", access_key_secret="sk", sign_name="甲"
    )
    SmsTemplate.objects.create(
        code="care", name="关怀", purpose="care", provider="aliyun", template_code="SMS_1", text="亲~", shop=a
    )
    SmsMessage.objects.create(
        account=sms_account,
        shop=a,
        purpose="care",
        phone="13800000000",
        phone_masked="138****0000",
        sign_name="甲",
        template_code="SMS_1",
        text="亲~",
        idempotency_key="matrix-a",
    )
    OptOut.objects.create(client=w.client_a, phone_hash="0" * 64, phone_masked="138****0001", source="manual")
    SupervisorPhone.objects.create(user=u["supervisor"], phone="13900000000", phone_masked="139****0000")
    o.notification_a = _notification(u["agent_a"], o.case_a)
    o.notification_b = _notification(u["agent_b"], o.case_b)
    o.job_a = _job(u["supervisor"], a)
    from policies.models import Macro, ReplyTemplate  # issue #22: a global macro, then shop A's

    template = ReplyTemplate.objects.filter(shop=None, client=None, channel="public_reply").first()
    Macro.objects.create(name="致歉", reply_template=template)
    o.macro_a = Macro.objects.create(name="致歉", reply_template=template, shop=a)
    o.channel_a, o.delivery_a = _robot(a)
    o.channel_b, o.delivery_b = _robot(b)
    from tests.connectors.world import connector_rows

    o.connector_a, o.outbox_a = connector_rows(a, o.case_a, u["agent_a"])
    from tests.workorders.world import robot_post_row

    o.robot_post_a = robot_post_row(a, o.case_a, u["agent_a"])
    o.buyer_a = Buyer.objects.filter(shop=a).first() or Buyer.objects.create(
        platform="taobao", shop=a, nick="买家A"
    )
    o.import_batch_a = ImportBatch.objects.create(shop=a, source="file", status="done", file_name="a.xlsx")
    key = ApiToken.new_key()
    o.token_b = ApiToken.objects.create(
        name="b-sync", user=u["manager"], prefix=key[:8], key_hash=hash_token_key(key)
    )
    o.token_b.shops.set([b])
    o.token_a = ApiToken.objects.create(
        name="a-sync", user=u["manager"], prefix="rd_aaaaa", key_hash="a" * 64
    )
    o.token_a.shops.set([a])
    o.token_b_key = key  # the manager's token, limited to shop B

    # Training: a QA review of agent A's resolved case, a score, a lapse.
    rubric = QaRubric.objects.get(name="中差评处理质检标准")
    results = {item.pk: True for item in rubric.items.filter(active=True)}
    o.qa_review_a = qa_review_create(
        case=o.resolved_a, rubric=rubric, reviewer=u["supervisor"], results=results, comment=""
    )
    o.qa_review_b = qa_review_create(
        case=o.resolved_b, rubric=rubric, reviewer=u["supervisor_b"], results=results, comment=""
    )
    o.survey_a = survey_record(case=o.resolved_a, score=4, answered_at=timezone.now(), by=u["supervisor"])
    # The buyer's survey link of shop B's resolved case, unanswered (the public page shows a shop's name).
    from training.services.surveys import invitation_issue
    from training.surveys.tokens import invitation_token

    o.survey_token_b = invitation_token(invitation_issue(case=o.resolved_b, channel="sms"))
    module = TrainingModule.objects.get(code="product_knowledge")
    o.score_a = score_upsert(
        agent=u["agent_a"],
        module=module,
        period=parse_period("2026-11"),
        value=Decimal("96"),
        source="trainer",
        now=timezone.now(),
    )
    o.lapse_a = CertificationLapse.objects.create(
        agent=u["agent_a"],
        module=module,
        basis=o.score_a,
        state="lapsed",
        reason="below",
        detected_at=timezone.now(),
    )

    # Incentives: entries of both agents, agent A's dispute and redemption, a payout line, a withheld award.
    current = posting_period()
    previous = period_ensure(
        year=(current.starts_on - dt.timedelta(days=1)).year,
        month=(current.starts_on - dt.timedelta(days=1)).month,
    )
    o.period, o.previous_period = current, previous
    o.entry_a, _ = entry_post(
        user=u["agent_a"], unit=Unit.CNY, kind="award", amount=Decimal("20.00"), key="am:a"
    )
    o.entry_b, _ = entry_post(
        user=u["agent_b"], unit=Unit.CNY, kind="award", amount=Decimal("30.00"), key="am:b"
    )
    entry_post(user=u["agent_a"], unit=Unit.POINTS, kind="award", amount=Decimal("500"), key="am:a:points")
    o.points_b, _ = entry_post(
        user=u["agent_b"], unit=Unit.POINTS, kind="award", amount=Decimal("500"), key="am:b:points"
    )
    o.dispute_a = dispute_open(entry=o.entry_a, by=u["agent_a"], reason="漏记一次转化")
    o.dispute_b = dispute_open(entry=o.entry_b, by=u["agent_b"], reason="漏记一次转化")
    item = RewardItem.objects.create(name="电影票", category="gift", point_price=100)
    o.reward_item = item
    o.redemption_a = redemption_request(agent=u["agent_a"], item=item, note="")
    o.redemption_b = redemption_request(agent=u["agent_b"], item=item, note="")
    zero = Decimal("0")
    o.payout_line_a = PayoutLine.objects.create(
        period=previous,
        user=u["agent_a"],
        conversions=1,
        bonus_cny=Decimal("20"),
        points_earned=zero,
        points_redeemed=zero,
        points_balance=zero,
        leave_days=zero,
        adjustments_cny=zero,
        total_payable=Decimal("20"),
    )
    o.withheld_a = WithheldAward.objects.create(
        agent=u["agent_a"],
        event="converted",
        reason_code="not_certified",
        reason="未认证",
        idempotency_key="am:withheld",
    )

    # Insights: settings, a recipient, a stored weekly report of shop A.
    o.insight_settings = InsightSettings.objects.first() or InsightSettings.objects.create()
    o.recipient = ReportRecipient.objects.create(purpose="weekly", user=u["manager"])
    o.report_a = weekly_report_store(week=parse_week("2026-W47"), shop=a)
    o.report_b = weekly_report_store(week=parse_week("2026-W47"), shop=b)
    # and client 甲's (its shops: A): read by client 甲's people only, listed on the weekly page.
    o.report_client_a = weekly_report_store(week=parse_week("2026-W47"), shop=None, client=w.client_a)
    o.recipient_client_a = ReportRecipient.objects.create(
        purpose="weekly", user=u["viewer_a"], client=w.client_a
    )

    # Third-party admins: DRF tokens, django-q schedules, tasks and queue rows.
    Token.objects.create(user=u["manager"])
    o.drf_token = TokenProxy.objects.get(user=u["manager"])  # the admin's proxy: its pk is the user's
    o.schedule = Schedule.objects.create(func="math.floor", name="am-schedule")
    now = timezone.now()
    o.success = Task.objects.create(
        id="am-ok", name="am-ok", func="math.floor", started=now, stopped=now, success=True
    )
    o.failure = Task.objects.create(
        id="am-ko", name="am-ko", func="math.floor", started=now, stopped=now, success=False
    )
    payload = SignedPackage.dumps(
        {"id": "am-q", "name": "am-q", "func": "math.floor", "args": (), "kwargs": {}}
    )
    o.ormq = OrmQ.objects.create(key="default", payload=payload, lock=now)
    if apps.is_installed("axes"):  # the login lockout's admin lists (attempts, logins, failures)
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        # Lockouts of agent A (a person of shop A: the first, the admin tables' object), of agent B, and
        # of a name that is nobody's (seen by a superuser only).
        for name in (u["agent_a"].username, u["agent_b"].username, "nobody"):
            seen = {
                "user_agent": "pytest",
                "ip_address": "127.0.0.1",
                "username": name,
                "http_accept": "*/*",
                "path_info": "/accounts/login/",
                "attempt_time": now,
            }
            attempt = AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
            log, failure = AccessLog.objects.create(**seen), AccessFailureLog.objects.create(**seen)
            if name == u["agent_a"].username:
                o.access_attempt, o.access_log, o.access_failure = attempt, log, failure
    return w


# --- filling a pattern's parameters -------------------------------------------------------------------

_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def fill_route(route: str, values: dict) -> str:
    """``cases/<int:pk>/act/<slug:action>/`` + {"pk": 3, "action": "claim"} → ``/cases/3/act/claim/``."""
    path = _PARAM.sub(lambda m: str(values[m.group("name")]), route)
    assert "<" not in path and "(" not in path, f"unfilled parameter in {route!r}"
    return "/" + path


def admin_object(world: World, label: str):
    """The world's object for a ModelAdmin (shop A's where the model belongs to a shop)."""
    from django.apps import apps

    preferred = {
        "cases.case": world.objects.case_a,
        "cases.review": world.objects.case_a.review,
        "cases.buyer": world.objects.buyer_a,
        "cases.importbatch": world.objects.import_batch_a,
        "cases.apitoken": world.objects.token_b,
        "reviewdesk.shop": world.shop_a,
        "reviewdesk.client": world.client_a,
        "reviewdesk.clientmembership": world.objects.client_membership_a,
        "reviewdesk.user": world.users["agent_a"],
        "training.qareview": world.objects.qa_review_a,
        "training.score": world.objects.score_a,
        "incentives.ledgerentry": world.objects.entry_a,
        "incentives.dispute": world.objects.dispute_a,
        "incentives.redemption": world.objects.redemption_a,
        "incentives.payoutline": world.objects.payout_line_a,
        "incentives.period": world.objects.period,
        "insights.weeklyreport": world.objects.report_a,
        "authtoken.tokenproxy": world.objects.drf_token,
    }
    if label in preferred:
        return preferred[label]
    model = apps.get_model(label)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world has no {label}: add one to build_world()"
    return obj


def history_id(obj) -> int:
    """The newest django-simple-history record of ``obj`` (saved once to get one: rows written by a data
    migration have none)."""
    if not obj.history.exists():
        obj.save()
    return obj.history.order_by("-history_id").values_list("history_id", flat=True).first()


def url_for(world: World, route: Route) -> str:
    """``route`` with its parameters filled from the world (shop A's objects)."""
    o = world.objects
    target = admin_target(route)
    if route.key == "admin:app_list":
        return reverse(route.key, kwargs={"app_label": "cases"})
    if route.route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if target and target[1] == "simple_history":
        obj = admin_object(world, target[0])
        return reverse(route.key, args=[obj.pk, history_id(obj)])
    values = {
        "case_id": o.case_a.pk,
        "pk": o.case_a.pk,
        "evidence_id": o.evidence_a.pk,
        "action": "verify",
        "task_id": o.follow_up_a.pk,
        "macro_id": o.macro_a.pk,
        "agent_id": world.users["agent_a"].pk,
        "review_id": o.qa_review_a.pk,
        "entry_id": o.entry_a.pk,
        "redemption_id": o.redemption_a.pk,
        "period_id": o.previous_period.pk,
        "span": o.previous_period.code,
        "fmt": "xlsx",
        "dispute_id": o.dispute_a.pk,
        "id": world.users["agent_a"].pk,
        "token": o.survey_token_b,
    }
    if route.key in ("cases:notification-read", "cases:notification-open"):
        values["pk"] = o.notification_a.pk
    if route.key.startswith("jobs:") or route.key in ("api-job", "api-job-download"):
        values["pk"] = o.job_a.pk
    if route.key == "insights:report_download":
        values["pk"] = o.report_a.pk
    if route.key in ("training:qa_case", "training:qa_survey", "training:survey_link"):
        values["case_id"] = o.resolved_a.pk
    if route.key == "cases:compose_check":
        values["action"] = "public_reply"
    if route.key.startswith("outreach:"):  # the providers' callbacks: no such account, POST only
        values.update(account_id=0, token="no-such-token")
    if route.key == "admin:view_on_site":
        values.update(
            content_type_id=ContentType.objects.get_for_model(world.shop_a).pk, object_id=world.shop_a.pk
        )
    elif target:
        values["object_id"] = admin_object(world, target[0]).pk
    return fill_route(route.route, values)


def answer(response) -> object:
    """The response as the tables write it."""
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    if location.startswith("/accounts/login/?next="):
        return L
    if location.startswith("/admin/login/?next="):
        return A
    if location:
        return "→" + location
    return response.status_code


# --- "nothing changed" -----------------------------------------------------------------------------

PROJECT_APPS = ("reviewdesk", "policies", "cases", "training", "incentives", "insights")


def state(world: World) -> dict:
    """Row counts of every model of the project's apps, and the rows a refused request might touch."""
    from django.apps import apps

    from cases.models import Case, FollowUpTask, Notification
    from incentives.models import Dispute, Period, Redemption

    o = world.objects
    counts = {
        f"{m._meta.app_label}.{m._meta.model_name}": m._default_manager.count()
        for app in PROJECT_APPS
        for m in apps.get_app_config(app).get_models()
    }
    rows = {
        "cases": list(
            Case.objects.filter(pk__in=[o.case_a.pk, o.case_b.pk, o.pending_a.pk]).order_by("pk").values()
        ),
        "follow_ups": list(FollowUpTask.objects.order_by("pk").values()),
        "notifications": list(Notification.objects.order_by("pk").values()),
        "disputes": list(Dispute.objects.order_by("pk").values()),
        "redemptions": list(Redemption.objects.order_by("pk").values()),
        "periods": list(Period.objects.order_by("pk").values()),
    }
    return {"counts": counts, **rows}
