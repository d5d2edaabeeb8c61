"""Who sees what: agents only themselves, supervisors only agents of their shops; role gates."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from training.models import Score

from .conftest import all_pass, give_score, make_case, month_key


@pytest.fixture
def people(make_user, shop, other_shop):
    return {
        "agent": make_user("agent", shops=[shop], display_name="王小丽", employee_code="A001"),
        "colleague": make_user("agent", shops=[shop], display_name="李明", employee_code="A002"),
        "stranger": make_user("agent", shops=[other_shop], display_name="外店客服", employee_code="B001"),
        "supervisor": make_user("supervisor", shops=[shop]),
        "hr": make_user("hr", shops=[shop]),
    }


def test_an_agent_sees_only_their_own_scorecard(client, people):
    client.force_login(people["agent"])
    assert client.get(reverse("training:my_scorecard")).status_code == 200
    assert client.get(reverse("training:agent_scorecard", args=[people["agent"].pk])).status_code == 200
    assert client.get(reverse("training:agent_scorecard", args=[people["colleague"].pk])).status_code == 404


def test_a_supervisor_sees_agents_of_their_shops_only(client, people):
    client.force_login(people["supervisor"])
    assert client.get(reverse("training:agent_scorecard", args=[people["agent"].pk])).status_code == 200
    assert client.get(reverse("training:agent_scorecard", args=[people["stranger"].pk])).status_code == 404


def test_the_team_view_lists_own_shops_agents_and_who_is_below(client, people, product_knowledge):
    give_score(people["agent"], product_knowledge, month_key(), 96)
    give_score(people["colleague"], product_knowledge, month_key(), 90)
    give_score(people["stranger"], product_knowledge, month_key(), 99)
    client.force_login(people["supervisor"])
    response = client.get(reverse("training:team"))
    assert response.status_code == 200
    rows = {row["agent"].display_name: row for row in response.context["rows"]}
    assert "外店客服" not in rows and {"王小丽", "李明"} <= set(rows)
    assert "产品知识" not in {s.module.name for s in rows["王小丽"]["below"]}
    assert "产品知识" in {s.module.name for s in rows["李明"]["below"]}
    assert any("产品知识" in label for label in rows["王小丽"]["certified_for"])
    assert not any("产品知识" in label for label in rows["李明"]["certified_for"])


def test_agents_cannot_open_team_entry_or_export(client, people):
    client.force_login(people["agent"])
    for name in ("training:team", "training:score_entry", "training:score_export", "training:qa_queue"):
        assert client.get(reverse(name)).status_code == 403, name


def test_a_trainer_enters_a_score_for_an_agent_of_their_shop(client, people, product_knowledge):
    client.force_login(people["supervisor"])
    response = client.post(
        reverse("training:score_entry"),
        {
            "agent": people["agent"].pk,
            "module": product_knowledge.pk,
            "period": "2026-11",
            "value": "97.5",
            "note": "补考",
        },
    )
    assert response.status_code == 302
    assert list(Score.objects.values_list("agent_id", "value", "source", "recorded_by_id")) == [
        (people["agent"].pk, 97.5, "trainer", people["supervisor"].pk)
    ]


def test_a_trainer_cannot_enter_a_score_for_another_shops_agent(client, people, product_knowledge):
    client.force_login(people["supervisor"])
    response = client.post(
        reverse("training:score_entry"),
        {"agent": people["stranger"].pk, "module": product_knowledge.pk, "period": "2026-11", "value": "97"},
    )
    assert response.status_code == 200 and "agent" in response.context["form"].errors
    assert Score.objects.count() == 0


def test_an_out_of_range_entry_is_refused_with_a_message(client, people, product_knowledge):
    client.force_login(people["supervisor"])
    response = client.post(
        reverse("training:score_entry"),
        {"agent": people["agent"].pk, "module": product_knowledge.pk, "period": "2026-11", "value": "120"},
    )
    assert response.context["form"].non_field_errors() == [
        "成绩 120 超出范围：“产品知识”的成绩应在 0 到 100 之间。"
    ]
    assert Score.objects.count() == 0


def test_hr_exports_the_period_as_xlsx_with_numbers_and_neutralised_text(client, people, product_knowledge):
    people["agent"].display_name = '=HYPERLINK("http://x")'
    people["agent"].save()
    give_score(people["agent"], product_knowledge, "2026-11", 96)
    give_score(people["stranger"], product_knowledge, "2026-11", 99)
    give_score(people["agent"], product_knowledge, "2026-10", 80)
    client.force_login(people["hr"])
    response = client.get(reverse("training:score_export"), {"period": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="training-scores-2026-11.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:9] == ("工号", "姓名", "模块代码", "模块", "周期", "成绩", "单位", "达标线", "是否达标")
    assert len(rows) == 2  # the other shop's agent and the other period are left out
    assert rows[1][:9] == (
        "A001",
        '\'=HYPERLINK("http://x")',
        "product_knowledge",
        "产品知识",
        "2026-11",
        96,
        "%",
        95,
        "达标",
    )
    assert sheet.cell(row=2, column=2).data_type == "s" and sheet.cell(row=2, column=6).data_type == "n"


def test_a_bad_export_period_gets_a_message(client, people):
    client.force_login(people["hr"])
    response = client.get(reverse("training:score_export"), {"period": "11月"})
    assert response.status_code == 200
    assert response.context["form"].errors["period"] == [
        "周期“11月”无效：月度写作 2026-11，周度写作 2026-W47。"
    ]


def test_qa_pages_respect_shops_and_roles(client, people, rubric, make_user, other_shop):
    case = make_case(people["agent"].memberships.first().shop, assignee=people["agent"])
    outsider = make_user("supervisor", shops=[other_shop])
    client.force_login(outsider)
    assert client.get(reverse("training:qa_case", args=[case.pk])).status_code == 404
    client.force_login(people["agent"])
    assert client.get(reverse("training:qa_case", args=[case.pk])).status_code == 404
    client.force_login(people["supervisor"])
    data = {"rubric": rubric.pk, "comment": "不错"} | {
        f"item_{pk}": "1" if ok else "0" for pk, ok in all_pass(rubric, 不找借口=False).items()
    }
    response = client.post(reverse("training:qa_case", args=[case.pk]), data)
    review = case.qa_reviews.get()
    assert response.status_code == 302 and review.total == 80
    client.force_login(people["colleague"])
    assert client.get(reverse("training:qa_review", args=[review.pk])).status_code == 404
    client.force_login(people["agent"])
    page = client.get(reverse("training:qa_review", args=[review.pk]))
    assert page.status_code == 200 and "dispute_form" in page.context
    response = client.post(
        reverse("training:qa_dispute", args=[review.pk]), {"version": review.version, "reason": "已道歉"}
    )
    review.refresh_from_db()
    assert response.status_code == 302 and review.status == "disputed"
