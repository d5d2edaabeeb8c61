"""What the connector commands share: finding the shop, printing JSON."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from reviewdesk.models import Shop


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def shop_by_code(code: str) -> Shop:
    shop = Shop.objects.filter(code=code).first()
    if shop is None:
        raise CommandError(_("未知店铺代码“%(c)s”。") % {"c": code}, returncode=2)
    return shop


def connector_of(shop):
    from connectors.models import Connector

    connector = Connector.objects.filter(shop=shop).first()
    if connector is None:
        raise CommandError(
            _("店铺“%(c)s”还没有平台对接，请先运行 connector_configure。") % {"c": shop.code}, returncode=2
        )
    return connector
