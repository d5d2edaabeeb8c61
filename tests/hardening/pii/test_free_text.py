"""Phone numbers, ID numbers and addresses that buyers type into free text (review, appended review, item
title, SKU) are masked for every reader without the reveal permission, everywhere; as written for those
with it (issue 14, F10). The world is the planted one of conftest.py."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from cases.models import Case, Notification
from tests.factories import UserFactory
from tests.hardening.pii.world import (
    REVEALERS,
    TYPED,
    TYPED_APPENDED,
    TYPED_IN,
    TYPED_SKU,
    TYPED_TITLE,
    body_of,
    leaks_in,
)


def _typed_case(world) -> Case:
    return next(c for c in world["cases"] if c.review.external_id == f"PII-{TYPED_IN}")


def test_contact_data_typed_into_a_review_is_masked_in_lists_for_everyone(world):
    typed = _typed_case(world)
    client = Client()
    client.force_login(world["users"]["supervisor"])
    lists = {
        url: leaks_in(body_of(client.get(url)))
        for url in (
            reverse("cases:queue_shop"),
            reverse("cases:queue_all"),
            reverse("cases:team_load"),
            "/api/v1/cases/?scope=all",
            reverse("insights:unresolved"),
            f"{reverse('insights:weekly')}?week={world['week'].key}",
        )
    }
    api_row = next(
        r
        for r in client.get("/api/v1/cases/?scope=all&page_size=50").json()["results"]
        if r["id"] == typed.pk
    )

    assert lists == dict.fromkeys(lists, [])
    assert "打我电话[电话已隐藏]" in body_of(
        client.get(reverse("cases:queue_all"))
    )  # the row is there, masked
    assert api_row["content"] == "快递把盒子压坏了，打我电话[电话已隐藏]，寄到上海市浦东新区[地址已隐藏]"


@pytest.mark.parametrize("role", ["agent", "qa_only"])
def test_free_text_is_masked_on_the_case_page_api_and_qa_page_for_a_reader_without_the_reveal(world, role):
    """F10: the case page, the API detail and the QA page showed numbers typed into the review, the
    appended review, the item title and the SKU in full."""
    typed = _typed_case(world)
    user = world["users"]["agent"] if role == "agent" else _qa_only_user(world)
    client = Client()
    client.force_login(user)
    urls = (
        [reverse("training:qa_case", args=[typed.pk])]
        if role == "qa_only"
        else [
            reverse("cases:case_detail", args=[typed.pk]),
            f"/api/v1/cases/{typed.pk}/",
            f"/api/v1/cases/{typed.pk}/compose/",
        ]
    )
    answers = {url: client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(urls, 200)
    assert {url: leaks_in(body_of(r)) for url, r in answers.items()} == dict.fromkeys(urls, [])
    first = body_of(answers[urls[0]])
    assert "打我电话[电话已隐藏]" in first and "寄到上海市浦东新区[地址已隐藏]" in first  # shown, masked
    if role == "agent":
        assert (
            "[证件号已隐藏]" in first and "客服[电话已隐藏]" in first and "杭州市西湖区[地址已隐藏]" in first
        )
        review = answers[urls[1]].json()["review"]
        assert review["content"] == "快递把盒子压坏了，打我电话[电话已隐藏]，寄到上海市浦东新区[地址已隐藏]"
        assert review["appended_content"] == "追评：还是没人联系，电话[电话已隐藏]，身份证[证件号已隐藏]"
        assert review["item_title"] == "纯棉四件套 客服[电话已隐藏]"
        assert review["sku"] == "白色;收货电话[电话已隐藏];杭州市西湖区[地址已隐藏]"


def _qa_only_user(world):
    """Someone who scores QA but may not reveal contact data (a QA specialist's own group)."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name="qa-only-test")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="training", codename="add_qareview")
    )
    user = UserFactory(shops=[world["shop"]])
    user.groups.add(group)
    return user


@pytest.mark.parametrize("role", REVEALERS)
def test_holders_of_the_reveal_read_the_free_text_as_written_on_the_case_page_and_api(world, role):
    typed = _typed_case(world)
    client = Client()
    client.force_login(world["users"][role])
    page = body_of(client.get(reverse("cases:case_detail", args=[typed.pk])))
    review = client.get(f"/api/v1/cases/{typed.pk}/").json()["review"]

    assert TYPED in page
    assert (review["content"], review["appended_content"], review["item_title"], review["sku"]) == (
        TYPED,
        TYPED_APPENDED,
        TYPED_TITLE,
        TYPED_SKU,
    )
    # The lists stay masked for them too.
    assert leaks_in(body_of(client.get(reverse("cases:queue_all")))) == []


def test_notifications_and_robots_carry_the_typed_item_title_masked(world):
    typed = _typed_case(world)
    notes = list(Notification.objects.filter(case_id=typed.pk).values_list("title", "body"))
    text = json.dumps(notes, ensure_ascii=False)

    assert notes and leaks_in(text) == []
    assert "纯棉四件套 客服[电话已隐藏]" in text


def test_reply_drafts_carry_the_item_title_and_sku_masked(db, shop):
    """A template with {item_title} or {sku} fills them masked: a public reply never repeats a typed number."""
    from cases.workflow.compose import reply_context
    from tests.training.conftest import make_case

    case = make_case(shop)
    case.review.item_title, case.review.sku = "床单 联系13812345678", "颜色：蓝 电话 139-1234-5678"
    case.review.save(update_fields=["item_title", "sku"])
    context = reply_context(case)
    assert "13812345678" not in context["item_title"] and "床单" in context["item_title"]
    assert "5678" not in context["sku"] and "颜色" in context["sku"]
