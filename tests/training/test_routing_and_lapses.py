"""Routing (the intake issue's route_cases) asks training's certification hook; lapses tell supervisors."""

import datetime as dt

from cases.hooks import certification_checks
from cases.models import Notification
from cases.routing.assign import route_cases
from training.certification import certification_check
from training.models import CertificationLapse
from training.periods import parse_period
from training.services import certification_sweep

from .conftest import give_score, make_case, month_key

TODAY = dt.date(2026, 11, 23)


def test_training_registers_its_certification_check():
    assert certification_check in certification_checks.all()


def test_routing_gives_the_case_to_the_certified_agent_only(make_user, shop, product_knowledge):
    uncertified = make_user("agent", shops=[shop], display_name="李明")
    certified = make_user("agent", shops=[shop], display_name="王小丽")
    give_score(uncertified, product_knowledge, month_key(), "94")
    give_score(certified, product_knowledge, month_key(), "95")
    cases = [make_case(shop, status="new") for _ in range(3)]
    outcome = route_cases(case_ids=[c.pk for c in cases])
    assert outcome.assigned == {c.pk: certified.pk for c in cases}
    assert outcome.unassigned == {}


def test_an_uncertified_agent_gets_no_case_and_the_reason_is_kept(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop], display_name="李明")
    old = parse_period(month_key(10))  # valid 90 days after its end: expired long ago
    give_score(agent, product_knowledge, old.key, "99")
    case = make_case(shop, status="new")
    outcome = route_cases(case_ids=[case.pk])
    case.refresh_from_db()
    assert (case.assignee_id, case.status, outcome.assigned) == (None, "new", {})
    until = (old.end + dt.timedelta(days=90)).isoformat()
    assert (
        f"李明（认证未通过：“产品知识”认证已过期：{old.key} 的成绩只在 {until} 之前有效）"
        in outcome.unassigned[case.pk]
    )


def test_legal_tier_cases_go_only_to_lawyers_with_a_negotiation_pass(
    make_user, shop, product_knowledge, negotiation
):
    lawyer_without = make_user("legal", shops=[shop])
    lawyer_with = make_user("legal", shops=[shop])
    for lawyer in (lawyer_without, lawyer_with):
        give_score(lawyer, product_knowledge, month_key(), 96)
    give_score(lawyer_with, negotiation, month_key(), 90)
    case = make_case(shop, status="new", handling_role="legal", is_malicious=True)
    assert route_cases(case_ids=[case.pk]).assigned == {case.pk: lawyer_with.pk}


def test_a_lapse_is_recorded_once_and_the_shops_supervisors_are_told(
    make_user, shop, other_shop, product_knowledge, django_capture_on_commit_callbacks
):
    agent = make_user("agent", shops=[shop], display_name="刘洋")
    supervisor = make_user("supervisor", shops=[shop])
    elsewhere = make_user("supervisor", shops=[other_shop])
    never_passed = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-07", 98)  # valid until 2026-10-29
    give_score(never_passed, product_knowledge, "2026-11", 60)
    assert certification_sweep(on=dt.date(2026, 10, 29)) == []
    with django_capture_on_commit_callbacks(execute=True):
        lapses = certification_sweep(on=TODAY)
    assert [(lapse.agent_id, lapse.state, lapse.reason) for lapse in lapses] == [
        (agent.pk, "expired", "“产品知识”认证已过期：2026-07 的成绩只在 2026-10-29 之前有效。")
    ]
    notes = list(Notification.objects.values_list("user_id", "kind", "title"))
    assert notes == [(supervisor.pk, "certification_lapse", "【认证失效】刘洋：产品知识")]
    assert elsewhere.pk not in {n[0] for n in notes}
    assert CertificationLapse.objects.get().notified is True
    with django_capture_on_commit_callbacks(execute=True):
        assert certification_sweep(on=TODAY) == []
    assert (CertificationLapse.objects.count(), Notification.objects.count()) == (1, 1)


def test_a_new_failing_score_after_a_pass_is_a_lapse(
    make_user, shop, product_knowledge, django_capture_on_commit_callbacks
):
    agent = make_user("agent", shops=[shop])
    make_user("supervisor", shops=[shop])
    give_score(agent, product_knowledge, "2026-10", 98)
    with django_capture_on_commit_callbacks(execute=True):
        give_score(agent, product_knowledge, "2026-11", 90)
        certification_sweep(on=TODAY, agent_ids=[agent.pk])
    lapse = CertificationLapse.objects.get()
    assert (lapse.state, lapse.basis.period) == ("below", "2026-11")


def test_the_certification_reason_quoted_by_routing_reads_in_each_readers_language(
    make_user, shop, product_knowledge
):
    from django.utils import translation

    from cases.models import Assignment
    from reviewdesk.i18n_text import render_text

    make_user("agent", shops=[shop], display_name="李明")  # no score at all
    case = make_case(shop, status="new")
    with translation.override("zh-hans"):
        route_cases(case_ids=[case.pk])
    stored = Assignment.objects.filter(case=case).values_list("reason", flat=True).get()
    assert "未取得“%(module)s”认证：还没有成绩。" in stored and '"trim"' in stored  # msgid and values
    with translation.override("en"):
        english = render_text(stored)
    with translation.override("zh-hans"):
        chinese = render_text(stored)
    # quoted without its full stop, in either language
    assert "(certification not passed: Not certified for “产品知识”: no score yet）" in english.replace(
        "（", "("
    )
    assert "还没有成绩" not in english
    assert "李明（认证未通过：未取得“产品知识”认证：还没有成绩）" in chinese
