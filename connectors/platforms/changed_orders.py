"""What every platform's order client shares (``top_trades``, ``jd_orders``, ``douyin_orders``): the
incremental read by modified time in windows and pages (``ChangedOrders``), and the small readers of a
platform's values (text, a GMT+8 timestamp, the values that are present)."""

from __future__ import annotations

import datetime as dt

from connectors.platforms.base import Page
from connectors.platforms.top import GMT8, TIMESTAMP_FORMAT


def text(value) -> str:
    return str(value).strip() if value not in (None, "") else ""


def gmt8(value) -> dt.datetime | None:
    """A "yyyy-MM-dd HH:mm:ss" time of the platform (GMT+8); None when absent or unreadable."""
    try:
        return dt.datetime.strptime(text(value), TIMESTAMP_FORMAT).replace(tzinfo=GMT8)
    except ValueError:
        return None


def present(values: dict) -> dict:
    return {k: v for k, v in values.items() if v not in (None, "")}


class ChangedOrders:
    """The incremental read of a platform's order client: the window and history of a kind
    (``api[kind]``), and every page of a window (``_orders_page`` answers one)."""

    def window(self, kind: str) -> dt.timedelta:
        return dt.timedelta(hours=float(self.api[kind].get("window_hours") or 24))

    def history(self, kind: str) -> dt.timedelta:
        return dt.timedelta(days=float(self.api[kind].get("history_days") or 90))

    def _orders_page(self, api: dict, start: dt.datetime, end: dt.datetime, page_no: int) -> Page:
        raise NotImplementedError

    def changed(self, kind: str, start: dt.datetime, end: dt.datetime) -> list[dict]:
        """Every row of ``kind`` changed in [start, end], all pages read up to ``max_pages``."""
        api = self.api[kind]
        items: list[dict] = []
        page_no = 0
        while True:
            page_no += 1
            page = self._orders_page(api, start, end, page_no)
            items.extend(page.items)
            if not page.has_next or not page.items or page_no >= int(api.get("max_pages") or 500):
                return items

    @staticmethod
    def _size(api: dict) -> int:
        return max(1, min(int(api.get("page_size") or 100), 100))

    @staticmethod
    def _counted_page(items, total, *, page_no: int, size: int) -> Page:
        """A page of a platform that answers the total count: there is a next while pages so far hold fewer."""
        total = int(total) if text(total).isdigit() else 0
        rows = [i for i in (items or []) if isinstance(i, dict)]
        return Page(items=rows, total=total, has_next=page_no * size < total)
