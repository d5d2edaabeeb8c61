"""Which articles the case page shows: by item, SKU pattern, issue type and platform, ranked; the
panel costs one query and the case page keeps its budget."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from knowledge.choices import ArticleKind, ArticleStatus
from knowledge.matching import articles_for_case, sku_pattern_refusal
from knowledge.models import Article
from tests.knowledge.support import issue, open_case, write

pytestmark = pytest.mark.django_db


def titles(case):
    from cases.queries.access import case_for

    return [a.title for a in articles_for_case(case_for(case.assignee, case.pk))]


def test_articles_match_by_item_sku_pattern_issue_type_and_rank_the_specific_first(
    seeded, shop, agent, manager
):
    write(manager, shop=shop, title="按商品", item_id="6001")
    write(manager, shop=shop, title="按规格", sku_pattern="LY-20*")
    write(manager, shop=shop, title="按问题类型", issue_type=issue("quality"))
    write(manager, shop=shop, title="别的商品", item_id="7000")
    write(manager, shop=shop, title="别的规格", sku_pattern="XX-*")
    write(manager, shop=shop, title="别的问题", issue_type=issue("logistics"))
    write(manager, shop=shop, title="通用保养", kind=ArticleKind.CARE)  # names nothing: found by search only
    write(manager, shop=shop, title="草稿", item_id="6001", status=ArticleStatus.DRAFT)
    case = open_case(shop, agent, item_id="6001", sku="ly-2024 红色 M", issue_type=issue("quality"))
    assert titles(case) == ["按商品", "按规格", "按问题类型"]


def test_a_sku_pattern_is_a_glob_and_a_bad_one_is_refused_in_words(seeded, shop, manager):
    assert sku_pattern_refusal("LY-20?") is None
    assert "只有通配符" in sku_pattern_refusal("**")
    assert "方括号" in sku_pattern_refusal("LY[20")
    with pytest.raises(ValidationError) as caught:
        write(manager, shop=shop, sku_pattern="*")
    assert "只有通配符" in str(caught.value)
    assert not Article.objects.exists()


def test_another_shops_article_is_not_shown_on_the_case(
    seeded, shop, other_shop, agent, manager, other_manager
):
    write(other_manager, shop=other_shop, title="别店的", item_id="6001")
    write(manager, shop=shop, title="本店的", item_id="6001")
    case = open_case(shop, agent, item_id="6001")
    assert titles(case) == ["本店的"]


def test_the_case_page_pays_no_query_for_the_panel_and_the_fragment_shows_articles_and_quick_replies(
    seeded, client, shop, agent, manager, django_assert_num_queries, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = open_case(shop, agent, item_id="6001", sku="LY-3-红")
    client.force_login(agent)
    page_url = reverse("cases:case_detail", kwargs={"pk": case.pk})
    client.get(page_url)  # warm the policy cache
    with CaptureQueriesContext(connection) as before:
        client.get(page_url)
    for n in range(30):
        write(manager, shop=shop, title=f"规格{n}", sku_pattern=f"LY-{n}*")
    write(
        manager,
        shop=shop,
        title="标准答复",
        kind=ArticleKind.ANSWER,
        body="亲，给您添麻烦了。",
        item_id="6001",
    )
    with django_assert_num_queries(len(before.captured_queries)):  # the same with 31 articles as with none
        page = client.get(page_url).content.decode()
    assert reverse("knowledge:case_panel", kwargs={"case_id": case.pk}) in page
    # The fragment: the session, the user, the shops, the case, the permission-free articles query.
    with django_assert_max_num_queries(5):
        fragment = client.get(reverse("knowledge:case_panel", kwargs={"case_id": case.pk})).content.decode()
    assert 'id="kb-panel"' in fragment
    assert "标准答复" in fragment and "规格3" in fragment and "规格4" not in fragment
    assert 'data-kb-insert="kb-text-' in fragment
    assert "亲，给您添麻烦了。" in fragment


def test_the_panel_is_one_query(seeded, shop, agent, manager, django_assert_num_queries):
    write(manager, shop=shop, title="按商品", item_id="6001")
    case = open_case(shop, agent, item_id="6001")
    from cases.queries.access import case_for

    loaded = case_for(agent, case.pk)
    with django_assert_num_queries(1):
        assert [a.title for a in articles_for_case(loaded)] == ["按商品"]
