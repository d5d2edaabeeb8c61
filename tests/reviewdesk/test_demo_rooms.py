"""The demo's newer rooms are not empty: `demo_data`'s knowledge, prevention and shop-health builders write
through the real services (articles saved and approved, an order export imported, traces recorded, the
late sweep and the risk rules, the DSR export imported) so that agent1, supervisor1 and manager1 find rows
on the knowledge, prevention and shop-health pages; a second run adds nothing. The whole `demo_data` with
every builder is test_demo_invariants.py (one slow build); here only these builders, on the demo org."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from insights.health.demo import build_health_demo
from insights.health.models import DsrScore
from knowledge.choices import ArticleKind, ArticleStatus
from knowledge.demo import build_knowledge_demo
from knowledge.matching import articles_for_case
from knowledge.models import Article
from policies.models import CampaignPeriod, IssueType
from prevention.choices import LateReason, RiskReason, TaskStatus
from prevention.demo import RETURNER, build_prevention_demo
from prevention.models import Order, PreventionTask, RiskFlag, TraceEvent
from reviewdesk.demo import ensure_demo_org
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db
BUILDERS = (build_knowledge_demo, build_prevention_demo, build_health_demo)


def build():
    shops, users = ensure_demo_org()
    for builder in BUILDERS:
        builder(shops=shops, users=users, stdout=io.StringIO())
    return shops, users


def counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (Article, Order, TraceEvent, PreventionTask, RiskFlag, CampaignPeriod, DsrScore)
    )


@pytest.fixture
def demo(policy_pack):
    return build()


def test_each_room_gets_its_rows_through_the_services_and_a_second_run_adds_nothing(demo):
    shops, _users = demo
    assert len(shops) == 5
    # Knowledge: three articles and two quick replies per shop, approved.
    assert Article.objects.filter(status=ArticleStatus.PUBLISHED).count() == 25
    assert Article.objects.filter(kind=ArticleKind.ANSWER).count() == 10
    # Prevention: the imported orders, their traces; one task per late order and reason, timed in 双12.
    assert Order.objects.count() == 45 and TraceEvent.objects.exists()
    tasks = PreventionTask.objects.all()
    assert sorted(set(tasks.values_list("reason", flat=True))) == sorted(LateReason.values)
    assert tasks.count() == 20
    assert set(tasks.values_list("campaign_name", "campaign_calendar")) == {("双12", "大促全天排班")}
    worked = tasks.get(status=TaskStatus.DONE)
    assert (worked.shop.code, worked.outcome, worked.done_by.username) == ("tb-home", "compensated", "agent1")
    # Risk: the buyer with two returns is flagged on their new order, in every shop, by the real rule.
    flags = RiskFlag.objects.select_related("order")
    assert flags.count() == 5 and {f.order.buyer_nick for f in flags} == {RETURNER}
    assert {r["code"] for f in flags for r in f.reasons} == {RiskReason.AFTER_SALES}
    # Shop health: a week of three scores per shop; tb-home's service is below the average on the last day.
    assert DsrScore.objects.count() == 5 * 7 * 3
    below = DsrScore.objects.filter(score__lt=Decimal("4.760"), metric="service")
    assert list(below.values_list("shop__code", flat=True)) == ["tb-home"]
    assert below.get().day == DsrScore.objects.latest("day").day

    before = counts()
    build()
    assert counts() == before


def test_the_demo_users_find_rows_on_each_page(demo, client):
    shops, users = demo
    health = f"{reverse('insights:health')}?shop={shops['tb-home'].pk}"
    pages = {
        "agent1": [("knowledge:list", "马克杯杯口釉面小气泡"), ("prevention:queue", "prevention-task-")],
        "supervisor1": [
            ("knowledge:list", "物流延迟的标准答复"),
            ("prevention:queue", "prevention-task-"),
            ("prevention:risky", RETURNER),
            (
                health,
                '<td class="num">4.710</td><td class="num">4.760</td><td class="num">-0.050 低于行业均值',
            ),
        ],
        "manager1": [
            ("knowledge:list", "宽松卫衣尺码表"),
            ("prevention:queue", "大促：双12"),
            ("prevention:effect", "家居好物淘宝店"),
            (health, "低于行业均值"),
        ],
    }
    for username, wanted in pages.items():
        client.force_login(users[username])
        for name, text in wanted:
            response = client.get(name if name.startswith("/") else reverse(name))
            assert response.status_code == 200, (username, name)
            assert text in response.content.decode(), (username, name, text)
    client.force_login(users["agent1"])
    task = PreventionTask.objects.filter(shop__code="tb-home", status=TaskStatus.OPEN).first()
    page = client.get(reverse("prevention:task", args=[task.pk])).content.decode()
    assert "大促期间开启(双12)：处理时限按大促排班日历“大促全天排班”计时。" in page


def test_a_demo_case_about_a_demo_product_shows_its_articles(demo):
    shops, _users = demo
    case = CaseFactory(
        shop=shops["tb-home"],
        review__item_id="61000001",
        review__sku="白色 350ml",
        issue_type=IssueType.objects.get(code="quality"),
    )
    titles = [a.title for a in articles_for_case(case)]
    assert set(titles) == {"马克杯杯口釉面小气泡：已知缺陷与处理", "质量问题的标准答复"}
