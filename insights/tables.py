"""A table as the dashboard, the weekly report and the XLSX exports all see it: a key, a title,
headers and rows of plain values (str, int, Decimal, None). Charts are drawn from the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    chart: str = ""  # SVG markup, drawn from ``rows``

    def column(self, index: int) -> list:
        return [row[index] for row in self.rows]


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (half up), None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def plain_number(value) -> str:
    """20.00 → "20", 12.50 → "12.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
