"""The workflow demo leaves a case in every state, with timelines, and is idempotent."""

import pytest

from cases.choices import CaseStatus
from cases.demo_workflow import build_workflow_demo
from cases.models import Appeal, Case, CaseEvent, CompensationOffer, Evidence, FollowUpTask, Reply
from reviewdesk.demo import ensure_demo_org
from tests.cases.workflow_factories import seeded, seeded_pack  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


class Out:
    def __init__(self):
        self.lines = []

    def write(self, text):
        self.lines.append(text)


def test_demo_cases_in_every_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    shops, users = ensure_demo_org()
    out = Out()
    build_workflow_demo(shops=shops, users=users, stdout=out)
    demo = Case.objects.filter(review__external_id__startswith="wf-demo-")
    for shop in (shops["tb-home"], shops["dy-fashion"]):
        assert set(demo.filter(shop=shop).values_list("status", flat=True)) == set(CaseStatus.values)
    assert CompensationOffer.objects.filter(case__in=demo, status="pending_approval").count() == 2
    assert CompensationOffer.objects.filter(case__in=demo, buyer_answer="declined").exists()
    assert Reply.objects.filter(case__in=demo, channel="public_reply").count() == 4
    assert (
        Appeal.objects.filter(case__in=demo).count() == 2
        and Evidence.objects.filter(case__in=demo).count() == 4
    )
    tb_tasks = FollowUpTask.objects.filter(case__in=demo, case__shop=shops["tb-home"])
    assert tb_tasks.exclude(skipped_reason="").exists()
    assert (
        not FollowUpTask.objects.filter(case__in=demo, case__shop=shops["dy-fashion"])
        .exclude(skipped_reason="")
        .exists()
    )
    closed = demo.get(shop=shops["tb-home"], status="closed")
    assert list(CaseEvent.objects.filter(case=closed).values_list("action", flat=True)) == [
        "claim",
        "record_contact",
        "buyer_replied",
        "verify",
        "offer",
        "buyer_accepts",
        "public_reply",
        "resolve",
        "close",
    ]
    counts = (demo.count(), CaseEvent.objects.count(), Evidence.objects.count())
    build_workflow_demo(shops=shops, users=users, stdout=Out())
    assert (demo.count(), CaseEvent.objects.count(), Evidence.objects.count()) == counts
