"""The steps the connector tests take through the real services: a pull with its on-commit work run, a
case opened from a platform comment and assigned to an agent, an agent's public reply, and the check that
a rating change the pull saw was a conversion observed and paid.

A module binds its own defaults (its comment id, its reply text) with ``functools.partial``, so the ids
its assertions name stay next to them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Case, ReviewRevision
from cases.workflow.services import case_act
from connectors.services.pull import connector_pull
from incentives.choices import AwardEvent
from incentives.models import LedgerEntry
from tests.factories import UserFactory


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def pull(connector, capture, **kwargs):
    """One pull of ``connector``; ``capture`` is ``django_capture_on_commit_callbacks``."""
    with capture(execute=True):
        return connector_pull(connector_id=connector.pk, **kwargs)


def worked_case(connector, gateway, capture, comment_id, **comment):
    """The case of comment ``comment_id`` (added to ``gateway``, three days old unless ``created`` says
    otherwise) after one pull, assigned to a new agent of the shop: (case, agent)."""
    comment.setdefault("created", ago(days=3))
    gateway.add_comment(comment_id, **comment)
    assert pull(connector, capture).created == 1
    agent = UserFactory(role="agent", shops=[connector.shop])
    case = Case.objects.get(review__order_no=str(comment_id))
    Case.objects.filter(pk=case.pk).update(assignee=agent, status="assigned", assigned_at=timezone.now())
    case.refresh_from_db()
    return case, agent


def reply(case, agent, capture, text):
    """``agent``'s public reply ``text`` on ``case``, its on-commit work (the outbox) run."""
    with capture(execute=True):
        case_act(case_id=case.pk, action="public_reply", by=agent, version=case.version, data={"text": text})


def assert_conversion_paid(review, case, agent, *, before, after):
    """The pull recorded ``review``'s rating change (``before`` → ``after``) as a connector revision, the
    case counts as converted to ``after``, and ``agent`` was paid one verified conversion for it."""
    revision = ReviewRevision.objects.filter(review=review).order_by("-pk").first()
    assert (revision.rating_before, revision.rating_after, revision.source) == (before, after, "connector")
    case.refresh_from_db()
    assert case.converted_to_rating == after
    paid = LedgerEntry.objects.filter(event=AwardEvent.VERIFIED_CONVERSION, account__user=agent)
    assert list(paid.values_list("case_ref", flat=True)) == [case.pk]
