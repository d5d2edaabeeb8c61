"""Rows of the insights app for the access matrix's world (tests/hardening/access_support.py)."""

from __future__ import annotations

from insights.health.models import HealthWatch
from insights.models import InsightSettings, ReportRecipient
from insights.periods import parse_week
from insights.services.reports import weekly_report_store


def health_watch_row(shop) -> None:
    """Issue #24: ``shop``'s DSR alert watch, for its admin pages."""
    HealthWatch.objects.create(shop=shop)


def insights_rows(users, a, b, client_a) -> dict:
    """The ``insight_settings``, the manager as a weekly ``recipient``, the stored weekly reports of shops A
    and B (``report_a``/``_b``) and of client 甲 (``report_client_a``: its shops are A; read by client 甲's
    people only, listed on the weekly page) with its viewer as ``recipient_client_a``."""
    week = parse_week("2026-W47")
    return {
        "insight_settings": InsightSettings.objects.first() or InsightSettings.objects.create(),
        "recipient": ReportRecipient.objects.create(purpose="weekly", user=users["manager"]),
        "report_a": weekly_report_store(week=week, shop=a),
        "report_b": weekly_report_store(week=week, shop=b),
        "report_client_a": weekly_report_store(week=week, shop=None, client=client_a),
        "recipient_client_a": ReportRecipient.objects.create(
            purpose="weekly", user=users["viewer_a"], client=client_a
        ),
    }
