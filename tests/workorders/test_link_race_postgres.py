"""Two submissions of one external link at the same moment (two threads, real commits on PostgreSQL):
exactly one answer is stored, the other is told the link was used; and a member's answer racing the
link's leaves one answer too."""

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseEvent
from tests import default_pack
from tests.factories import ShopFactory, UserFactory
from tests.postgres_race import race
from tests.workorders.support import contact, member, open_case, raise_order
from workorders.models import ExternalLink, WorkOrder
from workorders.services import external_answer, link_token, work_order_answer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 3


def test_one_link_answered_twice_at_once_stores_one_answer():
    default_pack.insert()
    shop = ShopFactory(code="pg-wo-race", platform="taobao", name="工单并发店")
    agent = UserFactory(role="agent", shops=[shop])
    clerk = member(lambda role, shops: UserFactory(role=role, shops=shops), "supplier", shops=[shop])
    supplier = contact()
    for _round in range(ROUNDS):
        order = raise_order(
            open_case(shop, agent), agent, "supplier", "confirm_defect", contact_id=supplier.pk
        )
        token = link_token(ExternalLink.objects.get(work_order=order))

        outcomes = race(
            [
                lambda o=order, t=token: external_answer(order_id=o.pk, token=t, answer="甲"),
                lambda o=order, t=token: external_answer(order_id=o.pk, token=t, answer="乙"),
                lambda o=order: work_order_answer(order_id=o.pk, by=clerk, answer="丙"),
            ]
        )

        wins = [o for o in outcomes if isinstance(o, WorkOrder)]
        refusals = [o for o in outcomes if isinstance(o, ValidationError)]
        assert len(wins) == 1 and len(refusals) == 2
        assert {r.code for r in refusals} <= {"link_used", "already_answered"}
        stored = WorkOrder.objects.get(pk=order.pk)
        assert stored.answer == wins[0].answer
        assert CaseEvent.objects.filter(case_id=order.case_id, action="work_order_answered").count() == 1
