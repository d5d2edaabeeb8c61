"""Two people act on one case at the same moment (two threads, real commits on PostgreSQL): exactly
one wins; the other is told the case changed (STALE) and nothing it wrote survives."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from cases.errors import WorkflowError as E
from cases.models import Case, CaseEvent, CompensationOffer
from cases.workflow.compose import offer_options
from cases.workflow.services import case_act
from tests import default_pack
from tests.cases.workflow_factories import NOW, member, put_in_state, triaged_case
from tests.factories import ShopFactory
from tests.postgres_race import race, sessions_waiting_on_a_lock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 5


def test_two_offers_at_once_exactly_one_wins():
    default_pack.insert()
    shop = ShopFactory(code="pg-wf-race", platform="taobao", name="并发店铺")
    agent, supervisor = member("agent", shop), member("supervisor", shop)
    for _round in range(ROUNDS):
        case = put_in_state(triaged_case(shop, amount="99.00"), "verified", agent=agent)
        names = {o.name: o.option_id for o in offer_options(case)}
        mine, theirs = names["补发 + 10元优惠券"], names["无理由补发(顺丰包邮，48小时内发货)"]

        def offer(by, option_id, case_id=case.pk):
            return case_act(
                case_id=case_id, action="offer", by=by, version=3, data={"option_id": option_id}, now=NOW
            )

        outcomes = race(
            [lambda mine=mine: offer(agent, mine), lambda theirs=theirs: offer(supervisor, theirs)]
        )

        winners = [o for o in outcomes if isinstance(o, Case)]
        losers = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0].code == E.STALE
        assert losers[0].messages == [f"案件#{case.pk}刚被其他人更新，请刷新后重试。"]
        winner_index = outcomes.index(winners[0])
        winning_option = (mine, theirs)[winner_index]
        winning_user = (agent, supervisor)[winner_index]
        stored = Case.objects.get(pk=case.pk)
        assert (stored.status, stored.version) == ("offered", 4)
        offers = list(CompensationOffer.objects.filter(case=case).values_list("option_id", "requested_by_id"))
        assert offers == [(winning_option, winning_user.pk)]  # the loser's offer row was rolled back
        events = list(CaseEvent.objects.filter(case=case).values_list("action", "actor_id", "version"))
        assert events == [("offer", winning_user.pk, 4)]


def test_claim_race_one_owner():
    default_pack.insert()
    shop = ShopFactory(code="pg-wf-claim", platform="taobao", name="并发店铺2")
    first, second = member("agent", shop), member("agent", shop)
    case = triaged_case(shop)
    outcomes = race(
        [
            lambda: case_act(case_id=case.pk, action="claim", by=first, version=1, data={}, now=NOW),
            lambda: case_act(case_id=case.pk, action="claim", by=second, version=1, data={}, now=NOW),
        ]
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Case", "ValidationError"]
    loser = next(o for o in outcomes if isinstance(o, ValidationError))
    assert loser.code in (E.STALE, E.ALREADY_CLAIMED)
    stored = Case.objects.get(pk=case.pk)
    assert stored.version == 2 and stored.assignee_id in (first.pk, second.pk)
    assert CaseEvent.objects.filter(case=case).count() == 1
    assert stored.assignments.count() == 1


def test_the_loser_waits_on_the_winners_lock_then_writes_nothing():
    """Deterministic interleaving: both pass the version check; the second's UPDATE waits on the
    first's uncommitted row lock and, once the first commits, matches no row (STALE)."""
    default_pack.insert()
    shop = ShopFactory(code="pg-wf-lock", platform="taobao", name="并发店铺3")
    agent, supervisor = member("agent", shop), member("supervisor", shop)
    case = put_in_state(triaged_case(shop, amount="99.00"), "verified", agent=agent)
    names = {o.name: o.option_id for o in offer_options(case)}
    acted, release = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():  # hold the winner's transaction open until told to commit
                outcomes["first"] = case_act(
                    case_id=case.pk,
                    action="offer",
                    by=agent,
                    version=3,
                    data={"option_id": names["补发 + 10元优惠券"]},
                    now=NOW,
                )
                acted.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        acted.wait(10)
        try:
            case_act(
                case_id=case.pk,
                action="offer",
                by=supervisor,
                version=3,
                data={"option_id": names["无理由补发(顺丰包邮，48小时内发货)"]},
                now=NOW,
            )
        except ValidationError as exc:
            outcomes["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    acted.wait(10)
    waiting = sessions_waiting_on_a_lock()
    assert waiting == 1
    release.set()
    for thread in threads:
        thread.join()

    assert isinstance(outcomes["first"], Case) and outcomes["second"].code == E.STALE
    assert list(CompensationOffer.objects.filter(case=case).values_list("requested_by_id", flat=True)) == [
        agent.pk
    ]
    assert list(CaseEvent.objects.filter(case=case).values_list("actor_id", flat=True)) == [agent.pk]
    assert Case.objects.get(pk=case.pk).version == 4
