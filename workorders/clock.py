"""A work order's clock: warn, due and supervisor times in the department's business time.

The department's own calendar counts when it has one (the warehouse works 09:00–18:00, not the service
desk's 08:00–24:00); otherwise the case's shop calendar from the policy pack. The arithmetic is
``policies.business_time`` (pure); this module only picks the calendar.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from policies.business_time import CalendarSpec, add_business_minutes


@dataclass(frozen=True)
class Clock:
    warn_at: dt.datetime
    due_at: dt.datetime
    supervisor_at: dt.datetime


def calendar_for(department, case) -> CalendarSpec:
    """The department's calendar (when set and active), else the case's shop calendar."""
    if department.calendar_id:
        from policies.models import BusinessCalendar
        from policies.readers import calendar_policy  # the loader's one reading of a calendar row

        calendar = (
            BusinessCalendar.objects.filter(pk=department.calendar_id, active=True)
            .prefetch_related("hours", "exceptions")
            .first()
        )
        if calendar is not None:
            return calendar_policy(calendar).spec
    from cases.workflow.compose import policy_for

    return policy_for(case).calendar.spec


def clock_for(*, start: dt.datetime, minutes: int, warn_at_percent: int, calendar: CalendarSpec) -> Clock:
    """Due ``minutes`` business minutes after ``start``; the warning at ``warn_at_percent`` of them; the
    supervisor hears of it when as much business time again has passed after the due time."""
    warn_minutes = max(1, minutes * warn_at_percent // 100)
    due_at = add_business_minutes(start, minutes, calendar)
    return Clock(
        warn_at=add_business_minutes(start, min(warn_minutes, minutes), calendar),
        due_at=due_at,
        supervisor_at=add_business_minutes(due_at, minutes, calendar),
    )


def department_calendars(calendar_ids) -> dict[int, CalendarSpec]:
    """The active calendars among ``calendar_ids`` (the departments' own), read in one go."""
    from policies.models import BusinessCalendar
    from policies.readers import calendar_policy

    ids = {pk for pk in calendar_ids if pk}
    if not ids:
        return {}
    rows = BusinessCalendar.objects.filter(pk__in=ids, active=True).prefetch_related("hours", "exceptions")
    return {calendar.pk: calendar_policy(calendar).spec for calendar in rows}


def shop_calendars(pairs) -> dict[tuple[int, str], CalendarSpec]:
    """The calendar of each (shop id, platform) from the policy pack (the loader caches it)."""
    from policies.loader import load_policy
    from reviewdesk.models import Shop

    pairs = set(pairs)
    shops = Shop.objects.in_bulk({shop_id for shop_id, _platform in pairs}) if pairs else {}
    return {
        (shop_id, platform): load_policy(shop=shops.get(shop_id), platform=platform).calendar.spec
        for shop_id, platform in pairs
    }
