"""An offer's reason is the engine's (the rule and how the amount was computed): written once, read by
each person in their own language — the case page and the API alike, whatever language the agent who
made the offer used."""

from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import CompensationOffer, FollowUpTask
from cases.workflow.compose import offer_options
from cases.workflow.services import case_act
from tests.cases.workflow_factories import NOW, member, put_in_state, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

RESHIP = "无理由补发(顺丰包邮，48小时内发货)"


@pytest.fixture
def offered(shop):
    agent = member("agent", shop)
    case = put_in_state(
        triaged_case(shop, content="质量太差，开线了", amount="199.00"), "verified", agent=agent
    )
    with translation.override("zh-hans"):
        option = {o.name: o for o in offer_options(case)}[RESHIP]
        case_act(
            case_id=case.pk,
            action="offer",
            by=agent,
            version=3,
            data={"option_id": option.option_id},
            now=NOW,
        )
    return case


def reader(make_user, shop, language):
    return make_user("supervisor", shops=[shop], language=language)


@pytest.mark.parametrize(
    ("language", "expected", "foreign"), [("en", "Rule “", "规则“"), ("zh-hans", "规则“", "Rule “")]
)
def test_the_case_page_shows_the_offers_reason_in_the_readers_language(
    client, make_user, shop, offered, language, expected, foreign
):
    stored = CompensationOffer.objects.get(case=offered).reason
    assert (
        stored.startswith('{"') and "规则“%(rule)s”：%(notes)s" in stored
    )  # the msgid and values, not a language

    client.force_login(reader(make_user, shop, language))
    page = client.get(reverse("cases:case_detail", args=[offered.pk])).content.decode()
    offers = page[page.index('id="offers"') :]
    offers = offers[: offers.index("</section>")]
    assert expected in offers and foreign not in offers
    assert '{"msg"' not in page  # never the stored form


def test_the_api_answers_the_offers_reason_in_the_readers_language(client, make_user, shop, offered):
    url = f"/api/v1/cases/{offered.pk}/"
    answers = {}
    for language in ("en", "zh-hans"):
        client.force_login(reader(make_user, shop, language))
        answers[language] = client.get(url).json()["offers"][0]["reason"]
    assert answers["en"].startswith("Rule “") and answers["zh-hans"].startswith("规则“")


def test_a_follow_up_skipped_by_the_engine_reads_in_the_readers_language(client, make_user, shop):
    """A step asking for a revision on a platform that forbids it is skipped with the engine's reason,
    and reopening skips the rest with its own: both stored once, read in each reader's language."""
    agent, boss = member("agent", shop), member("supervisor", shop)
    case = put_in_state(triaged_case(shop), "agreed", agent=agent)
    with translation.override("zh-hans"):
        case_act(case_id=case.pk, action="resolve", by=agent, version=3, data={}, now=NOW)
        case_act(case_id=case.pk, action="reopen", by=boss, version=4, data={"note": "买家再次投诉"}, now=NOW)
    stored = set(FollowUpTask.objects.filter(case=case).values_list("skipped_reason", flat=True))
    assert all(s.startswith('{"msg"') for s in stored), stored

    pages = {}
    for language in ("en", "zh-hans"):
        client.force_login(reader(make_user, shop, language))
        page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
        tasks = page[page.index('id="follow-ups"') :]
        pages[language] = unescape(tasks[: tasks.index("</section>")])
        api = client.get(f"/api/v1/cases/{case.pk}/").json()
        pages[language + "-api"] = " ".join(t["skipped_reason"] for t in api["follow_ups"])
    for english in (pages["en"], pages["en-api"]):
        assert "which this platform" in english and "Case reopened" in english
        assert "本平台不允许" not in english and "案件已重新打开" not in english
    for chinese in (pages["zh-hans"], pages["zh-hans-api"]):
        assert "本平台不允许" in chinese and "案件已重新打开" in chinese and "Case reopened" not in chinese


def test_the_case_list_api_names_the_issue_type_and_sla_tier_in_the_readers_language(client, make_user, shop):
    case = triaged_case(shop, content="快递太慢了，外包装也破了")
    assert case.sla_tier_id_ref and case.issue_type_id
    answers = {}
    for language in ("en", "zh-hans"):
        client.force_login(reader(make_user, shop, language))
        (row,) = [r for r in client.get("/api/v1/cases/?scope=shop").json()["results"] if r["id"] == case.pk]
        answers[language] = (row["issue_type_name"], row["sla_tier_name"])
    assert answers["zh-hans"] == (case.issue_type.name, case.sla_tier_name)
    assert answers["en"] == (case.issue_type.name_en, "Logistics delay (2 hours)")
    assert case.issue_type.name_en and case.issue_type.name_en != case.issue_type.name
