"""Who may export a client wholesale or erase its buyers' data (``cases.offboarding``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from reviewdesk.access import is_read_only, shop_ids_for
from reviewdesk.models import Shop

PERMISSION = "reviewdesk.offboard_client"


def may_offboard(user) -> bool:
    """May ``user`` offboard some client at all (the job kind's ``may_start``)? A superuser, or a holder
    of ``reviewdesk.offboard_client``; never a read-only user. No query when the permission is cached."""
    if not (user and user.is_authenticated and user.is_active) or is_read_only(user):
        return False
    return user.has_perm(PERMISSION)


def offboard_refusal(user, client) -> str:
    """Why ``user`` may not offboard ``client`` ("" when they may): the permission, and every shop of the
    client within their reach (an export of a client is all of it or nothing)."""
    if not may_offboard(user):
        return _("只有系统管理员可以导出或清除品牌方的全部数据。")
    shops = set(Shop.objects.filter(client=client).values_list("pk", flat=True))
    if user.is_superuser or shops <= shop_ids_for(user):
        return ""
    return _("你不能访问该品牌方的全部店铺。")
