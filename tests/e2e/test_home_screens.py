"""Each role's home in the browser, at 1440 px and at a phone's 390 px, on demo-like data (three shops,
a team, a day's cases in every state, offers waiting, follow-ups due, a month of ledger and surveys, two
weeks of rollups): screenshots test-artifacts/home-<role>-<width>.png. At 390 px no home is wider than the
phone; the agent starts their next case from the home."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    CaseFactory,
    CompensationOfferFactory,
    LedgerEntryFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = (1440, 390)


def demo_like_world() -> dict:
    from cases.models import Assignment, FollowUpTask
    from insights.services.rollup import rollup_rebuild_all
    from policies.models import IssueType
    from training.models import SatisfactionSurvey, TrainingModule
    from training.services.scores import score_record

    call_command("seed_policies", verbosity=0)
    shops = [
        ShopFactory(code="tb-home", platform="taobao", name="家居好物淘宝店"),
        ShopFactory(code="tm-baby", platform="tmall", name="母婴天猫旗舰店"),
        ShopFactory(code="dy-fashion", platform="douyin", name="潮流服饰抖店"),
    ]
    people = {
        "agent": UserFactory(username="agent1", display_name="王小丽", role="agent", shops=shops[:2]),
        "supervisor": UserFactory(
            username="supervisor1", display_name="陈静(主管)", role="supervisor", shops=shops
        ),
        "manager": UserFactory(username="manager1", display_name="孙经理(运营)", role="manager", shops=shops),
        "hr": UserFactory(username="hr1", display_name="周人事", role="hr", shops=shops),
    }
    team = [
        people["agent"],
        UserFactory(display_name="李明", role="agent", shops=shops, max_open_cases=6),
        UserFactory(display_name="张伟", role="agent", shops=shops[1:]),
        UserFactory(display_name="刘洋", role="agent", shops=shops[2:]),
    ]
    module = TrainingModule.objects.get(code="product_knowledge")
    period = f"{timezone.localdate():%Y-%m}"
    for member in team[:3]:  # 刘洋 is not certified: routing leaves him out
        score_record(
            agent=member,
            module=module,
            period=period,
            value="95",
            by=people["supervisor"],
            check_access=False,
        )
    issues = list(IssueType.objects.filter(active=True).order_by("pk"))
    now = timezone.now()
    texts = [
        "物流太慢，一个星期才到",
        "包装破损，杯子碎了一个",
        "客服回复太慢",
        "尺码偏小，和描述不符",
        "质量一般，用两天就坏了",
    ]
    minutes = [-45, -8, 12, 25, 50, 90, 180, 300, 600, 900]
    statuses = ["in_progress", "waiting_buyer", "assigned", "verified", "offered"]
    members = {shop.pk: [m for m in team if m.memberships.filter(shop=shop).exists()] for shop in shops}
    for k in range(40):
        shop = shops[k % 3]
        owner = members[shop.pk][k % len(members[shop.pk])] if k % 9 else None
        due = now + dt.timedelta(minutes=minutes[k % len(minutes)] + k)
        opened = now - dt.timedelta(days=k % 14, hours=k % 5)
        CaseFactory(
            shop=shop,
            assignee=owner,
            status=(statuses[k % 5] if owner else "new"),
            issue_type=issues[k % len(issues)],
            content=texts[k % len(texts)],
            opened_at=opened,
            first_response_due_at=due,
            first_response_warn_at=due - dt.timedelta(minutes=20),
            first_responded_at=opened + dt.timedelta(hours=1) if k % 3 == 0 else None,
            resolution_due_at=now + dt.timedelta(days=2),
            revision_allowed=k % 2 == 0,
            conversion_candidate_at=now if k % 6 == 0 else None,
        )
    for minutes_left, status in ((-25, "in_progress"), (9, "assigned"), (22, "waiting_buyer")):
        due = now + dt.timedelta(minutes=minutes_left)  # the agent's own: one breached, two due soon
        CaseFactory(
            shop=shops[0],
            assignee=people["agent"],
            status=status,
            issue_type=issues[0],
            content="快递三天没动，买家很着急",
            first_response_due_at=due,
            first_response_warn_at=due - dt.timedelta(minutes=20),
        )
    from cases.models import Case

    for case in Case.objects.filter(assignee__isnull=True)[:4]:
        Assignment.objects.create(
            case=case,
            to_user=None,
            reason="没有可分配的客服：刘洋未取得“产品知识”认证；张伟已满",
            created_at=now,
        )
    mine = list(Case.objects.filter(assignee=people["agent"]).order_by("pk"))
    for case in mine[:2]:
        CompensationOfferFactory(
            case=case, status="pending_approval", approval_role="supervisor", amount=Decimal("30")
        )
    for case in mine[2:5]:
        CompensationOfferFactory(case=case, status="accepted", cost=Decimal("12.00"), buyer_answer="accepted")
    resolved = CaseFactory(shop=shops[0], assignee=people["agent"], status="resolved", resolved_at=now)
    FollowUpTask.objects.create(
        case=resolved, step_ref=1, name="3天回访", channel="private_message", due_at=now
    )
    for n, case in enumerate(mine[:6]):
        LedgerEntryFactory(
            user=people["agent"],
            amount=Decimal("8.00"),
            case_ref=case.pk,
            event="verified_conversion",
            key=f"d:{case.pk}",
        )
        SatisfactionSurvey.objects.create(
            case=case, score=3 + n % 3, answered_at=now, recorded_by=people["supervisor"], recorded_at=now
        )
    rollup_rebuild_all()
    return people


@pytest.fixture
def world(db):
    return demo_like_world()


def _no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide at 390px"


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager", "hr"])
def test_each_roles_home_at_desktop_and_phone_width(page, live_server, login, world, screenshot, role):
    login(page, world[role])
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/")
        assert page.locator("h2").first.is_visible()
        if width == 390:
            _no_overflow(page)
        screenshot(page, f"home-{role}-{width}")
    heading = {"agent": "我的工作", "supervisor": "团队看板", "manager": "近7天关键指标", "hr": "结算期间"}[
        role
    ]
    assert page.locator("h2", has_text=heading).is_visible()
    if role == "manager":  # the dashboard opens with the same figures, each a link to its cases
        page.set_viewport_size({"width": 1440, "height": 900})
        page.goto(f"{live_server.url}/insights/")
        assert page.locator("#dashboard-summary a.home-tile").count() == 4
        page.screenshot(path=str(ARTIFACTS / "dashboard-summary-1440.png"))


def test_the_agent_starts_the_next_case_from_the_home(page, live_server, login, world):
    login(page, world["agent"])
    page.click("#next-case")
    page.wait_for_url(f"{live_server.url}/cases/*/")
    assert page.locator("h1").first.inner_text().startswith("#") or "/cases/" in page.url
