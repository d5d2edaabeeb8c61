"""The bad-input corpus (issue 8): every malformed file and payload of ``corpus/manifest.json`` goes
through its real entry point — the import commands, the upload and import pages, the REST API, the
admin's imports, the workspace forms — and gets its clear message (Chinese; English too where the
target speaks the user's language), while nothing changes: the row count of every model of the
project (and django-q's queue) and the files under MEDIA_ROOT and the var directory are the same
before and after. A failed review import keeps its audit row (an ImportBatch marked failed, and its job
marked failed when it ran in the background); a completed batch would be a write.
"""

from __future__ import annotations

import io
import json
import re
from html import escape
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from cases.models import ImportBatch
from jobs.choices import JobKind, JobState
from jobs.models import Job
from tests import default_pack
from tests.cases.api_cases_support import action_url, case_url, token_client
from tests.cases.workflow_factories import put_in_state, triaged_case
from tests.hardening.corpus import make_corpus
from tests.hardening.corpus.make_corpus import GENERATORS
from tests.project_apps import project_apps

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
CASES = MANIFEST["cases"]
PROJECT_APPS = (*project_apps(), "django_q")


# --- the world every case runs in --------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_world(django_db_setup, django_db_blocker):
    """The default policy pack and the data migrations' rows, once per module inside a transaction
    rolled back at its end (each test nests in it as a savepoint)."""
    with default_pack.rolled_back(django_db_blocker, data_migrations=True):
        yield


def _user(username: str, role: str, shop, **fields):
    from reviewdesk.models import ShopMembership, User

    user = User.objects.create(
        username=username,
        employee_code=fields.pop("employee_code", username.upper()),
        display_name=username,
        **fields,
    )
    user.groups.add(Group.objects.get(name=role))
    ShopMembership.objects.create(shop=shop, user=user)
    return user


@pytest.fixture
def world(seeded_world, db, settings, tmp_path):
    from policies.loader import clear_policy_cache
    from tests.factories import ShopFactory

    clear_policy_cache()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path / "var"
    shop = ShopFactory(code="tb-main", platform="taobao", name="淘宝旗舰店")
    people = {
        "agent": _user("corpus_agent", "agent", shop, employee_code="A001"),
        "supervisor": _user("corpus_supervisor", "supervisor", shop),
        "manager": _user("corpus_manager", "manager", shop, is_staff=True),
    }
    case = triaged_case(shop)
    api = token_client(people["agent"], [shop])  # before the snapshot: the token is a row too
    intake_api = token_client(people["supervisor"], [shop])  # reviews: a role that may import them
    yield {
        "shop": shop,
        "people": people,
        "case": case,
        "tmp": tmp_path,
        "api": api,
        "intake_api": intake_api,
    }
    clear_policy_cache()


def fixture_path(name: str, tmp_path: Path) -> Path:
    if name in GENERATORS:
        return make_corpus.make(name, tmp_path)
    return CORPUS / "files" / name


def state(root: Path) -> dict:
    """Rows of every model of the project, completed import batches, and the files on disk."""
    counts = {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and model not in (ImportBatch, Job)
    }
    counts["completed import batches"] = ImportBatch.objects.filter(status="completed").count()
    # A file refused in the background leaves its job, failed with the reason ("my jobs" shows it), and a
    # preview is a dry run whose job reports the errors it found: neither is a write of the file's data.
    counts["jobs that wrote"] = (
        Job.objects.exclude(state=JobState.FAILED).exclude(kind=JobKind.IMPORT_PREVIEW).count()
    )
    files = sorted(
        str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "corpus-in" not in p.parts
    )
    return {"rows": counts, "files": files}


# --- the entry points ----------------------------------------------------------------------------------


def _browser(user, lang: str) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def _api(user, lang: str, world, *, key: str = "api") -> APIClient:
    client = world[key]  # the agent's token, for the shop (the supervisor's for reviews: "intake_api")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    return client


def _upload(path: Path, name: str | None = None):
    handle = io.BytesIO(path.read_bytes())
    handle.name = name or path.name
    return handle


def _page(response) -> list[str]:
    return [response.content.decode()]


def _api_messages(body) -> list[str]:
    """Every message of a JSON answer: detail, {code, message, fields}, or per-item errors."""
    if isinstance(body, list):
        return [m for item in body for m in _api_messages(item)]
    if not isinstance(body, dict):
        return [str(body)]
    found = [str(body[key]) for key in ("detail", "message") if key in body]
    for messages in (body.get("fields") or {}).values():
        found.extend(str(m) for m in messages)
    for result in body.get("results") or []:
        found.extend(str(e["message"]) for e in result.get("errors") or [])
    return found


def run_import_reviews(case, path, world, lang):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_reviews",
            str(path),
            "--shop",
            world["shop"].code,
            "--json",
            stdout=out,
            stderr=io.StringIO(),
        )
    body = json.loads(out.getvalue())
    return 2, [body["error"]["message"], *(e["message"] for e in body.get("errors") or [])]


def run_upload_page(case, path, world, lang):
    client = _browser(world["people"]["supervisor"], lang)
    data = {"shop": world["shop"].pk}
    if case.get("fixture") != "-":
        data["file"] = _upload(path)
    response = client.post(reverse("cases:import-upload"), data)
    return response.status_code, _page(response)


def run_api_reviews(case, path, world, lang):
    client = _api(world["people"]["supervisor"], lang, world, key="intake_api")
    response = client.generic(
        "POST",
        "/api/v1/reviews/",
        path.read_bytes(),
        content_type=case.get("content_type", "application/json"),
    )
    return response.status_code, _api_messages(response.json())


def _case_in_state(case, world):
    target = world["case"]
    put_in_state(target, case["state"], agent=world["people"]["agent"])
    return target


def run_api_action(case, path, world, lang):
    target = _case_in_state(case, world)
    client = _api(world["people"]["agent"], lang, world)
    response = client.generic(
        "POST",
        action_url(target, case["action"]),
        path.read_bytes(),
        content_type=case.get("content_type", "application/json"),
    )
    return response.status_code, _api_messages(response.json())


def run_api_evidence(case, path, world, lang):
    target = _case_in_state(case, world)
    client = _api(world["people"]["agent"], lang, world)
    response = client.post(
        f"{case_url(target)}evidence/", {"file": _upload(path), "kind": case["kind"]}, format="multipart"
    )
    return response.status_code, _api_messages(response.json())


def run_web_action(case, path, world, lang):
    target = _case_in_state(case, world)
    client = _browser(world["people"]["agent"], lang)
    response = client.post(reverse("cases:case_action", args=[target.pk, case["action"]]), case["post"])
    return response.status_code, _page(response)


def run_web_evidence(case, path, world, lang):
    target = _case_in_state(case, world)
    client = _browser(world["people"]["agent"], lang)
    response = client.post(
        reverse("cases:evidence_upload", args=[target.pk]), {"file": _upload(path), "kind": case["kind"]}
    )
    return response.status_code, _page(response)


def run_score_import_page(case, path, world, lang):
    client = _browser(world["people"]["supervisor"], lang)
    response = client.post(reverse("training:score_import"), {"file": _upload(path)})
    return response.status_code, [*(response.context or {}).get("errors", []), *_page(response)]


def _admin_import(url_name: str, path: Path, world, lang):
    client = _browser(world["people"]["manager"], lang)
    url = reverse(url_name)
    formats = client.get(url).context["form"].fields["format"].choices
    suffix = path.suffix.lstrip(".").lower()
    chosen = next(value for value, label in formats if str(label).lower() == suffix)
    response = client.post(url, {"import_file": _upload(path), "format": chosen, "resource": "0"})
    return response.status_code, _page(response)


def run_score_admin_import(case, path, world, lang):
    return _admin_import("admin:training_score_import", path, world, lang)


def run_template_admin_import(case, path, world, lang):
    return _admin_import("admin:policies_replytemplate_import", path, world, lang)


def run_policy_pack_command(case, path, world, lang):
    with pytest.raises(CommandError) as refused:
        call_command("policy_pack", "import", str(path), stdout=io.StringIO())
    return 1, [line.strip() for line in str(refused.value).splitlines()]


def run_policy_pack_page(case, path, world, lang):
    client = _browser(world["people"]["manager"], lang)
    response = client.post(reverse("policies:pack_import"), {"pack_file": _upload(path)})
    return response.status_code, _page(response)


RUNNERS = {
    "import_reviews": run_import_reviews,
    "upload_page": run_upload_page,
    "api_reviews": run_api_reviews,
    "api_action": run_api_action,
    "api_evidence": run_api_evidence,
    "web_action": run_web_action,
    "web_evidence": run_web_evidence,
    "score_import_page": run_score_import_page,
    "score_admin_import": run_score_admin_import,
    "template_admin_import": run_template_admin_import,
    "policy_pack_command": run_policy_pack_command,
    "policy_pack_page": run_policy_pack_page,
}
WEB_TARGETS = {
    "upload_page",
    "web_action",
    "web_evidence",
    "score_import_page",
    "score_admin_import",
    "template_admin_import",
    "policy_pack_page",
}


def _changes(before: dict, after: dict) -> dict:
    """What differs between two states (empty when nothing changed), readable in a failure."""
    rows = {
        k: (before["rows"].get(k), after["rows"].get(k))
        for k in before["rows"] | after["rows"]
        if before["rows"].get(k) != after["rows"].get(k)
    }
    files = sorted(set(before["files"]) ^ set(after["files"]))
    return {key: value for key, value in (("rows", rows), ("files", files)) if value}


def _readable(messages: list[str]) -> list[str]:
    """A page as its visible text, its refusal first when it has one (for the failure report)."""
    refusals = [found for m in messages for found in re.findall(r'id="refusal">([^<]*)<', m)]
    return refusals + [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m))[-1500:] for m in messages]


def _said(expected: str, messages: list[str], *, html: bool) -> bool:
    if html:
        return any(escape(expected) in m or expected in m for m in messages)
    return expected in messages


def _run(case, world, lang: str):
    path = fixture_path(case["fixture"], world["tmp"] / "corpus-in") if case["fixture"] != "-" else None
    with translation.override(lang):
        return RUNNERS[case["target"]](case, path, world, lang)


@pytest.fixture
def corpus_in(world):
    (world["tmp"] / "corpus-in").mkdir()


PARAMS = [pytest.param(case, id=case["id"]) for case in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input_gets_its_chinese_message_and_changes_nothing(case, world, corpus_in):
    before = state(world["tmp"])

    status, messages = _run(case, world, "zh-hans")

    assert (status, _said(case["zh"], messages, html=case["target"] in WEB_TARGETS)) == (
        case["status"],
        True,
    ), _readable(messages)
    assert _changes(before, state(world["tmp"])) == {}


ENGLISH = [pytest.param(case, id=case["id"]) for case in CASES if case.get("en")]


@pytest.mark.parametrize("case", ENGLISH)
def test_bad_input_is_answered_in_english_when_the_user_reads_english(case, world, corpus_in):
    msgid = case.get("msgid")
    if msgid:
        with translation.override("en"):
            assert translation.gettext(msgid) != msgid, (
                f"{msgid!r} is not in the English catalog (make messages)"
            )
    before = state(world["tmp"])

    status, messages = _run(case, world, "en")

    assert (status, _said(case["en"], messages, html=case["target"] in WEB_TARGETS)) == (
        case["status"],
        True,
    ), _readable(messages)
    assert _changes(before, state(world["tmp"])) == {}


def test_the_corpus_is_at_least_forty_distinct_inputs_over_every_target():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 40
    assert {case["target"] for case in CASES} == set(RUNNERS)
    for case in CASES:
        if case["fixture"] != "-":
            assert case["fixture"] in GENERATORS or (CORPUS / "files" / case["fixture"]).is_file(), case["id"]
    used = {case["fixture"] for case in CASES}
    assert sorted(p.name for p in (CORPUS / "files").iterdir() if p.name not in used) == []
    assert sorted(name for name in GENERATORS if name not in used) == []


def test_generated_fixtures_are_deterministic(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    for name in (
        "review-gbk-utf8-mix.csv",
        "review-formula-ids.xlsx",
        "scores-formula.xlsx",
        "pack-unknown-sheet.xlsx",
    ):
        assert make_corpus.make(name, first).read_bytes() == make_corpus.make(name, second).read_bytes()
