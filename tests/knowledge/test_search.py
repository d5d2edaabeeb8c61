"""Search in Chinese: segmented with jieba when saved and when asked, ranked, on whichever database runs
the tests (SQLite: LIKE on the words; PostgreSQL: full-text in the 'simple' configuration). The
``postgres`` test runs the same on PostgreSQL when DATABASE_URL points at it."""

import pytest
from django.db import connection
from django.urls import reverse

from knowledge.choices import ArticleStatus
from knowledge.search import search_articles
from knowledge.text import query_terms
from tests.knowledge.support import write

pytestmark = pytest.mark.django_db


def _library(manager, shop, other_manager, other_shop):
    write(manager, shop=shop, title="连衣裙拉链维修", body="拉链卡住时，先用铅笔芯润滑拉链齿。")
    write(manager, shop=shop, title="连衣裙尺码表", body="S码胸围84cm，M码胸围88cm。")
    write(manager, shop=shop, title="羊毛衫保养", body="手洗，平铺晾干，不要用力拧。拉链衫同理。")
    write(manager, shop=shop, title="拉链草稿", body="拉链", status=ArticleStatus.DRAFT)
    write(other_manager, shop=other_shop, title="别店的拉链", body="拉链拉链拉链")


def test_query_words_are_segmented_and_short_words_dropped():
    assert query_terms("连衣裙的拉链坏了") == ["连衣", "衣裙", "连衣裙", "拉链"]
    assert query_terms("  ") == []


def test_search_finds_chinese_words_ranks_the_title_first_and_stays_in_the_users_shops(
    seeded, shop, other_shop, agent, manager, other_manager
):
    _library(manager, shop, other_manager, other_shop)
    found = [a.title for a in search_articles(agent, "拉链坏了")]
    assert found[0] == "连衣裙拉链维修"
    assert set(found) == {"连衣裙拉链维修", "羊毛衫保养"}  # no draft, nothing of the other shop
    assert [a.title for a in search_articles(agent, "尺码")] == ["连衣裙尺码表"]
    assert search_articles(agent, "退款") == []


@pytest.mark.postgres
def test_search_runs_on_postgresql_full_text(seeded, shop, other_shop, agent, manager, other_manager):
    assert connection.vendor == "postgresql"
    _library(manager, shop, other_manager, other_shop)
    found = [a.title for a in search_articles(agent, "连衣裙拉链")]
    assert found[:2] == ["连衣裙拉链维修", "连衣裙尺码表"] or found[0] == "连衣裙拉链维修"
    assert "别店的拉链" not in found and "拉链草稿" not in found
    assert [a.title for a in search_articles(agent, "胸围")] == ["连衣裙尺码表"]


def test_the_list_page_searches(seeded, client, shop, other_shop, agent, manager, other_manager):
    _library(manager, shop, other_manager, other_shop)
    client.force_login(agent)
    page = client.get(reverse("knowledge:list"), {"q": "尺码"}).content.decode()
    assert "连衣裙尺码表" in page and "羊毛衫保养" not in page
    hostile = client.get(reverse("knowledge:list"), {"q": "<script>" * 50})
    assert hostile.status_code == 200 and "<script><script>" not in hostile.content.decode()
