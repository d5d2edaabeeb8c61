"""Python values as JSON values, one way for every payload we store or print (case events, the policy
engine's decisions and reports, management commands' ``--json``).

Amounts become text with two places ("18.00", ``reviewdesk.money.format_cny``: a float would lose
cents), datetimes ISO 8601 (moved to ``tz`` when one is given), dates and times ISO 8601, dataclasses
dicts of their fields, tuples lists, dict keys text. Anything else is returned as it is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from reviewdesk.money import format_cny


def jsonable(value, *, tz: dt.tzinfo | None = None, extra: Callable[[object], dict] | None = None):
    """``value`` with every part JSON can carry. ``extra(instance)`` adds keys to a dataclass's dict
    (a derived verdict, say) beside its fields."""
    if isinstance(value, Decimal):
        return format_cny(value)
    if isinstance(value, dt.datetime):
        return (value.astimezone(tz) if tz is not None else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v, tz=tz, extra=extra) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, tz=tz, extra=extra) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {
            f.name: jsonable(getattr(value, f.name), tz=tz, extra=extra) for f in dataclasses.fields(value)
        }
        if extra is not None:
            data.update(extra(value))
        return data
    return value
