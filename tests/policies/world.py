"""Rows of the policies app for the access matrix's world (tests/hardening/access_support.py), over the
default pack: a holiday in the global calendar, a peak season (global, then shop A's) with its
commitments, a macro (global, then shop A's)."""

from __future__ import annotations

import datetime as dt

from policies.models import (
    BusinessCalendar,
    CalendarException,
    CampaignCommitment,
    CampaignPeriod,
    Macro,
    ReplyTemplate,
)


def holiday_row() -> None:
    calendar = BusinessCalendar.objects.order_by("pk").first()
    CalendarException.objects.create(calendar=calendar, date=dt.date(2030, 1, 1), kind="holiday", name="元旦")


def peak_season_rows(shop) -> None:
    """Issue #24: a global peak season and ``shop``'s, each with a commitment."""
    peak = {
        "starts_at": dt.datetime(2030, 11, 1, tzinfo=dt.UTC),
        "ends_at": dt.datetime(2030, 11, 12, tzinfo=dt.UTC),
    }
    # The global row comes first: the tables' admin URLs open the first row (a global rule is the owner's).
    global_peak = CampaignPeriod.objects.create(name="双11", **peak)
    CampaignCommitment.objects.create(campaign=global_peak, resolution_minutes=1440)
    shop_peak = CampaignPeriod.objects.create(name="旗舰店双11", shop=shop, **peak)
    CampaignCommitment.objects.create(campaign=shop_peak, resolution_minutes=1440)


def macro_row(shop) -> Macro:
    """Issue #22: a global macro, then ``shop``'s (returned)."""
    template = ReplyTemplate.objects.filter(shop=None, client=None, channel="public_reply").first()
    Macro.objects.create(name="致歉", reply_template=template)
    return Macro.objects.create(name="致歉", reply_template=template, shop=shop)
