"""GET /api/v1/cases/{id}/compose/: the engine's options, rendered and checked reply drafts, and the
appeal checklist, as the case page offers them; the ids it answers are the ones the actions take."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.api_cases_support import action_url, case_url, session_client
from tests.cases.workflow_factories import put_in_state, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def fresh_case(shop, **fields):
    return triaged_case(shop, received_at=timezone.now() - dt.timedelta(hours=1), **fields)


def test_compose_answers_the_options_drafts_and_checklist_the_actions_take(shop, make_user):
    agent = make_user("agent", shops=[shop])
    case = put_in_state(fresh_case(shop), "verified", agent=agent)
    client = session_client(agent)

    body = client.get(f"{case_url(case)}compose/").json()

    options = body["compensation_options"]
    assert [o["option_id"] for o in options] == [o["option_id"] for o in case.decision["compensation"]]
    assert all(o["amount"] and o["rule"]["model"] for o in options)
    assert body["reply_drafts"] and all(d["text"] and d["template_id"] for d in body["reply_drafts"])
    assert all(f["action"] != "block" for d in body["reply_drafts"] for f in d["compliance"]["findings"])
    assert "完整旺旺聊天截图" in body["appeal"]["evidence_required"]
    extortion = next(r for r in body["appeal"]["reasons"] if r["code"] == "extortion")
    assert (extortion["label"], extortion["evidence_required"]) == (
        "买家利用评价要挟/敲诈",
        ["完整旺旺聊天截图"],
    )
    assert all(o["value_label"] for o in options)

    plain = next(o for o in options if not o["requires_approval"])
    offered = client.post(
        action_url(case, "offer"), {"version": 3, "option_id": plain["option_id"]}, format="json"
    )
    assert offered.status_code == 200 and offered.json()["offers"][-1]["option_id"] == plain["option_id"]


def test_compose_of_another_shops_case_is_not_found(shop, other_shop, make_user):
    agent = make_user("agent", shops=[shop])
    case = fresh_case(other_shop)

    response = session_client(agent).get(f"{case_url(case)}compose/")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
