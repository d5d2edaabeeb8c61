"""The access matrix's machinery: every URL pattern the resolver knows, a world with one real object of
everything those URLs name (two shops, every role), and the helpers that fill a pattern's parameters
and compare what a refused request left behind.

The world is built once per module inside a transaction rolled back at the end (see
``tests.insights.conftest``); each test still runs in its own savepoint.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.cases.world import PNG  # noqa: F401 (the object-level tests upload it)
from tests.project_apps import project_apps

L, A = "L", "A"  # the tables' redirects: to /accounts/login/?next=…, to /admin/login/?next=…
ROLES = ("anonymous", "agent_a", "agent_b", "supervisor", "legal", "manager", "hr")
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
    training and insights records of both agents; one object of every ModelAdmin's model. Each app
    builds its own rows (``tests/<app>/world.py``), called in the order the rows are created."""
    from reviewdesk.models import Client, ClientMembership
    from reviewdesk.roles import sync_role_permissions
    from tests import default_pack
    from tests.cases.world import (
        case_rows,
        evidence_row,
        follow_up_row,
        intake_rows,
        notification_row,
        robot_rows,
    )
    from tests.connectors.world import connector_rows
    from tests.factories import ShopFactory
    from tests.incentives.world import incentive_rows
    from tests.insights.world import health_watch_row, insights_rows
    from tests.jobs.world import job_row
    from tests.knowledge.world import knowledge_rows
    from tests.outreach.world import sms_rows
    from tests.policies.world import holiday_row, macro_row, peak_season_rows
    from tests.prevention.world import prevention_rows
    from tests.training.world import training_rows
    from tests.workorders.world import robot_post_row

    sync_role_permissions()  # the role table as the code says now (a reused test database may predate it)
    default_pack.insert()
    holiday_row()
    w = World()
    # Shop A belongs to client 甲, shop B to client 乙 (issue #18); nobody of the tables' roles is a member
    # of a client, so their reach is their shops' (test_access_matrix_clients.py adds the clients' people).
    w.client_a = Client.objects.create(code="brand-jia", name="品牌甲")
    w.client_b = Client.objects.create(code="brand-yi", name="品牌乙")
    w.shop_a = ShopFactory(code="tb-main", platform="taobao", name="淘宝旗舰店", client=w.client_a)
    w.shop_b = ShopFactory(code="dy-main", platform="douyin", name="抖店旗舰店", client=w.client_b)
    a, b = w.shop_a, w.shop_b
    peak_season_rows(a)
    health_watch_row(a)
    prevention_rows(a)
    knowledge_rows()
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
    vars(o).update(case_rows(a, b, u))
    o.evidence_a, o.evidence_b = evidence_row(o.case_a, u["agent_a"]), evidence_row(o.case_b, u["agent_b"])
    o.follow_up_a, o.follow_up_b = follow_up_row(o.case_a), follow_up_row(o.case_b)
    sms_rows(a, w.client_a, u["supervisor"])
    o.notification_a = notification_row(u["agent_a"], o.case_a)
    o.notification_b = notification_row(u["agent_b"], o.case_b)
    o.job_a = job_row(u["supervisor"], a)
    o.macro_a = macro_row(a)
    o.channel_a, o.delivery_a = robot_rows(a)
    o.channel_b, o.delivery_b = robot_rows(b)
    o.connector_a, o.outbox_a = connector_rows(a, o.case_a, u["agent_a"])
    o.robot_post_a = robot_post_row(a, o.case_a, u["agent_a"])
    vars(o).update(intake_rows(a, b, u["manager"]))
    vars(o).update(training_rows(u, o.resolved_a, o.resolved_b))
    vars(o).update(incentive_rows(u))
    vars(o).update(insights_rows(u, a, b, w.client_a))
    vars(o).update(_third_party_rows(u))
    return w


def _third_party_rows(u) -> dict:
    """Objects of the third-party admins: a DRF token, django-q schedules, tasks and queue rows, and the
    login lockout's lists (axes)."""
    from django.apps import apps
    from django_q.models import OrmQ, Schedule, Task
    from django_q.signing import SignedPackage
    from rest_framework.authtoken.models import Token, TokenProxy

    rows = {}
    Token.objects.create(user=u["manager"])
    rows["drf_token"] = TokenProxy.objects.get(user=u["manager"])  # the admin's proxy: its pk is the user's
    rows["schedule"] = Schedule.objects.create(func="math.floor", name="am-schedule")
    now = timezone.now()
    rows["success"] = Task.objects.create(
        id="am-ok", name="am-ok", func="math.floor", started=now, stopped=now, success=True
    )
    rows["failure"] = Task.objects.create(
        id="am-ko", name="am-ko", func="math.floor", started=now, stopped=now, success=False
    )
    payload = SignedPackage.dumps(
        {"id": "am-q", "name": "am-q", "func": "math.floor", "args": (), "kwargs": {}}
    )
    rows["ormq"] = OrmQ.objects.create(key="default", payload=payload, lock=now)
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
                rows.update(access_attempt=attempt, access_log=log, access_failure=failure)
    return rows


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


def state(world: World) -> dict:
    """Row counts of every model of the project's apps, and the rows a refused request might touch."""
    from django.apps import apps

    from cases.models import Case, FollowUpTask, Notification
    from incentives.models import Dispute, Period, Redemption

    o = world.objects
    counts = {
        f"{m._meta.app_label}.{m._meta.model_name}": m._default_manager.count()
        for app in project_apps()
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
