"""Money (CNY) in one place: how an amount is stored, rounded and written.

An amount is a ``Decimal`` with two places, up to 9,999,999,999.99 (``MONEY``, the field and form
arguments), rounded half up to the cent (18.005 → 18.01, as a cashier would, not the banker's rounding
of the decimal context), and written as plain digits with two places ("18.00", no grouping, no sign of
the currency: templates and messages add "元" or "¥" themselves).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
# The arguments of every amount field (model, form, serializer): an unchanged definition, so models
# that use it need no migration.
MONEY = {"max_digits": 12, "decimal_places": 2}


def quantize_cny(value: Decimal | int | str | None) -> Decimal:
    """``value`` with two places, half up; None (and "") counts as 0."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def format_cny(value: Decimal | int | str | None) -> str:
    """``value`` as the text every page, message and JSON payload shows: "18.01"."""
    return f"{quantize_cny(value):f}"
