"""QA reviews: weighted items, the critical item, dispute once, settled by a different supervisor."""

import pytest
from django.core.exceptions import ValidationError

from training.choices import QaStatus
from training.errors import TrainingError
from training.models import QaItemResult, QaReview
from training.services import qa_review_create, qa_review_dispute, qa_review_settle

from .conftest import all_pass, make_case


@pytest.fixture
def team(make_user, shop):
    return {
        "agent": make_user("agent", shops=[shop]),
        "reviewer": make_user("supervisor", shops=[shop]),
        "settler": make_user("supervisor", shops=[shop]),
    }


def scored_review(shop, team, rubric, *, comment: str = "", **failed) -> QaReview:
    """The team's reviewer scores a handled case of the team's agent: every item passed except the
    ones named ``item=False``."""
    return qa_review_create(
        case=make_case(shop, assignee=team["agent"]),
        rubric=rubric,
        reviewer=team["reviewer"],
        results=all_pass(rubric, **failed),
        comment=comment,
    )


def snapshot(review: QaReview):
    review.refresh_from_db()
    return (
        review.status,
        review.total,
        review.final_total,
        review.disputed_at,
        review.settled_by_id,
        review.version,
        review.dispute_reason,
        sorted(review.results.values_list("item_id", "passed", "settled_passed")),
    )


def test_weighted_items_make_the_total(shop, team, rubric):
    review = scored_review(shop, team, rubric, 不找借口=False, comment="解释时提到了快递原因")
    assert (review.total, review.critical_failed, review.status, review.agent_id) == (
        80,
        False,
        QaStatus.SCORED,
        team["agent"].pk,
    )
    assert QaItemResult.objects.filter(review=review).count() == 4


def test_a_failed_critical_item_zeroes_the_review(shop, team, rubric):
    review = scored_review(shop, team, rubric, 合规用语=False)
    assert (review.total, review.critical_failed) == (0, True)


@pytest.mark.parametrize(
    ("case_kwargs", "who", "code", "message"),
    [
        (
            {"status": "in_progress"},
            "reviewer",
            TrainingError.CASE_NOT_HANDLED,
            "只能质检已处理(已解决或已关闭)的案件。",
        ),
        ({"assignee": "reviewer"}, "reviewer", TrainingError.SELF_REVIEW, "不能质检自己处理的案件。"),
        ({}, "agent", TrainingError.NOT_ALLOWED, "你无权质检该案件。"),
        ({"assignee": None}, "reviewer", TrainingError.CASE_NOT_HANDLED, "该案件没有处理人，无法质检。"),
    ],
)
def test_qa_refusals_write_nothing(shop, team, rubric, case_kwargs, who, code, message):
    kwargs = {"assignee": team["agent"], **case_kwargs}
    if kwargs["assignee"] == "reviewer":
        kwargs["assignee"] = team["reviewer"]
    case = make_case(shop, **kwargs)
    with pytest.raises(ValidationError) as exc:
        qa_review_create(case=case, rubric=rubric, reviewer=team[who], results=all_pass(rubric))
    assert (exc.value.code, exc.value.messages) == (code, [message])
    assert QaReview.objects.count() == 0 and QaItemResult.objects.count() == 0


def test_a_supervisor_of_another_shop_cannot_qa(make_user, shop, other_shop, team, rubric):
    outsider = make_user("supervisor", shops=[other_shop])
    with pytest.raises(ValidationError) as exc:
        qa_review_create(
            case=make_case(shop, assignee=team["agent"]),
            rubric=rubric,
            reviewer=outsider,
            results=all_pass(rubric),
        )
    assert exc.value.code == TrainingError.NOT_ALLOWED and QaReview.objects.count() == 0


def test_every_item_must_be_scored(shop, team, rubric):
    results = all_pass(rubric)
    results.pop(rubric.items.get(name="3S致歉").pk)
    with pytest.raises(ValidationError) as exc:
        qa_review_create(
            case=make_case(shop, assignee=team["agent"]),
            rubric=rubric,
            reviewer=team["reviewer"],
            results=results,
        )
    assert exc.value.messages == ["请为每个评分项打分，缺少：3S致歉。"] and QaReview.objects.count() == 0


def test_a_case_is_reviewed_once_per_rubric(shop, team, rubric):
    case = make_case(shop, assignee=team["agent"])
    qa_review_create(case=case, rubric=rubric, reviewer=team["reviewer"], results=all_pass(rubric))
    with pytest.raises(ValidationError) as exc:
        qa_review_create(
            case=case, rubric=rubric, reviewer=team["settler"], results=all_pass(rubric, 不找借口=False)
        )
    assert exc.value.code == TrainingError.ALREADY_REVIEWED
    assert list(QaReview.objects.values_list("reviewer_id", "total")) == [(team["reviewer"].pk, 100)]


def test_the_agent_may_dispute_once_only(shop, team, rubric):
    review = scored_review(shop, team, rubric, 先核实再补偿=False)
    disputed = qa_review_dispute(review=review, by=team["agent"], reason="已先核实物流记录")
    assert (disputed.status, disputed.dispute_reason, disputed.version) == (
        QaStatus.DISPUTED,
        "已先核实物流记录",
        2,
    )
    before = snapshot(review)
    with pytest.raises(ValidationError) as exc:
        qa_review_dispute(review=review, by=team["agent"], reason="再次申诉")
    assert (exc.value.code, exc.value.messages) == (TrainingError.DISPUTE_ONCE, ["每条质检只能申诉一次。"])
    assert snapshot(review) == before
    qa_review_settle(review=review, by=team["settler"], comment="维持")
    before = snapshot(review)
    with pytest.raises(ValidationError) as exc:
        qa_review_dispute(review=review, by=team["agent"], reason="裁定后再申诉")
    assert exc.value.code == TrainingError.DISPUTE_ONCE and snapshot(review) == before


def test_only_the_reviewed_agent_may_dispute(shop, team, rubric, make_user):
    review = scored_review(shop, team, rubric)
    before = snapshot(review)
    for someone in (make_user("agent", shops=[shop]), team["reviewer"]):
        with pytest.raises(ValidationError) as exc:
            qa_review_dispute(review=review, by=someone, reason="不服")
        assert exc.value.messages == ["只有被质检人本人可以申诉。"]
    assert snapshot(review) == before


def test_a_dispute_needs_a_reason(shop, team, rubric):
    review = scored_review(shop, team, rubric)
    before = snapshot(review)
    with pytest.raises(ValidationError) as exc:
        qa_review_dispute(review=review, by=team["agent"], reason="   ")
    assert exc.value.code == TrainingError.REASON_REQUIRED and snapshot(review) == before


def test_the_dispute_is_settled_by_a_different_supervisor(shop, other_shop, team, rubric, make_user):
    review = scored_review(shop, team, rubric, 合规用语=False)
    qa_review_dispute(review=review, by=team["agent"], reason="用语在白名单内")
    before = snapshot(review)
    refusals = [
        (
            team["reviewer"],
            TrainingError.SETTLER_SAME_AS_REVIEWER,
            "申诉须由另一位主管裁定，原质检人不能裁定。",
        ),
        (team["agent"], TrainingError.NOT_ALLOWED, "你无权裁定这条申诉。"),
        (make_user("supervisor", shops=[other_shop]), TrainingError.NOT_ALLOWED, "你无权裁定这条申诉。"),
    ]
    for who, code, message in refusals:
        with pytest.raises(ValidationError) as exc:
            qa_review_settle(review=review, by=who, comment="改判", results=all_pass(rubric))
        assert (exc.value.code, exc.value.messages) == (code, [message])
        assert snapshot(review) == before
    settled = qa_review_settle(
        review=review, by=team["settler"], comment="用语合规，改判", results=all_pass(rubric)
    )
    assert (
        settled.status,
        settled.total,
        settled.final_total,
        settled.final_critical_failed,
        settled.settled_by_id,
    ) == (QaStatus.SETTLED, 0, 100, False, team["settler"].pk)
    assert sorted(settled.results.values_list("passed", "settled_passed")) == [
        (False, True),
        (True, True),
        (True, True),
        (True, True),
    ]
    with pytest.raises(ValidationError) as exc:
        qa_review_settle(review=review, by=team["settler"], comment="再裁定一次")
    assert exc.value.code == TrainingError.WRONG_STATE


def test_an_undisputed_review_cannot_be_settled(shop, team, rubric):
    review = scored_review(shop, team, rubric)
    before = snapshot(review)
    with pytest.raises(ValidationError) as exc:
        qa_review_settle(review=review, by=team["settler"], comment="无申诉")
    assert exc.value.code == TrainingError.WRONG_STATE and snapshot(review) == before


def test_a_stale_form_is_refused(shop, team, rubric):
    review = scored_review(shop, team, rubric)
    qa_review_dispute(review=review, by=team["agent"], reason="不服", expected_version=1)
    before = snapshot(review)
    with pytest.raises(ValidationError) as exc:
        qa_review_settle(review=review, by=team["settler"], comment="维持", expected_version=1)
    assert exc.value.code == TrainingError.STALE and snapshot(review) == before


def test_history_keeps_every_step(shop, team, rubric):
    review = scored_review(shop, team, rubric)
    qa_review_dispute(review=review, by=team["agent"], reason="不服")
    qa_review_settle(review=review, by=team["settler"], comment="维持")
    assert list(review.history.order_by("history_date").values_list("status", flat=True)) == [
        "scored",
        "disputed",
        "settled",
    ]
