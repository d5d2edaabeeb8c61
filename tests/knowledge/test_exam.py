"""The product exam: a paper drawn and shuffled per attempt (stored), a server-side deadline, scoring,
one submission, the cooling-off before a retake, and the result in training's 产品知识 module, which
certification and routing read."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.routing.eligibility import certification_problem
from knowledge.choices import QuestionKind
from knowledge.models import ExamAttempt
from knowledge.services import exam_start, exam_submit, question_save
from knowledge.services.exam import score_of
from tests.knowledge.support import line_with_bank, right_answers, write
from training.certification import module_status
from training.models import Score, TrainingModule

pytestmark = pytest.mark.django_db


def module():
    return TrainingModule.objects.get(code="product_knowledge")


def certified(agent) -> bool:
    score = Score.objects.filter(agent=agent, module=module()).order_by("-recorded_at").first()
    return module_status(module(), score, timezone.localdate()).passed


def test_the_paper_is_drawn_shuffled_and_stored_per_attempt(seeded, shop, agent, manager):
    line = line_with_bank(manager, shop, questions=6, question_count=4)
    attempt = exam_start(agent=agent, line=line)
    assert len(attempt.paper) == 4 and len({e["q"] for e in attempt.paper}) == 4
    assert all(sorted(e["order"]) == [0, 1, 2] for e in attempt.paper)
    assert exam_start(agent=agent, line=line).pk == attempt.pk  # the open sitting, not a second paper
    assert ExamAttempt.objects.count() == 1
    orders = set()
    for _n in range(12):  # other agents' papers differ in questions or order (seeded per attempt)
        from tests.factories import UserFactory

        other = UserFactory(role="agent", shops=[shop])
        orders.add(str(exam_start(agent=other, line=line).paper))
    assert len(orders) > 1


def test_a_full_score_passes_and_certifies_for_routing(seeded, client, shop, agent, manager):
    line = line_with_bank(manager, shop, questions=4)
    assert not certified(agent)
    before = certification_problem(agent, shop_id=shop.pk, issue_type_code=None, handling_role="agent")
    assert "产品知识" in str(before)  # routing refuses him a case until he passes
    client.force_login(agent)
    response = client.post(reverse("knowledge:exam_start", kwargs={"pk": line.pk}))
    attempt = ExamAttempt.objects.get()
    assert response["Location"] == reverse("knowledge:exam_attempt", kwargs={"pk": attempt.pk})
    page = client.get(response["Location"]).content.decode()
    assert page.count('class="card exam-question"') == 4
    body = {f"q{pk}": values for pk, values in right_answers(attempt).items()}
    client.post(reverse("knowledge:exam_attempt", kwargs={"pk": attempt.pk}), body)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed, attempt.correct_count) == (Decimal("100.00"), True, 4)
    score = Score.objects.get(agent=agent, module=module())
    assert score.value == Decimal("100.00") and score.recorded_by is None and "连衣裙" in score.note
    assert certified(agent)
    assert certification_problem(agent, shop_id=shop.pk, issue_type_code=None, handling_role="agent") is None


def test_below_the_pass_mark_fails_and_the_retake_waits_for_the_cooling_off(seeded, shop, agent, manager):
    line = line_with_bank(manager, shop, questions=20)
    start = timezone.now()
    attempt = exam_start(agent=agent, line=line, now=start)
    answers = right_answers(attempt)
    wrong = next(iter(answers))
    answers[wrong] = ["1"]  # 19 of 20: 95 % — exactly the pass mark passes
    attempt = exam_submit(attempt=attempt, by=agent, answers=answers, now=start + dt.timedelta(minutes=5))
    assert (attempt.score, attempt.passed) == (Decimal("95.00"), True)
    with pytest.raises(ValidationError) as caught:
        exam_start(agent=agent, line=line, now=start + dt.timedelta(hours=23))
    assert "重考须间隔24小时" in str(caught.value)
    assert ExamAttempt.objects.count() == 1
    second = exam_start(agent=agent, line=line, now=start + dt.timedelta(hours=24, minutes=6))
    answers = right_answers(second)
    for key in list(answers)[:2]:
        answers[key] = ["2"]
    second = exam_submit(
        attempt=second, by=agent, answers=answers, now=start + dt.timedelta(hours=24, minutes=8)
    )
    assert (second.score, second.passed) == (Decimal("90.00"), False)
    assert Score.objects.get(agent=agent, module=module()).value == Decimal("90.00")  # the latest counts
    assert not certified(agent)


def test_answers_after_the_deadline_are_refused_and_count_as_timed_out(seeded, shop, agent, manager):
    line = line_with_bank(manager, shop, questions=3, duration_minutes=10)
    start = timezone.now()
    attempt = exam_start(agent=agent, line=line, now=start)
    with pytest.raises(ValidationError) as caught:
        exam_submit(
            attempt=attempt, by=agent, answers=right_answers(attempt), now=start + dt.timedelta(minutes=11)
        )
    assert "已超过考试截止时间" in str(caught.value)
    attempt.refresh_from_db()
    assert (attempt.timed_out, attempt.score, attempt.passed, attempt.answers) == (
        True,
        Decimal("0.00"),
        False,
        {},
    )
    assert Score.objects.get(agent=agent, module=module()).value == Decimal("0.00")


def test_an_attempt_is_submitted_once_and_only_by_its_agent(seeded, shop, agent, manager, make_user):
    line = line_with_bank(manager, shop, questions=3)
    attempt = exam_start(agent=agent, line=line)
    colleague = make_user("agent", shops=[shop])
    with pytest.raises(ValidationError):
        exam_submit(attempt=attempt, by=colleague, answers=right_answers(attempt))
    stale = ExamAttempt.objects.get(pk=attempt.pk)  # a second tab holding the open attempt
    exam_submit(attempt=attempt, by=agent, answers=right_answers(attempt))
    with pytest.raises(ValidationError) as caught:
        exam_submit(attempt=stale, by=agent, answers={})
    assert "不能重复提交" in str(caught.value)
    stale.refresh_from_db()
    assert stale.score == Decimal("100.00")
    assert Score.objects.filter(agent=agent, module=module()).count() == 1


def test_multiple_choice_needs_exactly_the_right_set(seeded, shop, agent, manager):
    line = line_with_bank(manager, shop, questions=0)
    article = write(manager, shop=shop, product_line=line, title="面料成分", body="棉和麻。")
    question = question_save(
        article=article,
        by=manager,
        kind=QuestionKind.MULTIPLE,
        text="面料含有？",
        options=["棉", "麻", "涤纶"],
        correct=[0, 1],
    )
    attempt = exam_start(agent=agent, line=line)
    assert score_of(attempt, {str(question.pk): ["0"]})[0] == 0
    assert score_of(attempt, {str(question.pk): ["0", "1", "2"]})[0] == 0
    assert score_of(attempt, {str(question.pk): ["1", "0"]})[0] == 1
    with pytest.raises(ValidationError):
        score_of(attempt, {str(question.pk): ["7"]})
    with pytest.raises(ValidationError):
        score_of(attempt, {"999999": ["0"]})


def test_a_bad_question_is_refused_in_words(seeded, shop, manager, agent):
    article = write(manager, shop=shop)
    with pytest.raises(ValidationError) as caught:
        question_save(
            article=article,
            by=manager,
            kind=QuestionKind.SINGLE,
            text="?",
            options=["a", "b"],
            correct=[0, 1],
        )
    assert "只有一个正确答案" in str(caught.value)
    with pytest.raises(ValidationError):
        question_save(
            article=article, by=agent, kind=QuestionKind.TRUE_FALSE, text="对吗", options=[], correct=[0]
        )
    assert not article.questions.exists()


def test_another_agents_attempt_is_a_404_and_hr_sits_no_exam(seeded, client, shop, agent, manager, make_user):
    line = line_with_bank(manager, shop, questions=2)
    attempt = exam_start(agent=agent, line=line)
    client.force_login(make_user("agent", shops=[shop]))
    assert client.get(reverse("knowledge:exam_attempt", kwargs={"pk": attempt.pk})).status_code == 404
    assert client.post(reverse("knowledge:exam_attempt", kwargs={"pk": attempt.pk}), {}).status_code == 404
    client.force_login(make_user("hr", shops=[shop]))
    assert client.post(reverse("knowledge:exam_start", kwargs={"pk": line.pk})).status_code == 403
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
