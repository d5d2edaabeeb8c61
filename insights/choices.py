"""Choices of the insights app, named once."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    ISSUE_TYPE = "issue_type", _("问题类型")
    SKU = "sku", _("商品规格")
    COURIER = "courier", _("物流公司")


class RecipientPurpose(models.TextChoices):
    PURCHASING = "purchasing", _("采购")
    LOGISTICS = "logistics", _("物流")
    OPERATIONS = "operations", _("运营")
    SERVICE = "service", _("客服")


# Notification kinds this app writes into cases' Notification/Delivery rows.
WEEKLY_REPORT_KIND = "weekly_report"
DAILY_UNRESOLVED_KIND = "daily_unresolved"

# A review counts as 中差评 at rating ≤ 3 (cases.imports.triage.NEGATIVE_RATING_MAX); 差评 at ≤ 2.
NEUTRAL_RATING = 3
NEGATIVE_RATING_MAX = 2
