"""Survey links buyers answer (issue #21): the signed, expiring, single-answer page without login, what
it shows and refuses, and the answer's way into training's CSAT."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from training.models import SatisfactionSurvey, Score, SurveyInvitation
from training.services import compute_training_scores, survey_record
from training.services.surveys import invitation_issue, survey_answer_by_buyer
from training.surveys.links import invitation_url
from training.surveys.tokens import invitation_token

from .conftest import make_case

PHONE = "13812345678"


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop], display_name="王小丽")


@pytest.fixture
def case(shop, agent):
    return make_case(shop, assignee=agent, buyer_phone=PHONE)


def path_of(url: str) -> str:
    return url.removeprefix(settings.SITE_URL)


def surveys():
    return list(
        SatisfactionSurvey.objects.values_list("case_id", "score", "comment", "source", "recorded_by")
    )


def invitations():
    return list(SurveyInvitation.objects.order_by("pk").values("pk", "nonce", "answered_at", "expires_at"))


def test_the_link_is_absolute_short_and_reused_while_open(case):
    url = invitation_url(case, channel="sms")
    assert url.startswith(settings.SITE_URL + "/s/") and url.endswith("/")
    assert len(path_of(url)) <= 64  # it goes into an SMS
    assert invitation_url(case, channel="sms") == url
    chat = invitation_url(case, channel="chat")
    assert chat != url
    assert SurveyInvitation.objects.filter(case=case).count() == 2
    invitation = SurveyInvitation.objects.get(case=case, channel="sms")
    days = (invitation.expires_at - invitation.created_at).days
    assert days == settings.SURVEY_LINK_DAYS == 7 and invitation.sent_by is None


def test_no_link_for_an_open_case_or_an_answered_one(shop, agent, make_user):
    open_case = make_case(shop, status="in_progress", assignee=agent)
    with pytest.raises(Exception, match="案件解决后才能发出满意度调查"):
        invitation_url(open_case, channel="sms")
    answered = make_case(shop, assignee=agent)
    survey_record(
        case=answered, score=5, answered_at=timezone.now(), by=make_user("supervisor", shops=[shop])
    )
    with pytest.raises(Exception, match="该案件已有满意度答复"):
        invitation_url(answered, channel="chat")
    with pytest.raises(Exception, match="未知的调查渠道"):
        invitation_url(make_case(shop, assignee=agent), channel="email")
    assert SurveyInvitation.objects.count() == 0


def test_the_page_shows_shop_and_product_and_no_personal_data(client, case):
    response = client.get(path_of(invitation_url(case, channel="sms")))
    page = response.content.decode()
    assert response.status_code == 200
    assert "您对本次售后处理满意吗？" in page and "淘宝旗舰店" in page and "纯棉四件套" in page
    review = case.review
    for personal in (review.buyer_nick, review.order_no, PHONE, case.assignee.display_name, f"#{case.pk}"):
        assert personal not in page
    assert page.count('type="radio" name="score"') == 5
    assert 'maxlength="500"' in page and "csrfmiddlewaretoken" in page
    assert "<script" not in page and "style=" not in page  # nothing inline for the CSP to refuse
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]


def test_the_buyer_answers_once_and_a_replay_changes_nothing(client, case):
    path = path_of(invitation_url(case, channel="sms"))
    response = client.post(path, {"score": "4", "comment": "  处理得很快  "})
    assert response.status_code == 200 and "感谢您的反馈" in response.content.decode()
    assert surveys() == [(case.pk, 4, "处理得很快", "buyer_link", None)]
    survey = SatisfactionSurvey.objects.get()
    assert survey.answered_at == survey.recorded_at
    assert SurveyInvitation.objects.get().answered_at == survey.answered_at
    before = (surveys(), invitations())

    replay = client.post(path, {"score": "1", "comment": "改主意了"})
    assert replay.status_code == 410 and "您已经答复过本次调查" in replay.content.decode()
    again = client.get(path)
    assert again.status_code == 410 and "您已经答复过本次调查" in again.content.decode()
    assert "淘宝旗舰店" not in again.content.decode()
    assert (surveys(), invitations()) == before


def test_the_other_channels_link_is_answered_too(client, case):
    sms, chat = invitation_url(case, channel="sms"), invitation_url(case, channel="chat")
    assert client.post(path_of(chat), {"score": "5"}).status_code == 200
    before = surveys()
    response = client.post(path_of(sms), {"score": "2"})
    assert response.status_code == 410 and "您已经答复过本次调查" in response.content.decode()
    assert surveys() == before == [(case.pk, 5, "", "buyer_link", None)]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: str(int(t.split("-")[0]) + 1) + t[t.index("-") :],  # another invitation's id
        lambda t: t.split(".")[0] + ".",  # no signature
        lambda t: "x",
        lambda t: "9" * 30 + "-abcdefabcd.sig",
        lambda t: t + "%00" * 3,
    ],
    ids=["signature", "id", "unsigned", "garbage", "huge-id", "nul"],
)
def test_a_tampered_link_is_a_404_and_changes_nothing(client, case, shop, agent, tamper):
    invitation_url(make_case(shop, assignee=agent), channel="sms")  # another invitation the id could hit
    token = invitation_token(invitation_issue(case=case, channel="sms"))
    before = (surveys(), invitations())
    path = f"/s/{tamper(token)}/"
    assert client.get(path).status_code == 404
    response = client.post(path, {"score": "5"})
    assert response.status_code == 404 and "链接无效" in response.content.decode()
    assert (surveys(), invitations()) == before


def test_an_expired_link_says_so_and_a_new_one_retires_it(client, case):
    now = timezone.now()
    old = invitation_issue(case=case, channel="chat", now=now - dt.timedelta(days=8))
    old_path = f"/s/{invitation_token(old)}/"
    before = (surveys(), invitations())
    response = client.post(old_path, {"score": "5"})
    assert response.status_code == 410 and "链接已过期" in response.content.decode()
    assert (surveys(), invitations()) == before

    fresh = invitation_issue(case=case, channel="chat", now=now)
    assert fresh.pk == old.pk and fresh.nonce != old.nonce and fresh.expires_at > now
    assert client.get(old_path).status_code == 404  # the old link is retired, not revived
    assert client.post(f"/s/{invitation_token(fresh)}/", {"score": "3"}).status_code == 200
    assert surveys() == [(case.pk, 3, "", "buyer_link", None)]


def test_the_link_expires_exactly_at_its_time(case):
    now = timezone.now()
    invitation = invitation_issue(case=case, channel="sms", now=now)
    token = invitation_token(invitation)
    with pytest.raises(Exception, match="链接已过期"):
        survey_answer_by_buyer(token=token, score=5, now=invitation.expires_at)
    survey_answer_by_buyer(token=token, score=5, now=invitation.expires_at - dt.timedelta(seconds=1))
    assert SatisfactionSurvey.objects.get().score == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "请选择 1 到 5 分"),
        ({"score": "6"}, "请选择 1 到 5 分"),
        ({"score": "0"}, "请选择 1 到 5 分"),
        ({"score": "四"}, "请选择 1 到 5 分"),
        ({"score": "3", "comment": "好" * 501}, "意见最多 500 字，现在是 501 字"),
    ],
)
def test_bad_answers_are_refused_in_chinese_and_change_nothing(client, case, data, message):
    path = path_of(invitation_url(case, channel="sms"))
    before = (surveys(), invitations())
    response = client.post(path, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert (surveys(), invitations()) == before
    # the form is shown again, the comment kept
    assert 'name="score"' in response.content.decode()


def test_a_comment_of_500_characters_is_taken(client, case):
    path = path_of(invitation_url(case, channel="sms"))
    assert client.post(path, {"score": "2", "comment": "好" * 500}).status_code == 200
    assert len(SatisfactionSurvey.objects.get().comment) == 500


def test_a_post_without_the_csrf_token_is_refused(case):
    path = path_of(invitation_url(case, channel="sms"))
    response = Client(enforce_csrf_checks=True).post(path, {"score": "5"})
    assert response.status_code == 403
    assert surveys() == []


def test_answers_are_rate_limited_per_address(client, case, shop, agent):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "survey": "2/min"}
    paths = [path_of(invitation_url(make_case(shop, assignee=agent), channel="sms")) for _ in range(3)]
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        assert [client.post(p, {"score": "5"}).status_code for p in paths[:2]] == [200, 200]
        before = surveys()
        response = client.post(paths[2], {"score": "5", "comment": "第三次"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    page = response.content.decode()
    assert "提交过于频繁" in page and "第三次" in page
    assert surveys() == before and len(before) == 2


def test_a_supervisor_cannot_enter_a_survey_the_buyer_answered(client, case, make_user, shop):
    client.post(path_of(invitation_url(case, channel="sms")), {"score": "4"})
    with pytest.raises(Exception, match="该案件已录入过满意度调查"):
        survey_record(
            case=case, score=1, answered_at=timezone.now(), by=make_user("supervisor", shops=[shop])
        )
    assert surveys() == [(case.pk, 4, "", "buyer_link", None)]


def test_the_buyers_answers_are_the_csat_of_the_agent(client, shop, agent, make_user):
    supervisor = make_user("supervisor", shops=[shop])
    for score in (5, 4, 2):
        client.post(path_of(invitation_url(make_case(shop, assignee=agent), channel="sms")), {"score": score})
    survey_record(case=make_case(shop, assignee=agent), score=3, answered_at=timezone.now(), by=supervisor)
    period = timezone.localdate().strftime("%Y-%m")
    compute_training_scores(period=period)
    score = Score.objects.get(source="computed", module__code="negotiation", agent=agent)
    # (5 + 4 + 2 + 3) / 4 × 20 = 70: the buyers' own answers and the typed-in one alike
    assert (score.value, score.sample_size) == (Decimal("70.00"), 4)
    sources = sorted(SatisfactionSurvey.objects.values_list("source", flat=True))
    assert sources == ["agent_entry", "buyer_link", "buyer_link", "buyer_link"]


def test_the_token_names_the_invitation_and_nothing_personal(case):
    invitation = invitation_issue(case=case, channel="sms")
    token = invitation_token(invitation)
    assert re.fullmatch(r"\d+-[0-9a-f]{10}\.[A-Za-z0-9_-]+", token)
    assert token.startswith(f"{invitation.pk}-{invitation.nonce.hex[:10]}.")
    assert case.review.order_no not in token and case.review.buyer_nick not in token
