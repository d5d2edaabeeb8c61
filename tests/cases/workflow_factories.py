"""Builders for the workflow tests: cases triaged by the real engine (the default policy pack is the
``seeded`` fixture of tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from cases.imports import triage
from cases.models import Case, CaseEvent, CompensationOffer, ContactAttempt, Reply
from tests.factories import CompensationOfferFactory, ReviewFactory

_counter = itertools.count(1)
# A Tuesday 10:00 in Shanghai: business hours, outside quiet hours.
T0 = dt.datetime(2026, 6, 2, 2, 0, tzinfo=dt.UTC)


def triaged_case(
    shop,
    *,
    content="质量太差，做工粗糙，开线了",
    amount="599.00",
    fee="0.00",
    rating=1,
    received_at=None,
    appended="",
    phone="13812345678",
    address="浙江省杭州市西湖区文三路100号3栋",
    **fields,
) -> Case:
    """A review stored and triaged by the engine (as intake does), then ``fields`` set on the case."""
    received_at = received_at or T0
    values = {
        "rating": rating,
        "content": content,
        "appended_content": appended,
        "reviewed_at": received_at,
        "order_amount": Decimal(amount) if amount is not None else None,
        "shipping_fee": Decimal(fee),
    }
    review = ReviewFactory(
        shop=shop,
        sku="1.8米",
        rating=rating,
        rating_text="",
        content=content,
        appended_content=appended,
        reviewed_at=received_at,
        buyer_phone=phone,
        buyer_address=address,
        order_amount=values["order_amount"],
        shipping_fee=values["shipping_fee"],
        courier="中通快递",
    )
    policy = triage.load_policy_for(shop)
    decision = triage.decide_for(triage.facts_for(values, shop=shop, received_at=received_at), policy)
    case = triage.case_for(
        review_id=review.pk,
        shop=shop,
        decision=decision,
        opened_at=received_at,
        clock=triage.WarnClock(policy),
    )
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    return case


def snapshot(case_id: int) -> dict:
    """Everything a refused action must leave as it was."""
    case = Case.objects.filter(pk=case_id).values().get()
    case.pop("updated_at")
    return {
        "case": case,
        "events": list(CaseEvent.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "offers": list(CompensationOffer.objects.filter(case_id=case_id).values()),
        "contacts": list(ContactAttempt.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "replies": list(Reply.objects.filter(case_id=case_id).values_list("pk", flat=True)),
        "updated_at": Case.objects.filter(pk=case_id).values_list("updated_at", flat=True).get(),
    }


# --- Cases put straight into a state, with the facts that state implies -----------------------------

NOW = T0 + dt.timedelta(hours=1)  # 11:00 in Shanghai
ACTING_ORDER = ("agent", "legal", "supervisor", "manager")


def put_in_state(case: Case, status: str, *, agent, requester=None, version: int = 3) -> Case:
    """Give ``case`` the status and everything that status implies (assignee, contact, verification,
    an offer pending or offered, an appeal filed)."""
    from cases.models import Appeal

    case.status, case.version, case.assignee, case.assigned_at = status, version, agent, T0
    if status == "new":
        case.assignee, case.assigned_at = None, None
    if status not in ("new", "assigned"):
        case.contact_attempts, case.first_responded_at, case.last_contact_at = 1, T0, T0
    if status in ("verified", "pending_approval", "offered", "agreed", "resolved", "closed"):
        case.verified_at, case.responsibility = T0, "merchant"
    if status in ("malicious", "appealing"):
        case.is_malicious = True
    if status in ("resolved", "closed"):
        case.resolved_at = T0
    case.save()
    option = (case.decision.get("compensation") or [None])[0]
    if status in ("pending_approval", "offered", "agreed") and option:
        CompensationOfferFactory(
            case=case,
            option_id=option["option_id"],
            option_name=option["name"],
            option_kind=option["kind"],
            rule_ref={"model": "compensationrule", "id": option["rule_id"], "version": 1},
            amount=Decimal(option["amount"]),
            cost=Decimal(option["cost"]),
            requires_approval=status == "pending_approval",
            approval_role="supervisor" if status == "pending_approval" else "",
            status={"pending_approval": "pending_approval", "offered": "offered", "agreed": "accepted"}[
                status
            ],
            requested_by=requester or agent,
            requested_at=T0,
        )
    if status == "appealing":
        Appeal.objects.create(case=case, reason_type="恶意评价", checklist={}, filed_by=agent, filed_at=T0)
    return case


def appeal_evidence(
    case: Case, by, items=("完整旺旺聊天截图", "同一IP批量差评的后台数据"), kind="image"
) -> list[int]:
    from cases.models import Evidence

    return [
        Evidence.objects.create(
            case=case,
            file=f"evidence/{case.pk}/x{n}.png",
            original_name=f"{item}.png",
            kind=kind,
            checklist_item=item,
            size=10,
            content_type="image/png",
            uploaded_by=by,
            uploaded_at=T0,
        ).pk
        for n, item in enumerate(items)
    ]


def valid_data(action: str, case: Case, by) -> dict:
    """Input that passes every data-dependent check of ``action`` on ``case``."""
    options = case.decision.get("compensation") or []
    plain = next((o for o in options if not o["requires_approval"]), None)
    return {
        "claim": {},
        "record_contact": {"channel": "private_message", "reached": True},
        "buyer_replied": {"note": "买家说收到时就开线"},
        "verify": {"responsibility": "merchant", "note": "仓库拍照确认开线"},
        "offer": {"option_id": plain["option_id"] if plain else None},
        "request_approval": {"option_id": options[0]["option_id"] if options else None},
        "approve": {"note": "同意"},
        "reject": {"note": "金额太高"},
        "buyer_accepts": {},
        "buyer_declines": {},
        "public_reply": {"text": "亲，非常抱歉给您带来不好的体验，我们已私信联系您处理。"},
        "resolve": {"note": "已处理"},
        "mark_malicious": {"note": "要挟返现"},
        "file_appeal": {
            "reason_type": "extortion",
            "description": "买家以差评要挟返现",
            "evidence_ids": appeal_evidence(case, by),
        }
        if action == "file_appeal"
        else {},
        "appeal_outcome": {"outcome": "won", "note": "平台已删除"},
        "close": {"note": "重复案件"},
        "reopen": {"note": "买家再次投诉"},
    }[action]


def member(role: str | None, *shops, name: str = ""):
    """A user with a role in ``shops`` (no password hashing: these tests never log in)."""
    from django.contrib.auth.models import Group

    from reviewdesk.models import ShopMembership, User

    n = next(_counter)
    user = User.objects.create(
        username=f"wf{n}", employee_code=f"WF{n:05d}", display_name=name or f"{role}{n}"
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    for shop in shops:
        ShopMembership.objects.create(shop=shop, user=user)
    return user
