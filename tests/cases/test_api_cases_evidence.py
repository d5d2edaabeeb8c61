"""Evidence through the API: multipart upload (the service's type and size checks), download only to
those who may see the case, and legal's appeal journey with uploaded evidence."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases.models import Appeal, Case, CaseEvent, Evidence
from tests.cases.api_cases_support import action_url, case_url, session_client
from tests.cases.workflow_factories import put_in_state, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(shop, make_user):
    return {role: make_user(role, shops=[shop]) for role in ("agent", "supervisor", "legal")}


def upload(client, case, *, name="聊天截图.png", content=PNG, kind="image", item=""):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(
        f"{case_url(case)}evidence/", {"file": file, "kind": kind, "checklist_item": item}, format="multipart"
    )


def fresh_case(shop, **fields) -> Case:
    return triaged_case(shop, received_at=timezone.now() - dt.timedelta(hours=1), **fields)


def test_upload_stores_privately_records_it_and_download_returns_the_bytes(shop, people, private_media):
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    client = session_client(people["agent"])

    response = upload(client, case)

    assert response.status_code == 201, response.json()
    meta = response.json()
    evidence = Evidence.objects.get(pk=meta["id"])
    assert (meta["original_name"], meta["kind"], meta["content_type"], meta["size"]) == (
        "聊天截图.png",
        "image",
        "image/png",
        len(PNG),
    )
    assert evidence.file.path.startswith(str(private_media)) and "聊天截图" not in evidence.file.name
    assert CaseEvent.objects.filter(case=case, action="evidence_added").count() == 1
    assert client.get(case_url(case)).json()["evidence"][0]["id"] == evidence.pk

    download = client.get(meta["download_url"])

    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png" and "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"


def test_a_file_whose_content_is_not_its_type_is_refused_and_nothing_stored(shop, people, private_media):
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])

    response = upload(session_client(people["agent"]), case, name="shot.png", content=b"MZ\x90\x00 not a png")

    assert response.status_code == 400
    assert response.json()["code"] == "evidence_type"
    assert not Evidence.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case).exists()
    assert not private_media.exists() or not any(p.is_file() for p in private_media.rglob("*"))


def test_an_oversized_file_is_refused(shop, people, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])

    response = upload(session_client(people["agent"]), case, content=PNG + b"\x00" * 200)

    assert response.status_code == 400 and response.json()["code"] == "evidence_size"
    assert not Evidence.objects.filter(case=case).exists()


def test_upload_without_a_file_is_a_bad_body(shop, people):
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])

    response = session_client(people["agent"]).post(
        f"{case_url(case)}evidence/", {"kind": "image"}, format="multipart"
    )

    assert (
        response.status_code == 400
        and response.json()["code"] == "invalid"
        and "file" in response.json()["fields"]
    )


def test_evidence_of_another_shops_case_is_not_found_upload_or_download(shop, other_shop, people, make_user):
    stranger = make_user("supervisor", shops=[other_shop])
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    meta = upload(session_client(people["agent"]), case).json()
    client = session_client(stranger)

    assert client.get(meta["download_url"]).status_code == 404
    assert upload(client, case).status_code == 404
    assert Evidence.objects.filter(case=case).count() == 1


def test_download_through_another_case_id_is_not_found(shop, people):
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    other = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    client = session_client(people["agent"])
    evidence_id = upload(client, case).json()["id"]

    response = client.get(f"{case_url(other)}evidence/{evidence_id}/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_legal_files_an_appeal_with_uploaded_evidence_and_records_the_outcome(shop, people):
    legal = session_client(people["legal"])
    case = put_in_state(fresh_case(shop), "malicious", agent=people["agent"])
    items = ("完整旺旺聊天截图", "同一IP批量差评的后台数据")
    ids = [upload(legal, case, name=f"{item}.png", item=item).json()["id"] for item in items]
    version = legal.get(case_url(case)).json()["version"]

    filed = legal.post(
        action_url(case, "file_appeal"),
        {
            "version": version,
            "reason_type": "extortion",
            "description": "买家以差评要挟返现",
            "evidence_ids": ids,
        },
        format="json",
    )

    assert filed.status_code == 200, filed.json()
    assert filed.json()["status"] == "appealing"
    appeal = Appeal.objects.get(case=case)
    assert sorted(appeal.evidence.values_list("pk", flat=True)) == sorted(ids)
    assert filed.json()["appeals"][0]["evidence_ids"] == sorted(ids)

    outcome = legal.post(
        action_url(case, "appeal_outcome"),
        {"version": filed.json()["version"], "outcome": "won"},
        format="json",
    )

    assert outcome.status_code == 200 and outcome.json()["status"] == "resolved"
    assert outcome.json()["appeals"][0]["outcome"] == "won"


def test_an_appeal_missing_required_evidence_is_refused(shop, people):
    legal = session_client(people["legal"])
    case = put_in_state(fresh_case(shop), "malicious", agent=people["agent"])
    before = CaseEvent.objects.filter(case=case).count()

    response = legal.post(
        action_url(case, "file_appeal"),
        {"version": 3, "reason_type": "extortion", "evidence_ids": []},
        format="json",
    )

    assert response.status_code == 400 and response.json()["code"] == "appeal_evidence_missing"
    assert Case.objects.get(pk=case.pk).status == "malicious"
    assert (
        not Appeal.objects.filter(case=case).exists()
        and CaseEvent.objects.filter(case=case).count() == before
    )
