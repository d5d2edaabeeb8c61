"""Prevention tests' data: orders on their way, in Shanghai time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from prevention.choices import OrderSource, OrderStatus
from prevention.models import Order

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Wednesday, noon: every test's "now".
NOW = dt.datetime(2026, 11, 18, 12, 0, tzinfo=SH)


def make_order(shop, number: str, **fields) -> Order:
    values = {
        "platform": shop.platform,
        "status": OrderStatus.IN_TRANSIT,
        "courier": "中通快递",
        "tracking_no": f"ZT{number}",
        "buyer_nick": f"买家{number}",
        "source": OrderSource.FILE,
    }
    values.update(fields)
    return Order.objects.create(shop=shop, order_no=number, **values)


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])
