"""Choices named once for the whole project: platforms and roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("淘宝")
    TMALL = "tmall", _("天猫")
    DOUYIN = "douyin", _("抖店")
    JD = "jd", _("京东")
    PDD = "pdd", _("拼多多")


class Role(models.TextChoices):
    """The five groups of docs/product.md. The value is the Django group name."""

    AGENT = "agent", _("客服")
    SUPERVISOR = "supervisor", _("客服主管")
    LEGAL = "legal", _("法务")
    MANAGER = "manager", _("运营经理")
    HR = "hr", _("人事")
