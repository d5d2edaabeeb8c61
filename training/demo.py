"""Training demo data (idempotent), in two builders (``reviewdesk.hooks.demo_builders``):

- ``build_training_team`` (stage 0, before any case arrives): several periods of scores entered by the
  trainer, so the demo's agents are certified when routing looks at them; agent4's only pass is long
  lapsed (routing says so when it passes him over).
- ``build_training_demo`` (stage 3, after the history): QA reviews of cases the agents really resolved
  in the history, one of them disputed, and the buyers' satisfaction surveys on those cases. The QA
  awards are the ledger's (its daily sweep, run by the incentives demo).
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


def build_training_team(*, shops, users, stdout) -> None:
    trainer = users.get("supervisor1")
    today = timezone.localdate()
    if not Score.objects.filter(agent=users["agent1"], source="trainer").exists():
        written = _scores(users, trainer, today)
        stdout.write(f"training demo: {written} scores")
    certification_sweep()


build_training_team.demo_stage = 0


def build_training_demo(*, shops, users, stdout) -> None:
    written = _qa_reviews(shops, users)
    if written:
        stdout.write(f"training demo: {written} QA reviews of resolved cases, with surveys")


build_training_demo.demo_stage = 3


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


QA_PLAN = [  # (agent, failed items, dispute reason, buyer's satisfaction 1–5)
    ("agent1", [], "", 5),
    ("agent2", ["合规用语"], "回复里写的是“欢迎再次光临”，没有诱导好评，申请复核。", 3),
    ("agent1", ["不找借口"], "", 4),
    ("agent2", [], "", 5),
]


def _qa_reviews(shops, users) -> int:
    """The supervisor's QA of cases each agent resolved in the last weeks of the history (tb-home)."""
    from cases.models import Case

    rubric = QaRubric.objects.filter(active=True).order_by("pk").first()
    shop = shops.get("tb-home")
    if rubric is None or shop is None or QaReview.objects.filter(case__shop=shop).exists():
        return 0
    items = {item.name: item.pk for item in rubric.items.all()}
    now = timezone.now()
    since = now - dt.timedelta(days=20)
    written = 0
    used: set[int] = set()
    for username, failed, reason, survey in QA_PLAN:
        case = (
            Case.objects.filter(
                shop=shop, assignee=users[username], status="resolved", resolved_at__gte=since
            )
            .exclude(pk__in=used)
            .order_by("-resolved_at", "pk")
            .first()
        )
        if case is None:
            continue
        used.add(case.pk)
        scored_at = min(case.resolved_at + dt.timedelta(days=1, hours=2), now - dt.timedelta(hours=1))
        qa = qa_review_create(
            case=case,
            rubric=rubric,
            reviewer=users["supervisor1"],
            results={pk: name not in failed for name, pk in items.items()},
            comment="演示质检",
            now=scored_at,
        )
        if reason:
            qa_review_dispute(
                review=qa, by=users[username], reason=reason, now=scored_at + dt.timedelta(hours=3)
            )
        answered = case.resolved_at + dt.timedelta(days=1)
        survey_record(
            case=case,
            score=survey,
            answered_at=answered,
            by=users["supervisor1"],
            comment="演示：回访满意度",
            now=min(answered + dt.timedelta(hours=1), now),
        )
        written += 1
    return written
