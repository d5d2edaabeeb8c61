"""CSAT from satisfaction surveys recorded on cases, offer acceptance from the workspace's offers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import CompensationOfferFactory
from training.certification import certification_check
from training.models import SatisfactionSurvey, Score
from training.services import compute_training_scores, survey_record

from .conftest import make_case

SH = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH)


def at(day, hour=10, month=10):
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def computed(code):
    return sorted(
        Score.objects.filter(source="computed", module__code=code).values_list(
            "agent__display_name", "period", "value", "sample_size"
        )
    )


def surveys_state():
    return sorted(SatisfactionSurvey.objects.values_list("case_id", "score", "answered_at"))


@pytest.fixture
def team(make_user, shop):
    return {
        "wang": make_user("agent", shops=[shop], display_name="王小丽"),
        "li": make_user("agent", shops=[shop], display_name="李明"),
        "chen": make_user("supervisor", shops=[shop], display_name="陈静"),
    }


def surveyed_case(shop, agent, by, score, answered):
    case = make_case(shop, assignee=agent, opened_at=at(1, 9))
    survey_record(case=case, score=score, answered_at=answered, by=by, now=NOW)
    return case


def test_csat_is_the_average_answer_times_twenty_per_assignee(shop, team):
    wang, li, chen = team["wang"], team["li"], team["chen"]
    surveyed_case(shop, wang, chen, 5, at(3))
    surveyed_case(shop, wang, chen, 4, at(31, 23))
    surveyed_case(shop, li, chen, 3, at(20))
    surveyed_case(shop, li, chen, 1, at(1, 9, month=11))  # November: not in October's score
    assert compute_training_scores(period="2026-10", now=NOW)["negotiation"] == 2
    assert computed("negotiation") == [
        ("李明", "2026-10", Decimal("60.00"), 1),
        ("王小丽", "2026-10", Decimal("90.00"), 2),
    ]


def test_a_csat_exactly_at_the_threshold_certifies_for_legal_cases(make_user, shop):
    chen = make_user("supervisor", shops=[shop])
    lawyer = make_user("legal", shops=[shop])
    # 4, 5, 4, 4 → 4.25 × 20 = 85.00, exactly the negotiation threshold
    for n, score in enumerate([4, 5, 4, 4], start=2):
        surveyed_case(shop, lawyer, chen, score, at(n))
    compute_training_scores(period="2026-10", now=NOW)
    assert computed("negotiation")[0][2:] == (Decimal("85.00"), 4)
    check = certification_check(
        lawyer, shop_id=shop.pk, issue_type_code=None, handling_role="legal", on=dt.date(2026, 11, 23)
    )
    # product knowledge is still missing; negotiation is not the reason any more
    assert check == "未取得“产品知识”认证：还没有成绩。"


def offer(case, by, answer, answered_at):
    return CompensationOfferFactory(
        case=case,
        option_id=1,
        option_name="退款+5元券",
        option_kind="refund_coupon",
        rule_ref={"id": 1, "version": 1},
        amount=Decimal("85.00"),
        cost=Decimal("85.00"),
        status=answer or "offered",
        requested_by=by,
        requested_at=answered_at - dt.timedelta(hours=1),
        buyer_answer=answer,
        answered_at=answered_at if answer else None,
    )


def test_offer_acceptance_counts_answered_offers_of_the_period(shop, team):
    wang, li = team["wang"], team["li"]
    case_w = make_case(shop, assignee=wang, opened_at=at(1, 9))
    for answer in ["accepted", "accepted", "accepted", "declined"]:
        offer(case_w, wang, answer, at(5))
    offer(case_w, wang, "", at(6))  # not answered yet: not counted
    offer(case_w, wang, "declined", at(2, month=11))  # answered in November
    case_l = make_case(shop, assignee=li, opened_at=at(1, 9))
    offer(case_l, li, "declined", at(8))
    assert compute_training_scores(period="2026-10", now=NOW)["offer_acceptance"] == 2
    assert computed("offer_acceptance") == [
        ("李明", "2026-10", Decimal("0.00"), 1),
        ("王小丽", "2026-10", Decimal("75.00"), 4),
    ]


@pytest.mark.parametrize(
    "who, score, answered, message",
    [
        ("chen", 6, at(3), "满意度“6”无效：应为 1 到 5 的整数。"),
        ("chen", 0, at(3), "满意度“0”无效：应为 1 到 5 的整数。"),
        ("chen", "很好", at(3), "满意度“很好”无效：应为 1 到 5 的整数。"),
        ("chen", 5, at(1, 8), "买家答复时间应在开案之后、当前时间之前。"),
        ("chen", 5, at(24, month=11), "买家答复时间应在开案之后、当前时间之前。"),
        ("wang", 5, at(3), "你无权为该案件录入满意度调查。"),  # agents lack the permission
        ("stranger", 5, at(3), "你无权为该案件录入满意度调查。"),  # supervisor of another shop
    ],
)
def test_bad_surveys_are_refused_and_nothing_is_written(
    shop, other_shop, team, make_user, who, score, answered, message
):
    team["stranger"] = make_user("supervisor", shops=[other_shop])
    case = make_case(shop, assignee=team["wang"], opened_at=at(1, 9))
    with pytest.raises(ValidationError) as refused:
        survey_record(case=case, score=score, answered_at=answered, by=team[who], now=NOW)
    assert refused.value.messages == [message]
    assert surveys_state() == []


def test_a_case_is_surveyed_once_and_only_when_someone_handled_it(shop, team):
    case = surveyed_case(shop, team["wang"], team["chen"], 4, at(3))
    before = surveys_state()
    with pytest.raises(ValidationError, match="该案件已录入过满意度调查。"):
        survey_record(case=case, score=1, answered_at=at(4), by=team["chen"], now=NOW)
    unassigned = make_case(shop, status="new", opened_at=at(1, 9))
    with pytest.raises(ValidationError, match="该案件没有处理人"):
        survey_record(case=unassigned, score=5, answered_at=at(4), by=team["chen"], now=NOW)
    assert surveys_state() == before


def test_a_supervisor_who_handled_the_case_cannot_survey_it(shop, team):
    case = make_case(shop, assignee=team["chen"], opened_at=at(1, 9))
    with pytest.raises(ValidationError, match="处理人不能为自己的案件录入满意度调查。"):
        survey_record(case=case, score=5, answered_at=at(3), by=team["chen"], now=NOW)
    assert surveys_state() == []


def test_a_manager_records_a_survey_in_the_admin_and_a_bad_one_is_refused(client, shop, team, make_user):
    manager = make_user("manager", shops=[shop], is_staff=True)
    case = make_case(shop, assignee=team["wang"], opened_at=at(1, 9))
    client.force_login(manager)
    url = "/admin/training/satisfactionsurvey/add/"
    bad = client.post(
        url, {"case": case.pk, "score": 7, "answered_at_0": "2026-10-03", "answered_at_1": "10:00:00"}
    )
    assert bad.status_code == 200
    assert "满意度“7”无效：应为 1 到 5 的整数。" in bad.content.decode()
    assert surveys_state() == []
    good = client.post(
        url,
        {
            "case": case.pk,
            "score": 4,
            "answered_at_0": "2026-10-03",
            "answered_at_1": "10:00:00",
            "comment": "处理很及时",
        },
    )
    assert good.status_code == 302
    survey = SatisfactionSurvey.objects.get()
    assert (survey.case_id, survey.score, survey.comment, survey.recorded_by) == (
        case.pk,
        4,
        "处理很及时",
        manager,
    )


def test_a_supervisor_records_the_survey_on_the_qa_case_page(client, shop, team):
    case = make_case(shop, assignee=team["wang"], opened_at=at(1, 9))
    client.force_login(team["chen"])
    url = f"/training/qa/cases/{case.pk}/survey/"
    future = client.post(url, {"score": 5, "answered_at": "2099-01-01 10:00", "comment": ""}, follow=True)
    assert "买家答复时间应在开案之后、当前时间之前。" in future.content.decode()
    out_of_range = client.post(url, {"score": 9, "answered_at": "2026-10-03 10:00"}, follow=True)
    assert "请检查满意度调查" in out_of_range.content.decode()
    assert surveys_state() == []
    saved = client.post(
        url, {"score": 4, "answered_at": "2026-10-03 10:00", "comment": "很满意"}, follow=True
    )
    assert "已记录买家满意度：4 分。" in saved.content.decode()
    assert "买家满意度 4 分(答复于 2026-10-03 10:00，陈静 录入)。" in saved.content.decode()
    assert surveys_state() == [(case.pk, 4, at(3))]


def test_agents_cannot_record_surveys_through_the_page(client, shop, team):
    case = make_case(shop, assignee=team["li"], opened_at=at(1, 9))
    client.force_login(team["wang"])
    response = client.post(
        f"/training/qa/cases/{case.pk}/survey/", {"score": 5, "answered_at": "2026-10-03 10:00"}
    )
    assert response.status_code == 404
    assert surveys_state() == []
