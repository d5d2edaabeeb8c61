"""Who serves a client (a ClientMembership) works every shop of it: routing gives them its cases, the
pickers list them, a supervisor of the client may reassign there, and alerts reach them; a member of
another client, or of an inactive client, is none of these."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.alerts import new_case_alerts, role_members
from cases.choices import CaseStatus
from cases.hooks import certification_checks
from cases.models import Assignment, Case
from cases.routing.assign import RoutingError, case_reassign, route_cases
from cases.routing.eligibility import Problem, standing_of, standings_for_case
from reviewdesk.choices import Role
from reviewdesk.models import Client, ClientMembership
from tests.cases.routing_support import make_case
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def brands(db):
    brand_a = Client.objects.create(code="brand-a", name="品牌甲")
    brand_b = Client.objects.create(code="brand-b", name="品牌乙")
    shop_a = ShopFactory(code="a-tb", name="甲淘宝店", client=brand_a)
    shop_b = ShopFactory(code="b-tb", name="乙淘宝店", client=brand_b)
    return brand_a, brand_b, shop_a, shop_b


def serving(make_user, role, client, **kwargs):
    user = make_user(role, **kwargs)
    ClientMembership.objects.create(client=client, user=user)
    return user


def test_a_client_member_agent_is_routed_the_clients_cases_and_the_other_clients_agent_is_not(
    brands, make_user
):
    brand_a, brand_b, shop_a, shop_b = brands
    agent_a = serving(make_user, "agent", brand_a, display_name="甲客服")
    serving(make_user, "agent", brand_b, display_name="乙客服")
    case = make_case(shop_a)

    outcome = route_cases(case_ids=[case.pk])

    case.refresh_from_db()
    assert outcome.assigned == {case.pk: agent_a.pk}
    assert (case.assignee, case.status) == (agent_a, CaseStatus.ASSIGNED)
    assert Assignment.objects.get(case=case).to_user == agent_a


def test_only_a_member_of_another_client_leaves_the_case_unassigned(brands, make_user):
    brand_a, brand_b, shop_a, shop_b = brands
    serving(make_user, "agent", brand_b)
    case = make_case(shop_a)

    outcome = route_cases(case_ids=[case.pk])

    assert Case.objects.get(pk=case.pk).assignee_id is None
    assert outcome.unassigned == {case.pk: "店铺没有在职的“客服”成员。"}


def test_a_member_of_an_inactive_client_is_not_routed(brands, make_user):
    brand_a, brand_b, shop_a, shop_b = brands
    serving(make_user, "agent", brand_a)
    Client.objects.filter(pk=brand_a.pk).update(active=False)
    case = make_case(shop_a)
    route_cases(case_ids=[case.pk])
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_standing_and_picker_count_a_client_member_as_a_member_of_the_shop(brands, make_user):
    brand_a, brand_b, shop_a, shop_b = brands
    agent_a = serving(make_user, "agent", brand_a, display_name="甲客服")
    agent_b = serving(make_user, "agent", brand_b, display_name="乙客服")
    direct = make_user("agent", shops=[shop_a], display_name="店铺客服")
    case = make_case(shop_a)

    assert standing_of(case=case, user=agent_a).eligible
    assert [r.code for r in standing_of(case=case, user=agent_b).refusals] == [Problem.NOT_MEMBER]
    picker = standings_for_case(case=case, shop_ids=[shop_a.pk])
    assert {s.user_id for s in picker} == {agent_a.pk, direct.pk}
    assert all(s.eligible for s in picker)


def test_the_pickers_queries_do_not_grow_with_client_members(brands, make_user):
    brand_a, brand_b, shop_a, shop_b = brands
    serving(make_user, "agent", brand_a)
    case = make_case(shop_a)

    def counted():
        with CaptureQueriesContext(connection) as captured:
            standings = standings_for_case(case=case, shop_ids=[shop_a.pk])
        return len(captured), len(standings)

    few, one = counted()
    for _ in range(4):
        serving(make_user, "agent", brand_a)
    many, five = counted()
    assert (one, five) == (1, 5)
    assert many == few and few <= 6


def test_a_client_supervisor_reassigns_in_the_clients_shops_and_not_in_the_other_clients(brands, make_user):
    brand_a, brand_b, shop_a, shop_b = brands
    boss_a = serving(make_user, "supervisor", brand_a)
    agent_a = serving(make_user, "agent", brand_a)
    agent_b = make_user("agent", shops=[shop_b])
    mine, theirs = make_case(shop_a), make_case(shop_b)

    case_reassign(case=mine, user=agent_a, by=boss_a)
    assert Case.objects.get(pk=mine.pk).assignee == agent_a

    with pytest.raises(ValidationError) as refused:
        case_reassign(case=theirs, user=agent_b, by=boss_a)
    assert refused.value.code == RoutingError.NOT_ALLOWED
    assert Case.objects.get(pk=theirs.pk).assignee_id is None
    assert not Assignment.objects.filter(case=theirs).exists()


def test_role_members_reads_shop_and_client_members_in_one_query(
    brands, make_user, django_assert_num_queries
):
    brand_a, brand_b, shop_a, shop_b = brands
    boss_a = serving(make_user, "supervisor", brand_a)
    boss_shop = make_user("supervisor", shops=[shop_a])
    boss_b = serving(make_user, "supervisor", brand_b)
    serving(make_user, "agent", brand_a)  # not a supervisor
    with django_assert_num_queries(1):
        found = role_members([(shop_a.pk, str(Role.SUPERVISOR)), (shop_b.pk, str(Role.SUPERVISOR))])
    assert found == {
        (shop_a.pk, str(Role.SUPERVISOR)): {boss_a.pk, boss_shop.pk},
        (shop_b.pk, str(Role.SUPERVISOR)): {boss_b.pk},
    }


def test_new_case_alerts_reach_the_clients_supervisors_and_no_other_clients(brands, make_user):
    brand_a, brand_b, shop_a, shop_b = brands
    boss_a = serving(make_user, "supervisor", brand_a)
    boss_b = serving(make_user, "supervisor", brand_b)
    case = make_case(shop_a)

    (alert,) = new_case_alerts([case.pk])

    assert alert.shop_id == shop_a.pk
    assert boss_a.pk in alert.user_ids and boss_b.pk not in alert.user_ids
