"""The access matrix, admin and exports: built from the registries, so a new admin or export cannot be
forgotten.

For every ModelAdmin on ``admin.site._registry`` whose model belongs to a shop (reviewdesk.access), and
for staff of shop B only (a manager and an HR officer), the admin shows no row of shop A: not in the
changelist (nor its filters), not among the choices of any foreign key or many-to-many of its forms and
inlines, and a shop-A object's change, delete and history pages are refused ("not found" or 403) with
nothing changed. Every export — the admin's export actions and import-export exports, and every URL of
the resolver named *export* or *download* — as every role of shop B contains nothing of shop A.

"Shop A's rows" are those shop A's staff reach and shop B's do not (the world is in access_support.py;
where it lacks such a row of an admin's model, one is cloned from an existing row into shop A).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib import admin
from django.db import IntegrityError, transaction
from django.db.models import CharField
from django.test import RequestFactory
from django.urls import reverse

from reviewdesk.access import restrict, scope_for
from tests.hardening.access_support import admin_models, answer, discover, state, url_for

pytestmark = pytest.mark.django_db


def _belongs_to_shops(model) -> bool:
    """Its rows belong to shops (a setting every shop shares, like an adjustment cap, does not)."""
    scope = scope_for(model)
    return scope is not None and any((scope.shop, scope.user, scope.username))


SCOPED = sorted(label for label, model in admin_models().items() if _belongs_to_shops(model))
B_STAFF = ("manager_b", "hr_b")
B_ROLES = ("agent_b", "supervisor_b", "legal_b", "manager_b", "hr_b")
REFUSED = {"→/admin/", 403, 404}


# --- shop A's rows --------------------------------------------------------------------------------


def a_only(world, model) -> set:
    """Rows shop A's staff reach and shop B's do not."""

    def reached(role):
        return set(restrict(model._default_manager.all(), world.users[role]).values_list("pk", flat=True))

    return reached("manager_a") - reached("manager_b")


def _clone_into_shop_a(world, model):
    """A copy of the model's first row, moved into shop A along its scope's path (parents cloned too)."""
    scope = scope_for(model)
    if scope is None or scope.shop in (None, "pk") or scope.every:
        return None
    source = model._default_manager.order_by("pk").first()
    if source is None:
        return None
    first, _, rest = scope.shop.partition("__")
    field = model._meta.get_field(first)
    if rest:
        parents = a_only(world, field.related_model)
        value = (
            field.related_model._default_manager.get(pk=min(parents))
            if parents
            else _clone_into_shop_a(world, field.related_model)
        )
        if value is None:
            return None
    else:
        value = world.shop_a
    clone = model._default_manager.get(pk=source.pk)
    clone.pk, clone._state.adding = None, True
    setattr(clone, field.name, value)
    for other in model._meta.concrete_fields:
        if other.unique and not other.primary_key and isinstance(other, CharField):
            setattr(clone, other.attname, f"{getattr(clone, other.attname)}"[: other.max_length - 2] + "-a")
    try:
        with transaction.atomic():
            clone.save()
    except IntegrityError:
        return None
    return clone


@pytest.fixture(scope="module")
def reach(world, django_db_blocker):
    """label → the pks of shop A's rows, for every scoped admin model (cloning one where none exists)."""
    with django_db_blocker.unblock():
        rows = {}
        for label in SCOPED:
            model = admin_models()[label]
            if not a_only(world, model):
                _clone_into_shop_a(world, model)
            rows[label] = a_only(world, model)
        return rows


def _markers(world) -> list[str]:
    """Strings that only shop A's rows carry: its name and code, its people, its case's order number."""
    u = world.users
    people = [u[role] for role in ("agent_a", "supervisor", "legal", "manager_a", "hr_a")]
    return [
        world.shop_a.name,
        world.shop_a.code,
        world.objects.case_a.review.order_no,
        *(p.display_name for p in people),
        *(p.employee_code for p in people),
    ]


def _text(content: bytes) -> str:
    """A CSV, an XLSX (every part of it) or a ZIP of those, as text."""
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(_text(archive.read(name)) for name in archive.namelist())
    return content.decode("utf-8-sig", errors="replace")


# --- the registry and the world agree ---------------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_the_world_holds_a_row_of_shop_a_for_every_scoped_admin(reach, label):
    assert reach[label], f"the world has no shop-A row of {label}: add one to build_world()"


# --- changelists ------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_shop_b_staff_list_no_shop_a_row(world, reach, label):
    model = admin_models()[label]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for role in B_STAFF:
        response = world.clients[role].get(url)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, (role, answer(response))
        listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
        assert not listed & reach[label], role
        page = response.content.decode()
        assert [m for m in _markers(world) if m in page] == [], role  # nor in its filters


# --- forms: every foreign-key and many-to-many choice -------------------------------------------------


def _choice_fields(response):
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets") or []:
        forms += [inline_form.form for inline_form in inline]
    for form in forms:
        for name, field in form.fields.items():
            # A formset's hidden primary key is no choice: a row is looked up in the inline's own rows.
            if name == form._meta.model._meta.pk.name:
                continue
            if getattr(field, "queryset", None) is not None:
                yield name, field


def _form_pages(world, model, role):
    """The add form, and the change form of a row shop B's staff may open."""
    names = f"{model._meta.app_label}_{model._meta.model_name}"
    yield reverse(f"admin:{names}_add")
    own = restrict(model._default_manager.all(), world.users[role]).order_by("pk").first()
    if own is not None:
        yield reverse(f"admin:{names}_change", args=[own.pk])


@pytest.mark.parametrize("label", sorted(admin_models()))
def test_shop_b_staff_are_offered_no_shop_a_choice(world, reach, label):
    model = admin_models()[label]
    opened = 0
    for role in B_STAFF:
        for url in _form_pages(world, model, role):
            response = world.clients[role].get(url)
            if response.status_code != 200 or "adminform" not in (response.context or {}):
                continue
            opened += 1
            for name, field in _choice_fields(response):
                related = field.queryset.model
                if scope_for(related) is None:
                    continue
                offered = set(field.queryset.values_list("pk", flat=True))
                assert not offered & a_only(world, related), (role, url, name)
    if scope_for(model) is not None and not opened:
        pytest.skip("read-only for shop B's staff (no add or change form): no choice is offered to check")


# --- shop A's objects -------------------------------------------------------------------------------


@pytest.mark.parametrize("label", SCOPED)
def test_shop_b_staff_cannot_open_change_or_delete_a_shop_a_row(world, reach, label):
    model = admin_models()[label]
    names = f"{model._meta.app_label}_{model._meta.model_name}"
    pk = min(reach[label])
    for role in B_STAFF:
        client = world.clients[role]
        before = state(world)
        answers = {
            "change": answer(client.get(reverse(f"admin:{names}_change", args=[pk]))),
            "post-change": answer(client.post(reverse(f"admin:{names}_change", args=[pk]), {})),
            "delete": answer(client.get(reverse(f"admin:{names}_delete", args=[pk]))),
            "post-delete": answer(client.post(reverse(f"admin:{names}_delete", args=[pk]), {"post": "yes"})),
            "history": answer(client.get(reverse(f"admin:{names}_history", args=[pk]))),
        }
        assert {kind: got for kind, got in answers.items() if got not in REFUSED} == {}, role
        assert model._default_manager.filter(pk=pk).exists() and state(world) == before, role


def test_a_shop_b_manager_neither_sees_nor_unlocks_a_shop_a_login_lockout(world):
    """F12: a shop manager saw and deleted other shops' users' login lockouts (django-axes)."""
    from axes.models import AccessAttempt

    agent_a, agent_b = world.users["agent_a"], world.users["agent_b"]
    attempt_a = AccessAttempt.objects.get(username=agent_a.username)
    client = world.clients["manager_b"]
    listed = {a.username for a in client.get("/admin/axes/accessattempt/").context["cl"].result_list}
    assert listed == {agent_b.username}  # not shop A's agent, not a name that is nobody's
    deleted = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "post": "yes", "_selected_action": [attempt_a.pk]},
    )
    assert deleted.status_code in (200, 302)
    assert (
        answer(client.post(f"/admin/axes/accessattempt/{attempt_a.pk}/delete/", {"post": "yes"})) in REFUSED
    )
    assert AccessAttempt.objects.filter(pk=attempt_a.pk).exists()
    # Shop A's manager unlocks shop A's agent; only a superuser sees the attempt on a name of nobody.
    mine = {
        a.username
        for a in world.clients["manager_a"].get("/admin/axes/accessattempt/").context["cl"].result_list
    }
    assert mine == {agent_a.username}
    actions = world.clients["manager_b"].get("/admin/axes/accessattempt/").context["action_form"]
    assert "cleanup_expired_attempts" not in dict(actions.fields["action"].choices)


# --- exports -----------------------------------------------------------------------------------------

EXPORT_ROUTES = [r for r in discover() if not r.is_admin and any(w in r.key for w in ("export", "download"))]


@pytest.mark.parametrize("route", EXPORT_ROUTES, ids=[r.key for r in EXPORT_ROUTES])
def test_no_export_of_a_shop_b_role_carries_shop_a(world, route):
    url = url_for(world, route)
    for role in B_ROLES:
        response = world.clients[role].get(url)
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = _text(body)
        assert [m for m in _markers(world) if m in text] == [], (role, url)


def _export_actions(model_admin) -> list[str]:
    return [name for name in (model_admin.actions or []) if isinstance(name, str) and "export" in name]


ACTION_EXPORTS = [
    (label, name)
    for label, model in sorted(admin_models().items())
    for name in _export_actions(admin.site._registry[model])
]


@pytest.mark.parametrize(("label", "action"), ACTION_EXPORTS, ids=[f"{lb}-{a}" for lb, a in ACTION_EXPORTS])
def test_no_admin_export_action_of_shop_b_staff_carries_shop_a(world, label, action):
    model = admin_models()[label]
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    for role in B_STAFF:
        rows = list(restrict(model._default_manager.all(), world.users[role]).values_list("pk", flat=True))
        response = world.clients[role].post(url, {"action": action, "_selected_action": rows})
        if response.status_code != 200 or response.get("Content-Disposition") is None:
            continue
        text = _text(response.content)
        assert [m for m in _markers(world) if m in text] == [], (role, label, action)


IMPORT_EXPORT = [
    label
    for label, model in sorted(admin_models().items())
    if hasattr(admin.site._registry[model], "get_export_queryset")
]


@pytest.mark.parametrize("label", IMPORT_EXPORT)
def test_no_import_export_export_of_shop_b_staff_carries_a_shop_a_row(world, reach, label):
    model = admin_models()[label]
    model_admin = admin.site._registry[model]
    for role in B_STAFF:
        request = RequestFactory().get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        )
        request.user = world.users[role]
        exported = set(model_admin.get_export_queryset(request).values_list("pk", flat=True))
        assert not exported & reach.get(label, a_only(world, model)), role


def test_a_form_naming_another_shop_is_refused_with_the_fields_message_and_saves_nothing(world):
    """The choices limit is also the check: a POST naming shop A (or a person of shop A only) by id is a
    form error on that field, in the user's language, and no row is written."""
    from training.models import ModuleRequirement, TrainingModule

    module = TrainingModule.objects.order_by("pk").first()
    client = world.clients["manager_b"]
    before = ModuleRequirement.objects.count()
    form = {"module": module.pk, "handling_role": "agent", "active": "on", "note": "x"}
    refused = client.post(
        reverse("admin:training_modulerequirement_add"),
        {**form, "shop": world.shop_a.pk},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert list(errors) == ["shop"] and "选择一个有效的选项" in errors["shop"][0]
    assert ModuleRequirement.objects.count() == before
    allowed = client.post(reverse("admin:training_modulerequirement_add"), {**form, "shop": world.shop_b.pk})
    assert allowed.status_code == 302 and ModuleRequirement.objects.count() == before + 1
