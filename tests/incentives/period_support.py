"""Helpers for the period-lock tests: the POST data of the confirmation page's early-lock form."""

from incentives.forms import LockForm


def early_lock_form(period, user) -> dict:
    """What the confirmation page of ``period`` sends when ``user`` ticks the box and confirms."""
    return {"early_confirmed": "on", "review_token": LockForm.token(period=period, user=user)}
