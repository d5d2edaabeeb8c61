"""Saved queue filters (``cases.web.saved_filters``, ``reviewdesk.models.SavedFilter``): a user names the
queue's filters, sees them listed on the queue, applies one with a click and deletes it; only the owner
sees or deletes them. Names and query strings are cleaned (one printable line; only the filter bar's own
parameters), hostile ones are stored harmlessly or refused with a message."""

import pytest
from django.http import QueryDict
from django.urls import reverse

from cases.web.saved_filters import clean_query
from reviewdesk.models import SavedFilter

pytestmark = pytest.mark.django_db
SAVE, LIST = "cases:saved_filter_save", "cases:saved_filters"


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop], display_name="张三")


@pytest.fixture
def other(make_user, shop):
    return make_user("agent", shops=[shop], display_name="李四")


def _rows(user):
    return list(SavedFilter.objects.filter(user=user).order_by("pk").values("name", "scope", "query"))


def test_saving_keeps_the_filter_bars_parameters_only_and_returns_to_the_filtered_queue(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse(SAVE),
        {"name": "  VIP 物流 ", "scope": "mine", "query": "platform=taobao&page=3&evil=1&q=O123&q=second"},
    )
    assert response.status_code == 302
    # One value per filter, the last, as the queue itself reads a repeated parameter.
    assert _rows(agent) == [{"name": "VIP 物流", "scope": "mine", "query": "q=second&platform=taobao"}]
    assert response["Location"] == reverse("cases:queue") + "?q=second&platform=taobao"


def test_the_list_shows_the_owners_filters_only_with_their_links(client, agent, other):
    SavedFilter.objects.create(user=agent, name="我的", scope="mine", query="platform=taobao")
    SavedFilter.objects.create(user=other, name="别人的", scope="mine", query="platform=jd")
    client.force_login(agent)
    html = client.get(reverse(LIST), {"scope": "mine"}, HTTP_HX_REQUEST="true").content.decode()
    assert "我的" in html and f'href="{reverse("cases:queue")}?platform=taobao"' in html
    assert "别人的" not in html and "platform=jd" not in html
    page = client.get(reverse(LIST)).content.decode()  # without script: a page of its own
    assert "<html" in page and "我的" in page and "别人的" not in page


def test_the_queue_loads_its_saved_filters_and_offers_to_save_the_current_ones(client, agent):
    client.force_login(agent)
    html = client.get(reverse("cases:queue"), {"platform": "taobao"}).content.decode()
    assert f'hx-get="{reverse(LIST)}?scope=mine"' in html
    assert 'id="saved-filter-save"' in html
    assert 'name="query" id="saved-filter-query" form="saved-filter-save" value="platform=taobao"' in html


def test_applying_a_saved_filter_is_the_queues_own_get(client, agent):
    client.force_login(agent)
    client.post(reverse(SAVE), {"name": "淘宝", "scope": "mine", "query": "platform=taobao"})
    html = client.get(reverse(LIST), {"scope": "mine"}, HTTP_HX_REQUEST="true").content.decode()
    link = html.split('<a href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200 and response.context["form"]["platform"].value() == "taobao"


def test_the_same_name_replaces_its_filters(client, agent):
    client.force_login(agent)
    client.post(reverse(SAVE), {"name": "一个", "scope": "mine", "query": "platform=taobao"})
    client.post(reverse(SAVE), {"name": "一个", "scope": "shop", "query": "platform=jd"})
    assert _rows(agent) == [{"name": "一个", "scope": "shop", "query": "platform=jd"}]


def test_only_the_owner_deletes(client, agent, other):
    mine = SavedFilter.objects.create(user=agent, name="我的", scope="mine", query="")
    theirs = SavedFilter.objects.create(user=other, name="别人的", scope="mine", query="")
    client.force_login(agent)
    assert client.post(reverse("cases:saved_filter_delete", args=[theirs.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()
    assert (
        client.post(reverse("cases:saved_filter_delete", args=[mine.pk]), {"scope": "x"}).status_code == 302
    )
    assert not SavedFilter.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept as text, escaped when shown
        ("a\x00b\r\nc\td", "ab c d"),
        ("长" * 500, "长" * 60),
        ("' OR 1=1 --", "' OR 1=1 --"),
    ],
)
def test_hostile_names_are_stored_as_one_line_of_text_and_escaped(client, agent, name, stored):
    client.force_login(agent)
    assert client.post(reverse(SAVE), {"name": name, "scope": "mine", "query": ""}).status_code == 302
    assert _rows(agent) == [{"name": stored, "scope": "mine", "query": ""}]
    html = client.get(reverse(LIST), HTTP_HX_REQUEST="true").content.decode()
    assert "<script>alert" not in html


@pytest.mark.parametrize("name", ["", "   ", "\x00\x01", "\u200b"])
def test_an_empty_name_is_a_message_and_saves_nothing(client, agent, name):
    client.force_login(agent)
    response = client.post(
        reverse(SAVE), {"name": name, "scope": "mine", "query": "platform=jd"}, follow=True
    )
    assert "请给筛选起个名字。" in response.content.decode()
    assert _rows(agent) == []


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "x" * 20000,
        "%ZZ%%&&&==",
        "q=%00%0d%0a<script>",
        "platform=taobao&" * 2000,
        "shop=../../etc/passwd&tier=" + "t" * 500,
    ],
)
def test_hostile_query_strings_are_cut_to_the_filter_bars_parameters(client, agent, query):
    client.force_login(agent)
    assert client.post(reverse(SAVE), {"name": "h", "scope": "mine", "query": query}).status_code == 302
    [row] = _rows(agent)
    assert len(row["query"]) <= 1000
    assert set(QueryDict(row["query"])) <= {
        "q",
        "client",
        "shop",
        "platform",
        "issue_type",
        "state",
        "tier",
        "assignee",
    }
    assert client.get(reverse("cases:queue") + "?" + row["query"]).status_code == 200


def test_clean_query_keeps_one_value_per_filter_in_a_stable_order():
    assert clean_query("tier=A&q=1&q=2&page=9&x=y") == "q=2&tier=A"
    assert clean_query("") == ""


@pytest.mark.parametrize("scope", ["all", "breached", "nope", ""])
def test_an_agent_cannot_save_a_supervisors_scope_or_a_made_up_one(client, agent, scope):
    client.force_login(agent)
    assert client.post(reverse(SAVE), {"name": "x", "scope": scope, "query": ""}).status_code == 404
    assert _rows(agent) == []


def test_hr_has_no_queue_and_no_saved_filters(client, make_user):
    client.force_login(make_user("hr", is_staff=True))
    assert client.get(reverse(LIST)).status_code == 403
    assert client.post(reverse(SAVE), {"name": "x", "scope": "mine"}).status_code == 403
