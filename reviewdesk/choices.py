"""Choices named once for the whole project: platforms and roles."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("淘宝")
    TMALL = "tmall", _("天猫")
    DOUYIN = "douyin", _("抖店")
    JD = "jd", _("京东")
    PDD = "pdd", _("拼多多")
    KUAISHOU = "kuaishou", _("快手小店")


class Role(models.TextChoices):
    """The five groups of docs/product.md. The value is the Django group name."""

    AGENT = "agent", _("客服")
    SUPERVISOR = "supervisor", _("客服主管")
    LEGAL = "legal", _("法务")
    MANAGER = "manager", _("运营经理")
    HR = "hr", _("人事")


class AdminRole(models.TextChoices):
    """Roles of the back office that work no case: they are groups like ``Role`` (same table in
    ``reviewdesk.roles``), but no case, SLA tier or approval is routed to them, so they stay out of the
    ``Role`` choices that those fields store.

    The policy owner changes the global rules (a rule without a shop, issue types, import mappings,
    insight settings): ``policies.change_global_policy``. A manager changes his shops' overrides only."""

    POLICY_OWNER = "policy_owner", _("规则负责人")


class ClientRole(models.TextChoices):
    """Roles of a client's (品牌方) own staff: groups like ``Role``, but read-only. They stay out of the
    ``Role`` choices that SLA tiers, approvals and routing store, so no case is ever routed to them.

    The client viewer reads their clients' shops: dashboard, weekly report, the case list and case pages
    without buyers' personal data (``reviewdesk.roles.hides_buyer_data``), the policies in force; no
    money, no action (``reviewdesk.access``: a read-only user changes nothing anywhere)."""

    CLIENT_VIEWER = "client_viewer", _("品牌方查看")


# Roles whose members change nothing anywhere (the access path gives them no shop to change): a client's
# own staff. Here rather than in roles.py because the access path reads it and roles.py reads the access
# path (one-way imports).
READ_ONLY_ROLES = frozenset({str(ClientRole.CLIENT_VIEWER)})
