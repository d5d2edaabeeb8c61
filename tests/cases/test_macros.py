"""Macros: a reply template plus a compensation applied in one step. The offer goes through the offer
service (the matrix and its caps decide: an option the case does not have is refused with that service's
words, one above the cap becomes an approval request); the template's text lands in the composer as a
draft, never posted; a template the compliance rules block refuses the whole macro; a macro of another
shop's layer is not this case's. Refusals change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.choices import CaseStatus, OfferStatus
from cases.models import CompensationOffer, Reply
from cases.workflow.compose import offer_options
from cases.workflow.macros import clear_macro_cache, macros_for
from policies.models import Macro, ReplyTemplate
from tests.cases.workspace_support import snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture(autouse=True)
def fresh_macros():
    clear_macro_cache()
    yield
    clear_macro_cache()


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


def verified_case(shop, agent, amount="59.00"):
    return triaged_case(
        shop,
        assignee=agent,
        status=CaseStatus.VERIFIED,
        amount=amount,
        contact_attempts=1,
        verified_at=dt.datetime(2026, 6, 2, tzinfo=dt.UTC),
        responsibility="merchant",
    )


def public_template(body="亲，非常抱歉给您带来不好的体验，{shop_name}已为您处理，感谢您的反馈。", **layer):
    return ReplyTemplate.objects.create(
        name=f"致歉模板{ReplyTemplate.objects.count()}",
        channel="public_reply",
        stage="initial",
        body=body,
        **layer,
    )


def apply(client, case, macro, version=None):
    case.refresh_from_db()
    return client.post(
        reverse("cases:case_macro", kwargs={"pk": case.pk, "macro_id": macro.pk}),
        {"version": case.version if version is None else version},
    )


def test_a_macro_offers_its_option_and_drafts_the_reply_without_posting_it(
    client, shop, agent, django_assert_max_num_queries
):
    case = verified_case(shop, agent)
    option = next(o for o in offer_options(case) if not o.requires_approval and o.amount > 0)
    macro = Macro.objects.create(
        name="致歉 + 补偿",
        reply_template=public_template(),
        compensation_kind=option.kind,
        compensation_amount=option.amount,
    )
    client.force_login(agent)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert [m["name"] for m in page.context["macros"]] == ["致歉 + 补偿"]

    # The offer service's write (about 14) and the case page it answers with (about 17, panels included).
    with django_assert_max_num_queries(33):
        response = apply(client, case, macro)

    assert response.status_code == 200, response.context.get("refusal")
    (offer,) = CompensationOffer.objects.filter(case=case)
    assert (offer.status, offer.option_id, offer.amount) == (
        OfferStatus.OFFERED,
        option.option_id,
        option.amount,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OFFERED
    assert not Reply.objects.filter(case=case).exists()  # a draft, not a reply
    composer = response.context["composers"]["public_reply"]
    assert (
        composer["form"].initial["text"]
        == f"亲，非常抱歉给您带来不好的体验，{shop.name}已为您处理，感谢您的反馈。"
    )
    assert composer["form"].initial["version"] == case.version  # sending it needs no refresh
    html = response.content.decode()
    assert "已按快捷宏“致歉 + 补偿”提出补偿，话术已放进回复框(尚未发送)。" in html
    assert f"{shop.name}已为您处理" in html


def test_an_amount_the_matrix_does_not_give_this_case_is_refused_by_the_offer_service(client, shop, agent):
    case = verified_case(shop, agent)
    macro = Macro.objects.create(
        name="致歉 + 999元券",
        reply_template=public_template(),
        compensation_kind="coupon",
        compensation_amount=Decimal("999.00"),
    )
    client.force_login(agent)
    before = snapshot(case.pk)

    response = apply(client, case, macro)

    assert response.status_code == 400
    message = response.context["refusal"]["message"]
    assert message.startswith("快捷宏“致歉 + 999元券”没有执行：方案不在本案可选的补偿方案中(可选：")
    assert snapshot(case.pk) == before


def test_an_option_above_its_cap_becomes_an_approval_request(client, shop, agent):
    case = verified_case(shop, agent, amount="599.00")
    option = next(o for o in offer_options(case) if o.requires_approval)
    macro = Macro.objects.create(
        name="大额补偿",
        reply_template=public_template(),
        compensation_kind=option.kind,
        compensation_amount=option.amount,
    )
    client.force_login(agent)

    response = apply(client, case, macro)

    assert response.status_code == 200
    (offer,) = CompensationOffer.objects.filter(case=case)
    assert offer.status == OfferStatus.PENDING_APPROVAL
    assert "已按快捷宏“大额补偿”提交补偿审批申请" in response.content.decode()


def test_a_blocked_template_refuses_the_whole_macro_and_offers_nothing(client, shop, agent):
    case = verified_case(shop, agent)
    option = next(o for o in offer_options(case) if not o.requires_approval)
    macro = Macro.objects.create(
        name="违规宏",
        reply_template=public_template(body="亲，加我微信 wx_kefu88 给您返现"),
        compensation_kind=option.kind,
        compensation_amount=option.amount,
    )
    client.force_login(agent)
    before = snapshot(case.pk)

    response = apply(client, case, macro)

    assert response.status_code == 400
    assert response.context["refusal"]["message"].startswith("快捷宏“违规宏”的话术不能发送：")
    assert snapshot(case.pk) == before


def test_a_macro_without_compensation_only_drafts(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    macro = Macro.objects.create(name="只致歉", reply_template=public_template())
    client.force_login(agent)
    before = snapshot(case.pk)

    response = apply(client, case, macro)

    assert response.status_code == 200
    assert "已按快捷宏“只致歉”把话术放进回复框(尚未发送)。" in response.content.decode()
    assert snapshot(case.pk) == before


def test_another_shops_macro_and_a_stale_page_are_refused(client, shop, other_shop, agent):
    case = verified_case(shop, agent)
    option = next(o for o in offer_options(case) if not o.requires_approval)
    foreign = Macro.objects.create(
        name="别家的宏",
        reply_template=public_template(),
        compensation_kind=option.kind,
        shop=other_shop,
    )
    own = Macro.objects.create(name="本店宏", reply_template=public_template(), compensation_kind=option.kind)
    client.force_login(agent)
    assert [m.name for m in macros_for(case)] == ["本店宏"]
    before = snapshot(case.pk)

    refused = apply(client, case, foreign)
    assert refused.status_code == 400
    assert refused.context["refusal"]["message"] == "没有这个快捷宏，或它不适用于本案的店铺。"
    stale = apply(client, case, own, version=case.version - 1)
    assert stale.status_code == 409 and stale.context["refusal"]["stale"] is True
    assert snapshot(case.pk) == before


def test_a_shop_layer_macro_replaces_the_global_one_of_the_same_name(shop, agent):
    case = verified_case(shop, agent)
    Macro.objects.create(name="致歉", reply_template=public_template(), sort_order=1)
    mine = Macro.objects.create(name="致歉", reply_template=public_template(), shop=shop, sort_order=1)
    Macro.objects.create(name="停用的", reply_template=public_template(), active=False)

    assert [(m.id, m.layer) for m in macros_for(case)] == [(mine.pk, 2)]


def test_the_macro_list_is_cached_on_the_policy_stamp(shop, agent, django_assert_num_queries):
    case = verified_case(shop, agent)
    Macro.objects.create(name="致歉", reply_template=public_template())
    from cases.workflow.compose import policy_for

    policy = policy_for(case)
    assert [m.name for m in macros_for(case, policy)] == ["致歉"]
    with django_assert_num_queries(0):
        assert [m.name for m in macros_for(case, policy)] == ["致歉"]
    Macro.objects.create(name="再致歉", reply_template=public_template())  # the trigger moves the stamp
    assert [m.name for m in macros_for(case)] == ["再致歉", "致歉"]


def test_a_macro_needs_a_template_of_its_own_layer(shop, other_shop):
    from django.core.exceptions import ValidationError

    macro = Macro(name="越界", reply_template=public_template(shop=other_shop), shop=shop)
    with pytest.raises(ValidationError) as refused:
        macro.full_clean()
    assert "reply_template" in refused.value.message_dict
    Macro(name="本店", reply_template=public_template(shop=shop), shop=shop).full_clean()
    amount_only = Macro(name="只有金额", reply_template=public_template(), compensation_amount=Decimal("5"))
    with pytest.raises(ValidationError) as refused:
        amount_only.full_clean()
    assert refused.value.message_dict["compensation_kind"] == ["填写了补偿金额时请选择补偿类型。"]
