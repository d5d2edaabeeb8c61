"""The small hand-made data set every insights figure is checked against (answers in the tests).

Week under test: 2026-W47 = Mon 2026-11-16 … Sun 2026-11-22, Asia/Shanghai; previous week W46.
Shop A "tb-main" (Taobao), shop B "dy-main" (Douyin). Times below are Asia/Shanghai wall clock.

Shop A, W47 中差评 (rating ≤ 3)                      issue        item|sku    courier
  r1  Mon 11-16 00:30 (= Sun 15:30 UTC, W46 in UTC)  1→5 conv.   logistics    A1|红色     中通
  r2  Tue 11-17 10:00                                1           logistics    A1|红色     中通
  r3  Wed 11-18 10:00                                3           logistics    A2|蓝色     韵达
  r4  Thu 11-19 10:00                                2           quality      A1|红色     韵达
  r5  Thu 11-19 11:00                                1           quality      A2|蓝色     中通
  r6  Fri 11-20 10:00                                3           service      A3|默认     顺丰
  r7  Fri 11-20 11:00                                1           service      A3|默认     韵达
  r8  Sat 11-21 10:00                                3           misunderst.  A2|蓝色     顺丰
  r9  Sun 11-22 23:50 (= 15:50 UTC)                  2           misunderst.  A1|红色     中通
  r10 Mon 11-23 00:10 (= Sun 16:10 UTC, so W48)      1           logistics    A1|红色     中通
  + two good reviews (5) in W47 that open no case.
Shop A, W46: r13 Mon 11-09 L 1 A1 中通; r14 Tue 11-10 Q 1 A1 韵达; r15 Wed 11-11 Q 2 A2 韵达;
             r16 Sun 11-15 23:00 Q 3 A1 中通.
Shop B, W47: b1 Mon 11-16 10:00 L 1 B1|黑 京东物流; b2 Tue 11-17 10:00 Q 2 B1|黑 京东物流.

Courier months (shop A; reviews on the 10th, the first `bad` rated 1 with a logistics case):
  韵达 Aug 10/3 (30 %), Sep 5/2 (40 %), Oct 4/1 (25 %)   → flagged
  中通 Aug 5/1 (exactly 20 %), Sep 5/2, Oct 5/2           → not flagged (20 % is not over)
  顺丰 Aug 2/1, Sep none (a month with no orders), Oct 2/1 → not flagged
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction

from cases.models import Appeal, CaseEvent, SlaEvent
from insights.services.rollup import rollup_rebuild_all
from policies.models import CompensationOption, IssueType
from tests import default_pack
from tests.factories import CaseFactory, CompensationOfferFactory, ReviewFactory, ShopFactory, UserFactory

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH)
_n = itertools.count(1)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@dataclass
class World:
    shop_a: object
    shop_b: object
    agent1: object
    agent2: object
    supervisor_a: object
    manager: object
    issue: dict
    cases: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)


def review(shop, when, rating, item="A1", sku="红色", courier="中通", content="", title=None):
    n = next(_n)
    return ReviewFactory(
        shop=shop,
        item_id=item,
        sku=sku,
        item_title=title or f"商品{item}",
        rating=rating,
        rating_text="",
        content=content or f"评价{n}",
        reviewed_at=when,
        courier=courier,
    )


def case(review_obj, issue, *, status="closed", assignee=None, **fields):
    fields.setdefault("handling_role", "")
    fields.setdefault("escalation_role", "")
    fields.setdefault("assigned_at", None)
    return CaseFactory(
        review=review_obj,
        shop=review_obj.shop,
        status=status,
        issue_type=issue,
        assignee=assignee,
        opened_at=review_obj.reviewed_at,
        **fields,
    )


@contextlib.contextmanager
def built_world(django_db_blocker):
    """The world, built inside a transaction rolled back at the end: each test of the module that holds
    it runs in its own savepoint, so a test that edits something leaves no trace."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def build() -> World:
    default_pack.insert()
    issue = {
        code: IssueType.objects.get(code=code)
        for code in ("logistics", "quality", "service", "misunderstanding")
    }
    shop_a = ShopFactory(code="tb-main", platform="taobao", name="淘宝旗舰店")
    shop_b = ShopFactory(code="dy-main", platform="douyin", name="抖店旗舰店")
    w = World(
        shop_a=shop_a,
        shop_b=shop_b,
        agent1=UserFactory(username="agent1", display_name="王一", role="agent", shops=[shop_a]),
        agent2=UserFactory(username="agent2", display_name="李二", role="agent", shops=[shop_a]),
        supervisor_a=UserFactory(username="sup_a", display_name="陈主管", role="supervisor", shops=[shop_a]),
        manager=UserFactory(username="mgr", display_name="周经理", role="manager", shops=[shop_a, shop_b]),
        issue=issue,
    )
    L, Q, S, M = issue["logistics"], issue["quality"], issue["service"], issue["misunderstanding"]
    h = dt.timedelta(hours=1)
    # --- shop A, W47 -------------------------------------------------------------------------
    t = at(11, 16, 0, 30)
    r1 = review(shop_a, t, 5, content="快递太慢了，一个星期才到")
    w.cases["c1"] = case(
        r1,
        L,
        status="resolved",
        assignee=w.agent1,
        revision_allowed=True,
        first_response_due_at=t + 2 * h,
        first_responded_at=t + h,
        resolution_due_at=t + 48 * h,
        resolved_at=t + 24 * h,
        conversion_candidate_at=t + 30 * h,
        converted_from_rating=1,
        converted_to_rating=5,
    )
    t = at(11, 17)
    w.cases["c2"] = case(
        review(shop_a, t, 1, content="外包装破损"),
        L,
        status="resolved",
        assignee=w.agent1,
        revision_allowed=True,
        first_response_due_at=t + 2 * h,
        first_responded_at=t + 3 * h,
        resolution_due_at=t + 48 * h,
        resolved_at=t + 72 * h,
    )
    t = at(11, 18)
    w.cases["c3"] = case(
        review(shop_a, t, 3, "A2", "蓝色", "韵达", "物流很慢"),
        L,
        status="offered",
        assignee=w.agent2,
        revision_allowed=True,
    )
    t = at(11, 19)
    w.cases["c4"] = case(
        review(shop_a, t, 2, "A1", "红色", "韵达", "质量差，用两天就坏"),
        Q,
        status="assigned",
        assignee=w.agent1,
        revision_allowed=True,
        first_response_due_at=t + 4 * h,
        public_reply_due_at=t + 24 * h,
        resolution_due_at=t + 48 * h,
    )
    t = at(11, 19, 11)
    w.cases["c5"] = case(
        review(shop_a, t, 1, "A2", "蓝色", "中通", "开线起球"),
        Q,
        status="in_progress",
        assignee=w.agent1,
        first_response_due_at=t + 4 * h,
        first_responded_at=t + h / 2,
        public_reply_due_at=t + 24 * h,
        public_replied_at=t + 10 * h,
        resolution_due_at=at(11, 30),
    )
    t = at(11, 20)
    w.cases["c6"] = case(
        review(shop_a, t, 3, "A3", "默认", "顺丰", "客服回复慢"),
        S,
        status="resolved",
        assignee=w.agent2,
        first_response_due_at=t + 24 * h,
        first_responded_at=t + 2 * h,
        public_reply_due_at=t + 24 * h,
        resolution_due_at=t + 48 * h,
        resolved_at=t + 5 * h,
    )
    w.cases["c7"] = case(
        review(shop_a, at(11, 20, 11), 1, "A3", "默认", "韵达", "态度差"),
        S,
        status="appealing",
        assignee=w.agent2,
    )
    w.cases["c8"] = case(
        review(shop_a, at(11, 21), 3, "A2", "蓝色", "顺丰", "不会用"),
        M,
        status="malicious",
        assignee=w.agent2,
    )
    t = at(11, 22, 23, 50)
    w.cases["c9"] = case(
        review(shop_a, t, 2, "A1", "红色", "中通", "说明书看不懂"),
        M,
        status="new",
        first_response_due_at=at(11, 23, 14),
        resolution_due_at=at(11, 25),
    )
    w.cases["c10"] = case(review(shop_a, at(11, 23, 0, 10), 1), L, status="new")
    review(shop_a, at(11, 17, 12), 5, content="很好")
    review(shop_a, at(11, 18, 12), 5, "A2", "蓝色", "顺丰", "不错")
    # --- shop A, W46 -------------------------------------------------------------------------
    w.cases["c13"] = case(review(shop_a, at(11, 9), 1), L)
    w.cases["c14"] = case(review(shop_a, at(11, 10), 1, "A1", "红色", "韵达"), Q)
    w.cases["c15"] = case(review(shop_a, at(11, 11), 2, "A2", "蓝色", "韵达"), Q)
    w.cases["c16"] = case(review(shop_a, at(11, 15, 23), 3), Q)
    # --- shop B, W47 -------------------------------------------------------------------------
    w.cases["b1"] = case(
        review(shop_b, at(11, 16), 1, "B1", "黑", "京东物流", "物流太慢"),
        L,
        status="new",
        revision_allowed=True,
        resolution_due_at=at(11, 22),
    )
    w.cases["b2"] = case(review(shop_b, at(11, 17), 2, "B1", "黑", "京东物流", "质量不好"), Q)
    # --- courier months, shop A ------------------------------------------------------------
    for courier, months in {
        "韵达": [(8, 10, 3), (9, 5, 2), (10, 4, 1)],
        "中通": [(8, 5, 1), (9, 5, 2), (10, 5, 2)],
        "顺丰": [(8, 2, 1), (10, 2, 1)],
    }.items():
        for month, total, bad in months:
            for k in range(total):
                r = review(shop_a, at(month, 10, 9 + k % 10), 1 if k < bad else 5, "A9", "月度", courier)
                if k < bad:
                    case(r, L)
    # --- offers, appeals, timeline --------------------------------------------------------------
    w.options = {
        "reship": CompensationOption.objects.get(name="无理由补发(顺丰包邮，48小时内发货)"),
        "shipping": CompensationOption.objects.get(name="赔偿运费(订单运费的1.5倍)"),
        "apology": CompensationOption.objects.get(name="官方道歉(私信 + 评价回复)"),
    }
    for key, option, cost, answer in [
        ("c4", "reship", "30.00", "accepted"),
        ("c5", "reship", "30.00", "declined"),
        ("c1", "shipping", "12.00", "accepted"),
        ("c2", "shipping", "12.00", "accepted"),
        ("c3", "shipping", "12.00", ""),
        ("c6", "apology", "0.00", "accepted"),
    ]:
        opt = w.options[option]
        CompensationOfferFactory(
            case=w.cases[key],
            option_id=opt.pk,
            option_name=opt.name,
            option_kind=opt.kind,
            rule_ref={},
            amount=Decimal(cost),
            cost=Decimal(cost),
            status=answer or "offered",
            requested_by=w.agent1,
            requested_at=NOW,
            buyer_answer=answer,
        )
    for key, filed, outcome in [
        ("c7", at(11, 20, 15), "won"),
        ("c8", at(11, 21, 15), ""),
        ("c13", at(11, 9, 15), "lost"),
    ]:
        Appeal.objects.create(
            case=w.cases[key], reason_type="恶意评价", filed_by=w.agent2, filed_at=filed, outcome=outcome
        )
    for k in range(3):
        CaseEvent.objects.create(
            case=w.cases["c5"], action="buyer_replied", version=2 + k, at=at(11, 19, 12 + k)
        )
    SlaEvent.objects.create(
        case=w.cases["c5"],
        target="next_response",
        kind="breach",
        due_at=at(11, 19, 15),
        created_at=at(11, 19, 15),
    )
    rollup_rebuild_all()
    return w
