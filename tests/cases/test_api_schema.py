"""Schemathesis over the cases endpoints, in-process through the WSGI app: generated requests (path
ids pointed at real cases, so bodies reach the workflow) never get a 500, and every answer conforms to
the OpenAPI document (status code documented, content type, body schema). Also: the schema validates
and the docs page is served offline."""

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from cases.models import ApiToken, Evidence
from cases.models.intake import hash_token_key
from reviewdesk.wsgi import application
from tests.cases.c2_factories import make_case
from tests.cases.workflow_factories import put_in_state, seeded, seeded_pack, triaged_case  # noqa: F401
from tests.factories import ShopFactory, UserFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]  # fmt: skip
MAX_EXAMPLES = 6


@pytest.fixture
def same_connection():
    """Django's WSGI handler closes "old" connections around each request, which would end the test's
    transaction; the test client disconnects that handler the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(seeded, same_connection, settings, tmp_path):  # noqa: F811
    """The default policy pack; a supervisor with a token for one shop, cases there in several states
    (one triaged by the engine, one with a file of evidence), and a case of another shop (must be 404)."""
    settings.MEDIA_ROOT = tmp_path
    shop, other = ShopFactory(code="tb-main", platform="taobao"), ShopFactory(code="dy-main", platform="douyin")
    user = UserFactory(role="supervisor", shops=[shop])
    cases = [make_case(shop, buyer_phone="13812345678"), make_case(shop, status="assigned", assignee=user),
             put_in_state(triaged_case(shop, received_at=timezone.now()), "verified", agent=user), make_case(other)]  # fmt: skip
    evidence = Evidence(case=cases[0], original_name="a.png", kind="image", size=8, content_type="image/png",
                        uploaded_by=user, uploaded_at=cases[0].opened_at)  # fmt: skip
    evidence.file.save("a.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    key = ApiToken.new_key()
    token = ApiToken.objects.create(name="schemathesis", user=user, prefix=key[:8], key_hash=hash_token_key(key))
    token.shops.set([shop])
    return {"key": key, "case_ids": [c.pk for c in cases], "evidence_ids": [evidence.pk]}


@pytest.fixture
def cases_api(api_world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    schema.config.generation.update(modes=["positive", "negative"], max_examples=MAX_EXAMPLES)
    schema.config.phases.update(phases=["examples", "fuzzing"])
    return schema


# The filter goes on the lazy schema: it replaces any filter of the fixture's schema.
schema = schemathesis.pytest.from_fixture("cases_api").include(path_regex=r"^/api/v1/cases/")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_cases_endpoints_conform_to_their_schema(case, api_world):
    ids = case.path_parameters or {}
    if any(not isinstance(value, int) or value < 0 for value in ids.values()):
        return  # negative mode: not a URL of the API at all (digits only in the URL patterns), Django's 404 page
    if isinstance(ids.get("case_id"), int):
        ids["case_id"] = api_world["case_ids"][ids["case_id"] % len(api_world["case_ids"])]
    if isinstance(ids.get("evidence_id"), int) and ids["evidence_id"] % 2:
        ids["evidence_id"] = api_world["evidence_ids"][0]

    case.call_and_validate(headers={"Authorization": f"Bearer {api_world['key']}"}, checks=CHECKS)


def test_the_schema_documents_every_cases_endpoint(client):
    response = client.get("/api/v1/schema/?format=json")
    paths = response.json()["paths"]

    assert "/api/v1/cases/" in paths and "/api/v1/cases/{case_id}/" in paths
    actions = [p for p in paths if p.startswith("/api/v1/cases/{case_id}/actions/")]
    assert len(actions) == 17
    offer = paths["/api/v1/cases/{case_id}/actions/offer/"]["post"]
    assert set(offer["responses"]) == {"200", "400", "401", "403", "404", "409"}
    assert offer["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/OfferRequest")


def test_the_docs_page_is_served_from_the_sidecar(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html and "cdn.jsdelivr" not in html and "unpkg.com" not in html
