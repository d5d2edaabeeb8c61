"""The API through the one access path: a read asks for "view", a request that writes for "change",
each narrowed by the token (reviewdesk.access; the token answers ``shop_ids(action)``)."""

from __future__ import annotations

import pytest

from cases.models import ApiToken, Case
from tests.cases.api_cases_support import action_url, case_url, token_client
from tests.cases.workflow_factories import put_in_state, triaged_case

pytestmark = pytest.mark.django_db


def test_a_token_that_may_read_but_not_change_a_shop_reads_its_case_and_acts_on_none(
    shop, make_user, monkeypatch
):
    agent = make_user("agent", shops=[shop])
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    client = token_client(agent, [shop])
    real = ApiToken.shop_ids
    monkeypatch.setattr(
        ApiToken, "shop_ids", lambda self, action="view": set() if action == "change" else real(self, action)
    )
    before = Case.objects.filter(pk=case.pk).values().get()

    assert client.get(case_url(case)).status_code == 200
    refused = client.post(
        action_url(case, "record_contact"),
        {"version": case.version, "channel": "phone", "outcome": "reached", "note": "x"},
        format="json",
    )
    assert refused.status_code == 404
    assert Case.objects.filter(pk=case.pk).values().get() == before
    monkeypatch.undo()
    assert client.get(case_url(case)).status_code == 200
