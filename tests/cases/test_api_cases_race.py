"""Two API clients act on one case at the same moment with the same version: exactly one wins (200),
the other is told the case changed (409), and the case moved once. Real commits on PostgreSQL."""

import threading

import pytest
from django.db import connection

from cases.models import Case, CaseEvent
from tests.cases.api_cases_support import action_url, session_client
from tests.cases.routing_support import make_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_clients_race_on_one_case_exactly_one_wins(shop, make_user):
    agent = make_user("agent", shops=[shop])
    supervisor = make_user("supervisor", shops=[shop])
    case = make_case(shop)
    requests = [
        (session_client(agent), "claim", {"version": 1}),
        (session_client(supervisor), "close", {"version": 1, "note": "重复案件"}),
    ]
    barrier = threading.Barrier(len(requests))
    answers: dict[str, int] = {}

    def act(client, action, body):
        try:
            barrier.wait(timeout=10)
            answers[action] = client.post(action_url(case, action), body, format="json").status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(answers.values()) == [200, 409]
    winner = next(action for action, status in answers.items() if status == 200)
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == 2
    assert stored.status == {"claim": "assigned", "close": "closed"}[winner]
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [winner]
