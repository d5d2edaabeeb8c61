"""The weekly report's knowledge sections (insights.hooks.weekly_sections): the week's most used
articles, and the week's cases no published article fits (what the weekly review should write next)."""

import pytest
from django.utils import timezone

from insights.hooks import weekly_sections
from insights.periods import week_of
from knowledge.choices import ArticleKind
from knowledge.services import article_use_record
from knowledge.weekly import weekly_tables
from tests.knowledge.support import issue, open_case, write

pytestmark = pytest.mark.django_db


def test_the_weekly_report_lists_the_most_used_and_the_missing_articles(
    seeded, shop, other_shop, agent, manager, django_assert_max_num_queries
):
    assert weekly_tables in weekly_sections.all()
    answer = write(manager, shop=shop, title="致歉话术", kind=ArticleKind.ANSWER, body="亲，抱歉。")
    write(manager, shop=shop, title="面料说明", item_id="6001")
    covered = open_case(shop, agent, item_id="6001")
    missing = [open_case(shop, agent, item_id="7002", issue_type=issue("quality")) for _ in range(2)]
    open_case(other_shop, None, item_id="9999")  # another shop: not in this report
    for case in (covered, missing[0], missing[0]):
        article_use_record(article=answer, case=case, by=agent)
    week = week_of(timezone.localdate())
    with django_assert_max_num_queries(3):
        tables = {t.key: t for t in weekly_tables(week=week, shop_ids=(shop.pk,), top_issue_keys=[])}
    assert tables["knowledge_most_used"].rows == [["致歉话术", 3, 2]]
    assert tables["knowledge_missing"].rows == [[issue("quality").name, "7002", 2]]
    assert weekly_tables(week=week.previous(), shop_ids=(shop.pk,), top_issue_keys=[]) == []
