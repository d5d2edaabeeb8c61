"""The workflow demo: its reviews arrive in the shop's export (intake), routing gives each case to the
shop's team, and the assignee brings it to every state a worked case reaches, with timelines; it is
idempotent. Transactional: routing runs after the import's commit, as in `make run`."""

import io

import pytest

from cases.choices import CaseStatus
from cases.demo_workflow import build_workflow_demo
from cases.models import (
    Appeal,
    Assignment,
    Case,
    CaseEvent,
    CompensationOffer,
    Evidence,
    FollowUpTask,
    Reply,
)
from reviewdesk.demo import ensure_demo_org
from training.demo import build_training_team

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_cases_routed_and_worked_into_every_state(settings, tmp_path):
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    call_command("seed_policies", stdout=io.StringIO())
    shops, users = ensure_demo_org()
    build_training_team(shops=shops, users=users, stdout=io.StringIO())
    build_workflow_demo(shops=shops, users=users, stdout=io.StringIO())
    demo = Case.objects.filter(review__order_no__startswith="WF")
    worked_states = set(CaseStatus.values) - {CaseStatus.NEW}
    for shop in (shops["tb-home"], shops["dy-fashion"]):
        assert set(demo.filter(shop=shop).values_list("status", flat=True)) == worked_states
    # Nobody claimed: routing gave every case to someone of the shop's team, before any action.
    assert demo.count() == 24
    assert (
        Assignment.objects.filter(case__in=demo, to_user__isnull=False, by__isnull=True)
        .values("case")
        .distinct()
        .count()
        == 24
    )
    assert not CaseEvent.objects.filter(case__in=demo, action="claim").exists()
    assert CompensationOffer.objects.filter(case__in=demo, status="pending_approval").count() == 2
    assert CompensationOffer.objects.filter(case__in=demo, buyer_answer="declined").exists()
    assert Reply.objects.filter(case__in=demo, channel="public_reply").count() == 4
    # One appeal per shop, for extortion: one file per item of that reason's checklist on the platform
    # (Douyin: 飞鸽 chat and the call recording; Taobao: the complete 旺旺 chat), nothing another reason needs.
    appeals = Appeal.objects.filter(case__in=demo)
    assert sorted(a.checklist["reason"] for a in appeals) == ["extortion", "extortion"]
    required = sorted(item for a in appeals for item in a.checklist["evidence_required"])
    assert required == ["完整旺旺聊天截图", "通话录音", "飞鸽聊天记录"]
    assert sorted(Evidence.objects.filter(case__in=demo).values_list("checklist_item", flat=True)) == required
    tb_tasks = FollowUpTask.objects.filter(case__in=demo, case__shop=shops["tb-home"])
    assert tb_tasks.exclude(skipped_reason="").exists()
    assert (
        not FollowUpTask.objects.filter(case__in=demo, case__shop=shops["dy-fashion"])
        .exclude(skipped_reason="")
        .exists()
    )
    closed = demo.get(shop=shops["tb-home"], status="closed")
    actions = list(
        CaseEvent.objects.filter(case=closed).order_by("at", "pk").values_list("action", flat=True)
    )
    worked = [a for a in actions if a not in ("assign", "not_routed")]  # routing's own timeline rows
    assert worked == [
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
    build_workflow_demo(shops=shops, users=users, stdout=io.StringIO())
    assert (demo.count(), CaseEvent.objects.count(), Evidence.objects.count()) == counts
