"""Training demo data (idempotent): several periods of scores, a lapsed certification, QA reviews
including a disputed one, satisfaction surveys on those cases. Registered in ``reviewdesk.hooks.demo_builders``; runs after the cases demo.

Routing already ran when the cases demo opened its cases, before anyone had a training score, so
every demo case is still unassigned; once the scores exist the builder routes them again through
the cases app's ``route_cases``. The cases app has no "resolve" action yet (issue 4), so the
builder opens three already-resolved demo cases of its own for the QA reviews.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from training.models import QaReview, QaRubric, Score, TrainingModule
from training.periods import previous_periods
from training.services import certification_sweep, qa_review_create, qa_review_dispute, survey_record
from training.services.scores import score_upsert

# module code → username → scores, oldest period first (the last is the current period)
MONTHLY = {
    "product_knowledge": {
        "agent1": [96, 97, 98, 97],
        "agent2": [93, 95, 96, 95],
        "agent3": [97, 96, 98, 99],
        "supervisor1": [99, 99, 98, 99],
        "legal1": [98, 97, 99, 98],
    },
    "negotiation": {
        "agent1": [80, 86, 88, 90],
        "agent2": [78, 80, 83, 82],
        "agent3": [88, 90, 91, 89],
        "legal1": [90, 92, 91, 93],
    },
    "emotion_management": {"agent1": [88, 90, 92], "agent2": [85, 91, 89], "agent3": [92, 95, 94]},
    "data_analysis": {
        "agent1": [100, 100, 100, 100],
        "agent2": [75, 100, 100, 75],
        "agent3": [100, 100, 75, 100],
    },
}
WEEKLY = {
    "weekly_roleplay": {"agent1": [82, 85, 88, 90], "agent2": [70, 78, 81, 79], "agent3": [90, 86, 92, 95]}
}
LAPSED_USER, LAPSED_MONTHS_AGO, LAPSED_SCORE = "agent4", 6, 96  # passed once, validity long over


def build_training_demo(*, shops, users, stdout) -> None:
    trainer = users.get("supervisor1")
    today = timezone.localdate()
    if not Score.objects.filter(agent=users["agent1"], source="trainer").exists():
        written = _scores(users, trainer, today)
        stdout.write(f"training demo: {written} scores")
    _route_unassigned(shops)
    _qa_reviews(shops, users)
    certification_sweep()


def _scores(users, trainer, today: dt.date) -> int:
    """Scores entered by the trainer (supervisor1); the trainer's own by the manager: nobody enters their
    own score (training.services.scores, four eyes)."""
    modules = {m.code: m for m in TrainingModule.objects.all()}
    written = 0
    for table, kind in ((MONTHLY, "monthly"), (WEEKLY, "weekly")):
        for code, by_user in table.items():
            for username, values in by_user.items():
                periods = previous_periods(kind, len(values), until=today)
                for period, value in zip(periods, values, strict=True):
                    score_upsert(
                        agent=users[username],
                        module=modules[code],
                        period=period,
                        value=Decimal(value),
                        source="trainer",
                        by=users["manager1"] if users[username] == trainer else trainer,
                        note="演示数据",
                        now=timezone.make_aware(dt.datetime.combine(min(period.end, today), dt.time(18))),
                    )
                    written += 1
    old = previous_periods("monthly", LAPSED_MONTHS_AGO + 1, until=today)[0]
    score_upsert(
        agent=users[LAPSED_USER],
        module=modules["product_knowledge"],
        period=old,
        value=Decimal(LAPSED_SCORE),
        source="trainer",
        by=trainer,
        note="演示数据：认证已过期",
    )
    return written + 1


def _route_unassigned(shops) -> None:
    from cases.models import Case
    from cases.services.routing import route_cases

    ids = list(
        Case.objects.filter(shop__in=shops.values(), status="new", assignee__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if ids:
        route_cases(case_ids=ids)


def _qa_reviews(shops, users) -> None:
    from cases.models import Case, Review

    rubric = QaRubric.objects.filter(active=True).order_by("pk").first()
    shop = shops.get("tb-home")
    if (
        rubric is None
        or shop is None
        or QaReview.objects.filter(case__review__external_id__startswith="qa-demo-").exists()
    ):
        return
    items = {item.name: item.pk for item in rubric.items.all()}
    plan = [  # (external id, agent, failed items, dispute reason, buyer's satisfaction 1–5)
        ("qa-demo-1", "agent1", [], "", 5),
        ("qa-demo-2", "agent2", ["合规用语"], "回复里写的是“欢迎再次光临”，没有诱导好评，申请复核。", 3),
        ("qa-demo-3", "agent1", ["不找借口"], "", 4),
    ]
    now = timezone.now()
    for n, (external_id, username, failed, reason, survey) in enumerate(plan, start=1):
        opened = now - dt.timedelta(days=3, hours=n)
        review, _ = Review.objects.get_or_create(
            shop=shop,
            external_id=external_id,
            defaults={
                "platform": shop.platform,
                "order_no": f"QADEMO{n:06d}",
                "item_title": "北欧简约陶瓷马克杯",
                "rating": 1,
                "rating_text": "差评",
                "content": "杯子有裂纹，客服回复慢",
                "reviewed_at": opened,
                "received_at": opened,
                "buyer_nick": f"质**{n}",
                "fingerprint": f"qa-demo-{n}",
                "source": "demo",
            },
        )
        case, _ = Case.objects.get_or_create(
            review=review,
            defaults={
                "shop": shop,
                "platform": shop.platform,
                "status": "resolved",
                "handling_role": "agent",
                "assignee": users[username],
                "assigned_at": opened,
                "opened_at": opened,
                "first_response_due_at": opened + dt.timedelta(hours=2),
                "first_responded_at": opened + dt.timedelta(minutes=40),
                "resolved_at": opened + dt.timedelta(hours=5),
                "sla_tier_name": "产品质量(4小时)",
            },
        )
        results = {pk: name not in failed for name, pk in items.items()}
        qa = qa_review_create(
            case=case,
            rubric=rubric,
            reviewer=users["supervisor1"],
            results=results,
            comment="演示质检",
            now=now - dt.timedelta(days=1, hours=n),
        )
        if reason:
            qa_review_dispute(review=qa, by=users[username], reason=reason)
        survey_record(
            case=case,
            score=survey,
            answered_at=opened + dt.timedelta(days=1),
            by=users["supervisor1"],
            comment="演示：回访满意度",
        )
