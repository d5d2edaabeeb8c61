"""The one formula guard for every spreadsheet ReviewDesk writes (XLSX and CSV alike).

A text cell that starts with = + - @ tab or CR is run as a formula by Excel, WPS and LibreOffice
(``=HYPERLINK("http://x","y")``, ``+cmd|' /C calc'!A0``, ``@SUM(…)``): data typed by a buyer, an agent
or a manager must never become one in a file someone else opens. ``safe_cell`` writes such a text with
a leading apostrophe, which the spreadsheet shows as text; every writer (policy pack, every
import-export resource through ``SafeExportResource``, payouts, dashboards, reports, training exports)
calls it, and the payout COPY (SQL) uses ``FORMULA_START_PATTERN``, the same rule as a regex.
Numbers, dates and booleans are not text and pass unchanged.
"""

from __future__ import annotations

from import_export import resources

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The same rule for SQL writers (PostgreSQL ``~``): see incentives.services.payouts_csv_pg.
FORMULA_START_PATTERN = r"^[-=+@\t\r]"
_GUARD = "'"


def safe_cell(value):
    """``value`` as it may go into a cell: a formula-like text gets a leading apostrophe; anything
    that is not text (None, numbers, dates, booleans) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return _GUARD + value
    return value


def safe_text(value) -> str:
    """``safe_cell`` for writers that want text only: None becomes the empty text."""
    return safe_cell("" if value is None else str(value))


def read_cell(value):
    """The reverse of ``safe_cell`` for files we read back (a pack exported, then imported): the
    apostrophe we put before a formula-like text is dropped again, so export → import round-trips."""
    if isinstance(value, str) and value.startswith(_GUARD) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeExportResource(resources.ModelResource):
    """The base of every django-import-export resource: each exported value passes ``safe_cell``
    (the admin's XLSX and CSV exports and the policy pack alike)."""

    def export_field(self, field, instance, **kwargs):
        return safe_cell(super().export_field(field, instance, **kwargs))
