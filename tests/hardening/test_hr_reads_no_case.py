"""HR is a member of its shops (payouts are scoped by shop) but works no case: it reads no case, queue,
case API or evidence of those shops, and cannot act on one. A manager of the same shop still can.

The access matrix (test_access_matrix.py) declares the answers per URL; these tests show what is behind
them: the selector, the workflow service, the API list's rows and the navigation."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from cases.errors import WorkflowError as E
from cases.queries import visible_cases
from cases.workflow.services import case_act
from reviewdesk.roles import works_cases
from tests.cases.workflow_factories import NOW, member, snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def people(shop):
    return {"hr": member("hr", shop), "manager": member("manager", shop), "agent": member("agent", shop)}


def test_hr_sees_no_case_of_its_shop_where_the_manager_and_agent_do(shop, people):
    case = triaged_case(shop)
    assert not works_cases(people["hr"])
    assert list(visible_cases(people["hr"])) == []
    assert list(visible_cases(people["manager"]).values_list("pk", flat=True)) == [case.pk]
    assert list(visible_cases(people["agent"]).values_list("pk", flat=True)) == [case.pk]


def test_hr_cannot_claim_a_case_of_its_shop_and_nothing_changes(shop, people):
    case = triaged_case(shop)
    before = snapshot(case.pk)
    with pytest.raises(ValidationError) as caught:
        case_act(case_id=case.pk, action="claim", by=people["hr"], version=case.version, data={}, now=NOW)
    assert caught.value.code == E.NOT_FOUND  # told nothing about the case, as for another shop's id
    assert snapshot(case.pk) == before


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_hr_gets_an_empty_case_list_and_404_on_the_case_in_the_api(shop, people):
    case = triaged_case(shop)
    hr, manager = _client(people["hr"]), _client(people["manager"])
    assert hr.get("/api/v1/cases/", {"scope": "all"}).json()["count"] == 0
    assert manager.get("/api/v1/cases/", {"scope": "all"}).json()["count"] == 1
    assert hr.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert manager.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_hr_is_told_it_has_no_queue_and_the_navigation_offers_none(shop, people):
    case = triaged_case(shop)
    hr = _client(people["hr"])
    response = hr.get("/cases/queue/")
    assert response.status_code == 403
    assert "你的角色不处理案件" in response.content.decode()
    english = hr.get("/cases/queue/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your role does not work cases, so it has no case queue." in english
    assert hr.get(f"/cases/{case.pk}/").status_code == 404
    home = hr.get("/").content.decode()
    assert "/cases/queue/" not in home
    assert "/cases/queue/" in _client(people["agent"]).get("/").content.decode()
