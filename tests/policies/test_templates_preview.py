"""The reply-template admin previews a template against real cases of the manager's own shops
(reviewdesk.access): rendered with each case's whitelisted values, whether the engine would offer it
there and why not, and the compliance check on the case's platform."""

import pytest
from django.test import Client
from django.urls import reverse

from policies.models import ReplyTemplate
from tests.cases.workflow_factories import member, put_in_state, triaged_case
from tests.factories import ShopFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def preview_url(template) -> str:
    return reverse("admin:policies_replytemplate_preview", args=[template.pk])


@pytest.fixture
def world(make_user):
    shop_a = ShopFactory(code="tb-a", platform="taobao", name="A店")
    shop_b = ShopFactory(code="tb-b", platform="taobao", name="B店")
    agent_a, agent_b = member("agent", shop_a), member("agent", shop_b)
    late = "快递太慢了，还没到"
    case_a = put_in_state(triaged_case(shop_a, content=late), "in_progress", agent=agent_a)
    case_b = put_in_state(triaged_case(shop_b, content=late), "in_progress", agent=agent_b)
    extortion = put_in_state(triaged_case(shop_a, content="不给我返现就一直差评"), "malicious", agent=agent_a)
    manager = make_user("manager", is_staff=True, shops=[shop_a])
    client = Client()
    client.force_login(manager)
    return {"client": client, "a": case_a, "b": case_b, "extortion": extortion, "shop_b": shop_b}


def test_a_template_is_previewed_on_the_managers_own_cases_only(world):
    template = ReplyTemplate.objects.get(name="首次私信", shop__isnull=True)
    response = world["client"].get(preview_url(template))
    assert response.status_code == 200
    html = response.content.decode()
    case_a, case_b = world["a"], world["b"]
    assert f'id="preview-case-{case_a.pk}"' in html and case_a.review.order_no in html
    assert f'id="preview-case-{case_b.pk}"' not in html and case_b.review.order_no not in html
    assert "关于您提到的物流配送的问题" in html
    assert f'id="preview-case-{world["extortion"].pk}"' not in html  # a normal template: normal cases only
    assert "引擎会为此案件提供该模板。" in html


def test_the_preview_says_when_a_condition_is_not_met(world):
    from cases.models import Case

    Case.objects.filter(pk=world["a"].pk).update(contact_attempts=0)
    template = ReplyTemplate.objects.get(name="公开回复", shop__isnull=True)
    html = world["client"].get(preview_url(template)).content.decode()
    assert "引擎不会为此案件提供该模板：条件未满足：已记录联系买家的尝试" in html


def test_a_malicious_template_is_previewed_on_malicious_cases(world):
    template = ReplyTemplate.objects.get(name="恶意差评：首次私信")
    html = world["client"].get(preview_url(template)).content.decode()
    assert f'id="preview-case-{world["extortion"].pk}"' in html
    assert f'id="preview-case-{world["a"].pk}"' not in html
    assert "恶意差评" not in html.split('id="preview-case-')[1].split("</section>")[0].replace(
        template.name, ""
    )


def test_another_shops_template_cannot_be_previewed(world):
    theirs = ReplyTemplate.objects.create(
        shop=world["shop_b"], name="B店私信", channel="private_message", stage="first_contact", body="您好"
    )
    response = world["client"].get(preview_url(theirs))
    assert response.status_code in (302, 403, 404)
    assert "B店私信" not in response.content.decode()


def test_the_change_page_links_to_the_preview(world):
    template = ReplyTemplate.objects.get(name="首次私信", shop__isnull=True)
    html = world["client"].get(reverse("admin:policies_replytemplate_change", args=[template.pk])).content
    assert preview_url(template) in html.decode()


def test_a_client_layer_template_is_previewed_on_its_clients_cases_only(world, make_user):
    from reviewdesk.models import Client as Brand
    from reviewdesk.models import ClientMembership, Shop

    brand = Brand.objects.create(code="brand-a", name="品牌A")
    Shop.objects.filter(pk=world["a"].shop_id).update(client=brand)
    manager = make_user("manager", is_staff=True, shops=[world["a"].shop, world["shop_b"]])
    ClientMembership.objects.create(client=brand, user=manager)
    global_template = ReplyTemplate.objects.get(name="首次私信", shop__isnull=True, client__isnull=True)
    template = ReplyTemplate.objects.create(
        client=brand, **{f: getattr(global_template, f) for f in ("channel", "stage", "platform", "body")}
    )
    web = Client()
    web.force_login(manager)
    html = web.get(preview_url(template)).content.decode()
    assert f'id="preview-case-{world["a"].pk}"' in html
    assert f'id="preview-case-{world["b"].pk}"' not in html  # shop B is his, but not the client's
