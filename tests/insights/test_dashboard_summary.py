"""The dashboard's summary strip and the manager's KPIs (insights.selectors.summary) on the hand-made
data set (tests/insights/dataset.py): W47 (11-16 … 11-22) against W46, shop A; every figure and every
table links to its cases."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from insights.selectors.dashboard import Filters
from insights.selectors.summary import summary
from tests.insights.dataset import NOW

pytestmark = pytest.mark.django_db
W47 = {"start": "2026-11-16", "end": "2026-11-22"}


def login(client, user):
    client.force_login(user)
    return client


def week(world, *shops, now=NOW):
    filters = Filters(
        shop_ids=tuple(s.pk for s in shops), start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 22)
    )
    return {figure.key: figure for figure in summary(filters, now=now)}


def test_the_four_figures_of_a_week_beside_the_week_before(world):
    figures = week(world, world.shop_a)
    shown = {key: (f.value, f.previous, f.delta, f.tone) for key, f in figures.items()}
    assert shown == {
        # c1 … c9 opened in W47 (c10 is Monday 00:10 of W48), c13 … c16 in W46: more is worse.
        "volume": ("9", "4", "+5", "bad"),
        # first response met: c1, c5, c6; missed: c2 (late), c4 (never, due); c9 still running.
        "first_response": ("60.0%", "—", "", ""),
        # revision allowed: c1 (converted), c2, c3, c4; none in W46.
        "conversion": ("25.0%", "—", "", ""),
        # accepted offers: c4 30 + c1 12 + c2 12 + c6 0 (the dashboard's cost table says 54.00 too).
        "cost": ("54.00", "0.00", "+54.00", "bad"),
    }


def test_the_figures_agree_with_the_dashboards_tables(world):
    from insights.selectors.dashboard import dashboard

    filters = Filters(shop_ids=(world.shop_a.pk,), start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 22))
    tables = {t.key: t for t in dashboard(filters, now=NOW)}
    figures = week(world, world.shop_a)
    first_response = tables["sla"].rows[0]
    assert f"{first_response[4]}%" == figures["first_response"].value
    assert f"{tables['conversion'].rows[-1][3]}%" == figures["conversion"].value
    assert str(tables["cost_option"].rows[-1][2]) == figures["cost"].value
    assert str(tables["weekly"].rows[-1][-1]) == figures["volume"].value


def test_a_better_week_reads_as_good_news(world):
    later = Filters(shop_ids=(world.shop_a.pk,), start=dt.date(2026, 11, 23), end=dt.date(2026, 11, 29))
    figures = {f.key: f for f in summary(later, now=NOW)}
    assert (figures["volume"].value, figures["volume"].previous, figures["volume"].delta) == ("1", "9", "−8")
    assert figures["volume"].tone == "ok" and figures["cost"].tone == "ok"  # less spent than in W47


def test_another_shops_cases_are_not_counted(world):
    only_b = week(world, world.shop_b)
    assert only_b["volume"].value == "2" and only_b["cost"].value == "0.00"


def _count_on(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def test_every_figure_links_to_the_cases_behind_it(client, world):
    web = login(client, world.manager)
    figures = {
        f.key: f
        for f in summary(
            Filters(shop_ids=(world.shop_a.pk,), start=dt.date(2026, 11, 16), end=dt.date(2026, 11, 22)),
            now=timezone.now(),
            query={"shop": "tb-main"},
        )
    }
    for figure in figures.values():
        query = parse_qs(urlparse(figure.url).query)
        assert (
            query["shop"] == ["tb-main"]
            and query["start"] == ["2026-11-16"]
            and query["end"] == ["2026-11-22"]
        )
    assert _count_on(web, figures["volume"].url) == 9
    # Today (after the data set's week) c9's first response is overdue too: c2, c4, c9.
    assert _count_on(web, figures["first_response"].url) == 3
    assert _count_on(web, figures["conversion"].url) == 1
    assert _count_on(web, figures["cost"].url) == 4


def test_the_dashboard_opens_with_the_summary_and_every_table_links_to_its_cases(
    client, world, django_assert_max_num_queries
):
    web = login(client, world.manager)
    url = "/insights/?" + "&".join(f"{k}={v}" for k, v in {**W47, "shop": "tb-main"}.items())
    web.get(url)
    with django_assert_max_num_queries(25):
        response = web.get(url)
    html = response.content.decode()
    assert html.index('id="dashboard-summary"') < html.index('class="card insights-card"')
    strip = html.split('id="dashboard-summary"', 1)[1].split("</section>", 1)[0]
    assert "2026-11-16 至 2026-11-22" in strip
    assert [m for m in re.findall(r'data-figure="(\w+)"', strip)] == [
        "volume",
        "first_response",
        "conversion",
        "cost",
    ]
    tables = response.context["tables"]
    assert len(tables) >= 11
    for table in tables:
        assert table.cases_url and f'href="{table.cases_url.replace("&", "&amp;")}"' in html, table.key
    links = {t.key: t.cases_url for t in tables}
    assert "drill=breached" in links["sla"] and "drill=compensated" in links["cost_option"]
    assert "drill=converted" in links["conversion"] and "drill=appealed" in links["appeals"]
    assert links["workload"] == "/cases/queue/all/?shop=tb-main"
    assert _count_on(web, links["appeals"]) == 2  # c7 and c8 were appealed (c13 in W46 is not in range)


def test_bad_filters_show_no_summary(client, world):
    response = login(client, world.manager).get("/insights/?start=2026-11-22&end=2026-11-01")
    assert response.status_code == 400 and 'id="dashboard-summary"' not in response.content.decode()


def test_the_managers_home_shows_the_last_seven_days_against_the_seven_before(
    client, world, monkeypatch, django_assert_max_num_queries
):
    import insights.views

    monkeypatch.setattr(insights.views, "local_today", lambda: dt.date(2026, 11, 22))
    web = login(client, world.manager)
    web.get("/")
    with django_assert_max_num_queries(12):
        response = web.get("/")
    panel = next(p for p in response.context["panels"] if p["template"] == "insights/_home_panel.html")
    figures = {f.key: f for f in panel["context"]["figures"]}
    # Both shops: shop B's two W47 cases count with shop A's nine.
    assert (figures["volume"].value, figures["volume"].previous) == ("11", "4")
    assert figures["cost"].value == "54.00"
    html = response.content.decode()
    assert "近7天关键指标" in html and 'data-figure="first_response"' in html
    templates = {p["template"] for p in response.context["panels"]}
    assert not templates & {
        "cases/_home_agent.html",
        "incentives/_home_month.html",
        "training/_home_panel.html",
    }


def test_a_supervisor_gets_the_team_board_not_the_kpis(client, world):
    response = login(client, world.supervisor_a).get("/")
    templates = {p["template"] for p in response.context["panels"]}
    assert "cases/_home_team.html" in templates and "insights/_home_panel.html" not in templates
