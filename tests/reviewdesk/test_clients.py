"""Clients (品牌方) above shops (issue #18): a client membership reaches every shop of the client, present
and future, through the one access path (reviewdesk.access) in its one query; the client viewer reads
their shops' case list and case pages without buyers' personal data, changes nothing, reaches no other
client, and gets no API."""

from __future__ import annotations

import pytest
from django.test import Client as WebClient
from django.urls import reverse
from rest_framework.test import APIClient

from reviewdesk.access import CHANGE, VIEW, load_access, restrict, shop_ids_for
from reviewdesk.choices import ClientRole
from reviewdesk.models import Client, ClientMembership, Shop, User
from reviewdesk.pii import mask_nick
from reviewdesk.roles import hides_buyer_data, is_read_only, reads_cases, sync_role_permissions, works_cases
from tests.cases.workflow_factories import put_in_state, triaged_case
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

PHONE, ADDRESS = "13812345678", "浙江省杭州市西湖区文三路100号3栋"


@pytest.fixture
def clients(db):
    sync_role_permissions()  # the client viewer's group and rows (a reused test database may predate them)
    brand_a = Client.objects.create(code="brand-a", name="品牌甲")
    brand_b = Client.objects.create(code="brand-b", name="品牌乙")
    shop_a = ShopFactory(code="a-tb", name="甲淘宝店", client=brand_a)
    shop_a2 = ShopFactory(code="a-dy", platform="douyin", name="甲抖店", client=brand_a)
    shop_b = ShopFactory(code="b-jd", platform="jd", name="乙京东店", client=brand_b)
    own = ShopFactory(code="agency", name="代运营自营店")
    return brand_a, brand_b, shop_a, shop_a2, shop_b, own


def _member(make_user, role, *clients, shops=()):
    user = make_user(role, shops=shops)
    for client in clients:
        ClientMembership.objects.create(client=client, user=user)
    return user


def _fresh(user) -> User:
    return User.objects.get(pk=user.pk)  # no access cached on the object


# --- membership → shops --------------------------------------------------------------------------


def test_a_client_member_reaches_every_shop_of_the_client_and_no_other(clients, make_user):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    agent = _member(make_user, "agent", brand_a)
    assert shop_ids_for(_fresh(agent)) == {shop_a.pk, shop_a2.pk}
    assert set(restrict(Shop.objects.all(), _fresh(agent)).values_list("code", flat=True)) == {"a-tb", "a-dy"}
    assert list(restrict(Client.objects.all(), _fresh(agent))) == [brand_a]


def test_a_shop_added_to_the_client_later_is_reached_too(clients, make_user):
    brand_a, *_rest = clients
    agent = _member(make_user, "agent", brand_a)
    later = ShopFactory(code="a-pdd", platform="pdd", name="甲拼多多店", client=brand_a)
    assert later.pk in shop_ids_for(_fresh(agent))


def test_a_person_may_serve_several_clients_and_single_shops(clients, make_user):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    agent = _member(make_user, "agent", brand_a, brand_b, shops=[own])
    assert shop_ids_for(_fresh(agent)) == {shop_a.pk, shop_a2.pk, shop_b.pk, own.pk}


def test_an_inactive_client_gives_its_members_nothing(clients, make_user):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    agent = _member(make_user, "agent", brand_a, shops=[shop_a])
    Client.objects.filter(pk=brand_a.pk).update(active=False)
    assert shop_ids_for(_fresh(agent)) == {shop_a.pk}  # the shop membership stays; the client's is gone


def test_shops_and_roles_stay_one_query_with_client_memberships(
    clients, make_user, django_assert_num_queries
):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    agent = _fresh(_member(make_user, "agent", brand_a, shops=[own]))
    with django_assert_num_queries(1):
        load_access(agent)
    assert agent._reviewdesk_shop_ids == {shop_a.pk, shop_a2.pk, own.pk}
    assert agent._reviewdesk_roles == {"agent"}


def test_the_people_of_a_clients_shops_include_its_client_members(clients, make_user):
    """A manager of client A's shop sees client A's people (through the client too), not client B's."""
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    manager = make_user("manager", shops=[shop_a])
    mine = _member(make_user, "agent", brand_a)
    theirs = _member(make_user, "agent", brand_b)
    seen = set(restrict(User.objects.all(), _fresh(manager)).values_list("pk", flat=True))
    assert mine.pk in seen and theirs.pk not in seen


# --- the client viewer ---------------------------------------------------------------------------


@pytest.fixture
def viewer_world(clients, make_user, policy_pack):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    agent_a = make_user("agent", shops=[shop_a])
    agent_b = make_user("agent", shops=[shop_b])
    case_a = put_in_state(
        triaged_case(shop_a, content=f"客服不回，我电话{PHONE}", phone=PHONE, address=ADDRESS),
        "in_progress",
        agent=agent_a,
    )
    case_b = put_in_state(triaged_case(shop_b), "in_progress", agent=agent_b)
    viewer = _member(make_user, ClientRole.CLIENT_VIEWER, brand_a)
    web = WebClient()
    web.force_login(viewer)
    return {"viewer": viewer, "web": web, "case_a": case_a, "case_b": case_b, "agent_a": agent_a}


def test_the_viewer_reads_cases_changes_nothing_and_hides_buyer_data(viewer_world):
    viewer = _fresh(viewer_world["viewer"])
    assert reads_cases(viewer) and not works_cases(viewer)
    assert is_read_only(viewer) and hides_buyer_data(viewer)
    assert shop_ids_for(viewer, VIEW) and shop_ids_for(viewer, CHANGE) == set()
    cold = _fresh(viewer)  # the subquery path (nothing cached) says the same
    from cases.models import Case

    assert not restrict(Case.objects.all(), cold, CHANGE).exists()
    assert restrict(Case.objects.all(), _fresh(viewer), VIEW).get() == viewer_world["case_a"]


def test_the_viewers_case_page_has_no_buyer_personal_data(viewer_world):
    from django.utils import timezone

    from cases.models import CaseEvent

    case = viewer_world["case_a"]
    CaseEvent.objects.create(  # what an agent typed about the call, with the buyer's number in it
        case=case,
        actor=viewer_world["agent_a"],
        action="record_contact",
        version=case.version,
        payload={"note": f"已拨打{PHONE}，买家同意补发", "channel": "phone"},
        at=timezone.now(),
    )
    response = viewer_world["web"].get(reverse("cases:case_detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    nick = case.review.buyer_nick
    assert nick not in html and mask_nick(nick) in html
    assert PHONE not in html and "138****5678" not in html  # not even the masked phone
    assert "文三路" not in html and "浙江省杭州" not in html
    assert "buyer-contact" not in html and reverse("cases:reveal_contact", args=[case.pk]) not in html
    assert "买家同意补发" in html and "[电话已隐藏]" in html  # the note is there, its number masked
    assert case.review.order_no in html  # the page itself is there: the order is the brand's own


def test_the_viewers_case_list_masks_nicks_and_refuses_a_nick_search(viewer_world):
    case = viewer_world["case_a"]
    nick = case.review.buyer_nick
    response = viewer_world["web"].get(reverse("cases:queue_all"))
    html = response.content.decode()
    assert response.status_code == 200 and f"#{case.pk}" in html
    assert nick not in html and mask_nick(nick) in html
    assert f"#{viewer_world['case_b'].pk}<" not in html  # client B's case is not listed
    searched = viewer_world["web"].get(reverse("cases:queue_all"), {"q": nick}).content.decode()
    assert f"#{case.pk}<" not in searched  # a nick search would confirm whose nick it is
    by_order = viewer_world["web"].get(reverse("cases:queue_all"), {"q": case.review.order_no})
    assert f"#{case.pk}<" in by_order.content.decode()


def test_the_viewer_cannot_reach_another_clients_case(viewer_world):
    case_b = viewer_world["case_b"]
    assert viewer_world["web"].get(reverse("cases:case_detail", args=[case_b.pk])).status_code == 404


def test_the_viewer_filters_by_their_client_and_is_refused_another(viewer_world, clients):
    brand_a, brand_b, *_rest = clients
    web = viewer_world["web"]
    mine = web.get(reverse("cases:queue_all"), {"client": brand_a.code}).content.decode()
    assert f"#{viewer_world['case_a'].pk}<" in mine
    refused = web.get(reverse("cases:queue_all"), {"client": brand_b.code})
    html = refused.content.decode()
    assert refused.status_code == 200 and "没有这个品牌方，或你不服务该品牌方。" in html
    assert brand_b.name not in html  # not offered as a choice either
    assert f"#{viewer_world['case_b'].pk}<" not in html


def test_the_viewer_downloads_no_evidence_and_posts_nothing(viewer_world):
    from cases.models import Case, CaseEvent

    case = viewer_world["case_a"]
    web = viewer_world["web"]
    before = (Case.objects.filter(pk=case.pk).values().get(), CaseEvent.objects.count())
    assert web.get(reverse("cases:evidence_download", args=[case.pk, 1])).status_code == 404
    for name, args, data in (
        ("cases:case_action", [case.pk, "verify"], {"version": case.version, "responsibility": "merchant"}),
        ("cases:reveal_contact", [case.pk], {}),
        ("cases:evidence_upload", [case.pk], {}),
    ):
        assert web.post(reverse(name, args=args), data).status_code == 404, name
    after = (Case.objects.filter(pk=case.pk).values().get(), CaseEvent.objects.count())
    assert after == before


def test_the_viewer_gets_no_api(viewer_world):
    api = APIClient()
    api.force_login(viewer_world["viewer"])
    for url in ("/api/v1/cases/", f"/api/v1/cases/{viewer_world['case_a'].pk}/"):
        response = api.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "not_for_client_viewer"
        assert viewer_world["case_a"].review.buyer_nick not in response.content.decode()


def test_the_viewers_navigation_is_the_case_list(viewer_world):
    html = viewer_world["web"].get(reverse("cases:queue_all")).content.decode()
    assert reverse("cases:queue_breached") in html
    assert reverse("cases:approvals") not in html and reverse("cases:team_load") not in html


def test_the_viewers_home_has_no_training_money_or_work_orders(viewer_world):
    """A brand's own staff take no training, earn nothing and see none of the agency's internal work
    orders: their home and navigation do not offer them (an agent's do)."""
    html = viewer_world["web"].get("/").content.decode()
    for text in ("培训与认证", "我的激励", "内部工单"):
        assert text not in html
    agent = WebClient()
    agent.force_login(viewer_world["agent_a"])
    html = agent.get("/").content.decode()
    for text in ("培训与认证", "我的激励", "内部工单"):
        assert text in html


def test_mask_nick():
    assert mask_nick("tb_buyer_01") == "t***1"
    assert mask_nick("王五") == "王*" and mask_nick("") == ""


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_has_two_clients_each_with_a_viewer_who_reaches_only_its_shops(db):
    import io

    from django.core.management import call_command

    from reviewdesk.demo import DEMO_CLIENT_USERS, ensure_demo_org

    sync_role_permissions()
    shops, users = ensure_demo_org()
    snack = _fresh(users["viewer2"])
    assert shop_ids_for(snack) == {shops["pdd-snack"].pk}
    assert shop_ids_for(_fresh(users["viewer1"])) == {
        shops[code].pk for code in ("tb-home", "tm-baby", "dy-fashion", "jd-digital")
    }
    assert hides_buyer_data(snack) and snack.is_staff
    ensure_demo_org()  # idempotent: nothing added the second time
    assert ClientMembership.objects.count() == len(DEMO_CLIENT_USERS) and Client.objects.count() == 2
    out = io.StringIO()
    call_command("demo_data", "--print-logins", stdout=out)
    assert "viewer2        client_viewer (xiaoshi)" in out.getvalue()


# --- the dashboard's client filter ---------------------------------------------------------------


def test_the_dashboard_narrows_to_a_client_and_refuses_one_out_of_reach(clients, make_user, policy_pack):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    manager = make_user("manager", shops=[shop_a, shop_a2, own])
    web = WebClient()
    web.force_login(manager)
    everything = web.get(reverse("insights:dashboard"))
    assert everything.status_code == 200 and "3 个店铺" in everything.content.decode()
    mine = web.get(reverse("insights:dashboard"), {"client": brand_a.code})
    html = mine.content.decode()
    assert mine.status_code == 200 and "2 个店铺" in html
    assert brand_a.name in html and brand_b.name not in html  # only his clients are offered
    refused = web.get(reverse("insights:dashboard"), {"client": brand_b.code})
    assert refused.status_code == 400
    assert "没有这个品牌方，或你不服务该品牌方。" in refused.content.decode()
    contradiction = web.get(reverse("insights:dashboard"), {"client": brand_a.code, "shop": own.code})
    assert contradiction.status_code == 400
    assert "所选店铺不属于所选品牌方。" in contradiction.content.decode()


def test_the_weekly_report_of_a_client_is_named_after_it(clients, make_user, policy_pack):
    brand_a, brand_b, shop_a, shop_a2, shop_b, own = clients
    viewer = _member(make_user, ClientRole.CLIENT_VIEWER, brand_a)
    web = WebClient()
    web.force_login(viewer)
    response = web.get(reverse("insights:weekly"), {"client": brand_a.code})
    assert response.status_code == 200 and f"· {brand_a.name}" in response.content.decode()
    assert web.get(reverse("insights:weekly"), {"client": brand_b.code}).status_code == 400
