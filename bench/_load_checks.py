"""What bench_load.py checks after its run: the database agrees with every answer the clients saw."""

from __future__ import annotations

import collections

from _load_clients import Run


def checks(run: Run, actors: dict, started_at, robot: collections.Counter) -> list[tuple[str, bool, str]]:
    from django.db.models import Count, Q

    from cases.models import Assignment, Case, CaseEvent, Delivery, Notification
    from cases.workflow.table import ACTIONS
    from incentives.models import LedgerEntry

    out = []
    form_errors = {k: v for k, v in run.refused.items() if k.endswith(":form_error")}
    out.append(
        (
            "the clients submit the forms as a browser does (no form errors)",
            not form_errors,
            ", ".join(f"{k} {v}" for k, v in form_errors.items())
            + "".join(f"; {action}: {message}" for action, message in run.form_errors.items())
            or "none",
        )
    )
    out.append(
        (
            "no 5xx, no connection error",
            not run.errors,
            f"{len(run.errors)} errors" + (f", first: {run.errors[0]}" if run.errors else ""),
        )
    )

    names = {u.username for u in actors["agents"] + actors["supervisors"]}
    events = list(
        CaseEvent.objects.filter(
            at__gte=started_at, actor__username__in=names, action__in=ACTIONS
        ).values_list("case_id", "version", "actor__username", "action")
    )
    seen = collections.Counter((c, v) for c, v, _a, _x in run.successes)
    stored = collections.Counter((c, v) for c, v, _a, _x in events)
    by_key = {(c, v): (a, x) for c, v, a, x in events}
    mismatched = [
        s
        for s in run.successes
        if by_key.get(s[:2], (None, None))[0] != s[2]
        or by_key[s[:2]][1] not in ({s[3], "request_approval"} if s[3] == "offer" else {s[3]})
    ]
    out.append(
        (
            "every 200/302 seen is one timeline event (case, version, actor, action)",
            seen == stored and not mismatched and max(seen.values(), default=1) == 1,
            f"{sum(seen.values())} answers seen, {len(events)} events; {len(mismatched)} mismatched",
        )
    )

    bumps = dict(
        CaseEvent.objects.filter(action__in=ACTIONS)
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    routed = dict(
        Assignment.objects.filter(by__isnull=True, to_user__isnull=False)
        .values("case_id")
        .annotate(n=Count("pk"))
        .values_list("case_id", "n")
    )
    wrong = [
        (pk, v, bumps.get(pk, 0), routed.get(pk, 0))
        for pk, v in Case.objects.values_list("pk", "version")
        if v != 1 + bumps.get(pk, 0) + routed.get(pk, 0)
    ]
    twice = (
        CaseEvent.objects.filter(action__in=ACTIONS)
        .values("case_id", "version")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    out.append(
        (
            "version = 1 + state-moving events + routing assignments, per case; no version twice",
            not wrong and not twice,
            f"{Case.objects.count()} cases; {len(wrong)} off {wrong[:3]}, {twice} versions written twice",
        )
    )

    dup_n = (
        Notification.objects.values("user_id", "dedupe_key").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    dup_new = (
        Notification.objects.filter(kind="new_case")
        .values("user_id", "case_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    dup_d = (
        Delivery.objects.values("channel_id", "dedupe_key").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    dup_dn = (
        Delivery.objects.filter(kind="new_case")
        .values("channel_id", "case_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    out.append(
        (
            "no duplicate notification or delivery",
            not (dup_n or dup_new or dup_d or dup_dn),
            f"{Notification.objects.count()} notifications, {Delivery.objects.count()} deliveries; duplicates "
            f"{dup_n}/{dup_new}/{dup_d}/{dup_dn}",
        )
    )

    dup_key = LedgerEntry.objects.values("idempotency_key").annotate(n=Count("pk")).filter(n__gt=1).count()
    dup_cause = (
        LedgerEntry.objects.filter(kind="award", case_ref__isnull=False)
        .values("account_id", "rule_id", "event", "case_ref")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    out.append(
        (
            "no duplicate ledger entry",
            not (dup_key or dup_cause),
            f"{LedgerEntry.objects.count()} entries; duplicates {dup_key} by key, {dup_cause} by account+rule+case",
        )
    )

    sent = Delivery.objects.filter(status="sent").count()
    again = sum(n - 1 for n in robot.values() if n > 1)
    out.append(
        (
            "each sent delivery reached the robot once",
            sum(robot.values()) == sent and not again,
            f"{sent} sent, {sum(robot.values())} received, {again} twice; "
            f"{Delivery.objects.filter(~Q(status='sent')).count()} not sent yet",
        )
    )
    both = run.doubles["both_won"]
    out.append(
        (
            "double submits: exactly one wins, the other is told 409",
            not both and not run.doubles["loser_not_409"],
            ", ".join(f"{k} {v}" for k, v in sorted(run.doubles.items())),
        )
    )
    return out
