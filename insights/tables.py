"""A table as the dashboard, the weekly report and the XLSX exports all see it: a key, a title,
headers and rows of plain values (str, int, Decimal, None). Charts are drawn from the same rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


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

    def body_html(self) -> SafeString:
        """The <tbody> rows, built here rather than by template loops: a 90-day table has ~1,000 cells
        and the template engine spends more time on them than the queries take."""
        flag_last = self.key == "couriers"
        lines = []
        for row in self.rows:
            cells = []
            for i, value in enumerate(row):
                text = "—" if value is None else conditional_escape(value)
                cells.append(f'<td class="num">{text}</td>' if i else f"<td>{text}</td>")
            opening = '<tr class="flagged">' if flag_last and row and row[-1] else "<tr>"
            lines.append(opening + "".join(cells) + "</tr>")
        return mark_safe("".join(lines))  # noqa: S308 - every value is escaped above


def percent(part: int, whole: int) -> Decimal | None:
    """part / whole as a percentage with one decimal (half up), None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def plain_number(value) -> str:
    """20.00 → "20", 12.50 → "12.5"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
