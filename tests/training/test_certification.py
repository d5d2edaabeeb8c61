"""Certification edge cases: the rules of training/certification.py, each proven on its boundary."""

import datetime as dt

from training.certification import certification_check, statuses_for
from training.choices import CertificationState, QaStatus
from training.models import ModuleRequirement, Score, TrainingModule
from training.services import qa_review_create, qa_review_dispute, qa_review_settle

from .conftest import all_pass, give_score, make_case

NOV_15 = dt.date(2026, 11, 15)


def check(user, shop, *, role="agent", on=NOV_15):
    return certification_check(user, shop_id=shop.pk, issue_type_code=None, handling_role=role, on=on)


def test_exactly_at_the_threshold_passes(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-11", "95.00")
    assert check(agent, shop) is None


def test_just_below_the_threshold_fails_with_the_reason(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-11", "94.99")
    assert check(agent, shop) == "未取得“产品知识”认证：2026-11 成绩 94.99%，要求 ≥ 95%。"


def test_lower_is_better_module_passes_exactly_at_its_threshold(make_user, shop):
    agent = make_user("agent", shops=[shop])
    response_time = TrainingModule.objects.get(code="first_response_time")  # ≤ 120 minutes
    give_score(agent, response_time, "2026-11", "120")
    give_score(make_user("agent", shops=[shop]), response_time, "2026-11", "120.01")
    statuses = statuses_for(Score.objects.values_list("agent_id", flat=True), [response_time], NOV_15)
    assert sorted(s[response_time.pk].state for s in statuses.values()) == [
        CertificationState.BELOW,
        CertificationState.PASSED,
    ]


def test_validity_counts_from_the_end_of_the_period_and_then_expires(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-06", "98")  # period ends 06-30; valid 90 days → 09-28
    assert check(agent, shop, on=dt.date(2026, 9, 28)) is None
    assert (
        check(agent, shop, on=dt.date(2026, 9, 29))
        == "“产品知识”认证已过期：2026-06 的成绩只在 2026-09-28 之前有效。"
    )


def test_a_new_period_without_scores_falls_back_to_the_latest_valid_score(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-09", "90")
    give_score(agent, product_knowledge, "2026-10", "97")
    status = statuses_for([agent.pk], [product_knowledge], NOV_15)[agent.pk][product_knowledge.pk]
    assert (status.state, status.score.period, status.valid_until) == (
        "passed",
        "2026-10",
        dt.date(2027, 1, 29),
    )
    assert check(agent, shop) is None


def test_a_newer_failing_score_outweighs_an_older_pass(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-10", "99")
    give_score(agent, product_knowledge, "2026-11", "80")
    assert check(agent, shop) == "未取得“产品知识”认证：2026-11 成绩 80.00%，要求 ≥ 95%。"


def test_a_score_of_a_period_not_yet_started_does_not_count(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-12", "99")
    assert check(agent, shop) == "未取得“产品知识”认证：还没有成绩。"


def test_within_a_period_the_latest_recorded_source_counts(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    earlier = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    give_score(agent, product_knowledge, "2026-11", "99", source="import", recorded_at=earlier)
    give_score(
        agent,
        product_knowledge,
        "2026-11",
        "90",
        source="trainer",
        recorded_at=earlier + dt.timedelta(days=1),
    )
    assert check(agent, shop).startswith("未取得“产品知识”认证：2026-11 成绩 90.00%")


def test_a_module_added_later_without_scores_is_not_certified(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    give_score(agent, product_knowledge, "2026-11", "99")
    assert check(agent, shop) is None
    compliance = TrainingModule.objects.create(
        code="compliance",
        name="平台规则合规",
        format="exam",
        kpi="合规考试",
        threshold=90,
        period_kind="monthly",
    )
    ModuleRequirement.objects.create(module=compliance, handling_role="agent")
    assert check(agent, shop) == "未取得“平台规则合规”认证：还没有成绩。"
    assert check(agent, shop, role="supervisor") is None  # the new requirement names the agent role only
    give_score(agent, compliance, "2026-11", "90")
    assert check(agent, shop) is None


def test_an_inactive_requirement_or_module_is_ignored(make_user, shop, product_knowledge):
    agent = make_user("agent", shops=[shop])
    assert check(agent, shop) is not None
    product_knowledge.active = False
    product_knowledge.save()
    assert check(agent, shop) is None


def test_legal_tier_cases_also_need_negotiation(make_user, shop, product_knowledge, negotiation):
    lawyer = make_user("legal", shops=[shop])
    give_score(lawyer, product_knowledge, "2026-11", "96")
    assert check(lawyer, shop, role="agent") is None
    assert check(lawyer, shop, role="legal") == "未取得“谈判技巧”认证：还没有成绩。"
    give_score(lawyer, negotiation, "2026-11", "85")
    assert check(lawyer, shop, role="legal") is None


def test_a_shop_specific_requirement_applies_to_that_shop_only(
    make_user, shop, other_shop, negotiation, product_knowledge
):
    agent = make_user("agent", shops=[shop, other_shop])
    give_score(agent, product_knowledge, "2026-11", "96")
    ModuleRequirement.objects.create(module=negotiation, shop=other_shop)
    assert check(agent, shop) is None
    assert check(agent, other_shop) == "未取得“谈判技巧”认证：还没有成绩。"


def test_a_disputed_qa_review_does_not_count_until_settled(make_user, shop, emotion, rubric):
    """QA feeds 情绪管理 with the pass rate of counting reviews (total ≥ 80)."""
    agent = make_user("agent", shops=[shop])
    reviewer, settler = make_user("supervisor", shops=[shop]), make_user("supervisor", shops=[shop])
    good = qa_review_create(
        case=make_case(shop, assignee=agent), rubric=rubric, reviewer=reviewer, results=all_pass(rubric)
    )
    bad = qa_review_create(
        case=make_case(shop, assignee=agent),
        rubric=rubric,
        reviewer=reviewer,
        results=all_pass(rubric, 合规用语=False),
    )
    assert (good.total, bad.total) == (100, 0)

    def qa_score():
        return (
            Score.objects.filter(agent=agent, module=emotion, source="qa")
            .values_list("value", "sample_size")
            .get()
        )

    assert qa_score() == (50, 2)
    qa_review_dispute(review=bad, by=agent, reason="话术是平台允许的致歉模板")
    assert qa_score() == (100, 1)  # the disputed review is out until settled
    settled = qa_review_settle(review=bad, by=settler, comment="模板合规，改判合格", results=all_pass(rubric))
    assert (settled.status, settled.final_total) == (QaStatus.SETTLED, 100)
    assert qa_score() == (100, 2)


def test_a_dispute_upheld_counts_the_original_result_again(make_user, shop, emotion, rubric):
    agent = make_user("agent", shops=[shop])
    reviewer, settler = make_user("supervisor", shops=[shop]), make_user("supervisor", shops=[shop])
    review = qa_review_create(
        case=make_case(shop, assignee=agent),
        rubric=rubric,
        reviewer=reviewer,
        results=all_pass(rubric, 合规用语=False),
    )
    qa_review_dispute(review=review, by=agent, reason="不同意")
    assert not Score.objects.filter(agent=agent, module=emotion, source="qa").exists()
    qa_review_settle(review=review, by=settler, comment="维持原判")
    assert Score.objects.filter(agent=agent, module=emotion, source="qa").values_list(
        "value", "sample_size"
    ).get() == (0, 1)
