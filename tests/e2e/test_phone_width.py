"""A supervisor's pages at a phone's width (390 px, Chromium via Playwright): the approvals list, the team
board, the queue with its bulk actions and the case page are usable — the page body never scrolls
sideways (``document.documentElement.scrollWidth ≤ 390``; wide tables scroll inside their card) — and a
screenshot of each is saved to ``test-artifacts/<page>-390.png``."""

import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cases.choices import CaseStatus
from tests.cases.routing_support import make_case
from tests.factories import CompensationOfferFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTH = 390

OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = [...document.body.querySelectorAll("*")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1
      && !el.closest(".table-scroll, .card, pre, .grid-scroll")
      && getComputedStyle(el).position !== "fixed")
    .slice(0, 5).map((el) => el.tagName + (el.id ? "#" + el.id : "") + "." + el.className);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide};
}"""


@pytest.fixture
def board(make_user, shop):
    boss = make_user("supervisor", shops=[shop], display_name="周主管")
    people = [
        make_user("agent", shops=[shop], display_name=name, max_open_cases=30)
        for name in ("张三", "李四丰", "王五六七")
    ]
    for person in people:
        for _ in range(2):
            case = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=person)
        CompensationOfferFactory(
            case=case,
            status="pending_approval",
            approval_role="supervisor",
            amount=Decimal("30.00"),
            cost=Decimal("30.00"),
            requested_by=person,
            reason="买家收到的商品有划痕，要求补偿，已核实责任在商家" * 2,
        )
    waiting = [make_case(shop) for _ in range(4)]
    return boss, waiting


def _check(page, live_server, screenshot, path: str, name: str) -> dict:
    page.goto(f"{live_server.url}{path}")
    page.wait_for_load_state("networkidle")
    measured = page.evaluate(OVERFLOW)
    screenshot(page, f"{name}-{WIDTH}")
    assert measured["scroll"] <= WIDTH, (name, measured)
    return measured


def test_the_supervisors_pages_fit_a_phone(page, live_server, login, board, screenshot):
    boss, waiting = board
    page.set_viewport_size({"width": WIDTH, "height": 844})
    login(page, boss)
    _check(page, live_server, screenshot, "/cases/approvals/", "approvals")
    expect(page.locator("body")).to_contain_text("买家收到的商品有划痕")
    _check(page, live_server, screenshot, "/cases/team/", "team")
    expect(page.locator("#unassigned")).to_contain_text(f"#{waiting[0].pk}")
    _check(page, live_server, screenshot, "/cases/queue/all/", "queue-all")
    expect(page.locator("#bulk-actions")).to_be_visible()
    _check(page, live_server, screenshot, f"/cases/{waiting[0].pk}/", "case-supervisor")
