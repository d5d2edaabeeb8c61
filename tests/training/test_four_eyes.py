"""F14 (issue #14): nobody enters, imports or QA-scores their own training results; a colleague may."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from training.errors import TrainingError
from training.models import QaReview, Score
from training.services import qa_review_create, score_record

from .conftest import all_pass, make_case
from .test_import import run, xlsx

SELF_MESSAGE = "不能为自己录入成绩(四眼原则)，须由另一位培训负责人录入。"


@pytest.fixture
def supervisor(make_user, shop):
    return make_user("supervisor", shops=[shop], employee_code="S001")


@pytest.fixture
def colleague(make_user, shop):
    return make_user("supervisor", shops=[shop], employee_code="S002")


def test_f14_the_service_refuses_ones_own_score(supervisor, product_knowledge):
    with pytest.raises(ValidationError) as exc:
        score_record(agent=supervisor, module=product_knowledge, period="2026-11", value="100", by=supervisor)
    assert (exc.value.code, exc.value.messages) == (TrainingError.SELF_REVIEW, [SELF_MESSAGE])
    assert Score.objects.count() == 0


def test_f14_the_entry_form_neither_offers_nor_accepts_oneself(
    client, supervisor, colleague, product_knowledge
):
    client.force_login(supervisor)
    page = client.get(reverse("training:score_entry"))
    offered = {choice[0].value for choice in page.context["form"].fields["agent"].choices if choice[0]}

    response = client.post(
        reverse("training:score_entry"),
        {"agent": supervisor.pk, "module": product_knowledge.pk, "period": "2026-11", "value": "100"},
    )

    assert supervisor.pk not in offered and colleague.pk in offered
    assert response.status_code == 200 and "agent" in response.context["form"].errors
    assert Score.objects.count() == 0


def test_f14_a_colleague_enters_it(client, supervisor, colleague, product_knowledge):
    client.force_login(colleague)
    response = client.post(
        reverse("training:score_entry"),
        {"agent": supervisor.pk, "module": product_knowledge.pk, "period": "2026-11", "value": "88"},
    )
    assert response.status_code == 302
    assert list(Score.objects.values_list("agent_id", "recorded_by_id")) == [(supervisor.pk, colleague.pk)]


def test_f14_an_import_with_ones_own_row_names_the_row_and_writes_nothing(supervisor, make_user, shop):
    make_user("agent", shops=[shop], employee_code="A001")
    content = xlsx(
        [["A001", "product_knowledge", "2026-11", 90, ""], ["S001", "product_knowledge", "2026-11", 100, ""]]
    )

    _result, messages = run(content, "scores.xlsx", supervisor)

    assert messages == [f"第3行：{SELF_MESSAGE}"]
    assert Score.objects.count() == 0


def test_f14_nobody_qa_scores_their_own_case(client, supervisor, shop, rubric):
    case = make_case(shop, assignee=supervisor)
    with pytest.raises(ValidationError) as exc:
        qa_review_create(case=case, rubric=rubric, reviewer=supervisor, results=all_pass(rubric))
    assert exc.value.code == TrainingError.SELF_REVIEW

    client.force_login(supervisor)
    data = {"rubric": rubric.pk, **{f"item_{pk}": "1" for pk in all_pass(rubric)}}
    response = client.post(reverse("training:qa_case", args=[case.pk]), data)

    assert response.status_code == 200 and "不能质检自己处理的案件。" in response.content.decode()
    assert QaReview.objects.count() == 0 and Score.objects.count() == 0


def test_f14_the_admin_import_names_ones_own_row_and_writes_nothing(client, make_user, shop):
    manager = make_user("manager", shops=[shop], is_staff=True, employee_code="M001")
    make_user("agent", shops=[shop], employee_code="A001")
    client.force_login(manager)
    upload = io.BytesIO(
        xlsx([["A001", "product_knowledge", "2026-11", 96], ["M001", "product_knowledge", "2026-11", 100]])
    )
    upload.name = "scores.xlsx"
    url = reverse("admin:training_score_import")
    formats = client.get(url).context["form"].fields["format"].choices
    xlsx_format = next(value for value, label in formats if "xlsx" in str(label).lower())

    response = client.post(url, {"import_file": upload, "format": xlsx_format, "resource": "0"})

    assert response.status_code == 200
    assert f"第3行：{SELF_MESSAGE}" in response.content.decode()
    assert Score.objects.count() == 0
