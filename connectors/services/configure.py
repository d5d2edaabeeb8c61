"""Connecting a shop: ``connector_configure`` (the ``connector_configure`` command; the admin form does
the same checks through the model's fields).

The platform must be one with a live connector (``connectors.platforms``) and match the shop's; the
gateway URL must pass the outbound policy (``reviewdesk.outbound.check_url``: the same check every call
makes); the credentials need ``app_key``, ``app_secret`` and ``session_key`` (``sign_method``,
``expires_at``, ``refresh_token``, ``sign_secret`` — Kuaishou's signing secret, required there —
``seller_nick`` and ``tmc_group`` optional; a key left out keeps what is stored). A shop connected again keeps its cursor and outbox: only what was given
changes, and a new session key clears the "needs re-authorisation" state at the next pull.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from connectors.choices import SignMethod
from connectors.models import Connector
from connectors.platforms import CLIENTS, UNSUPPORTED, default_api
from reviewdesk import outbound

REQUIRED = ("app_key", "app_secret", "session_key")
OPTIONAL = ("refresh_token", "sign_secret", "seller_nick", "tmc_group")
SHORT = ("seller_nick", "tmc_group")  # plain columns of 64 characters; the others are encrypted text
NEEDS_SIGN_SECRET = {"kuaishou"}  # signs with a secret distinct from the app secret
# a TOP gateway serves Taobao and Tmall shops alike
COMPATIBLE = {"taobao": {"taobao", "tmall"}, "tmall": {"taobao", "tmall"}}


def connector_configure(*, shop, platform: str, gateway_url: str, credentials: dict) -> Connector:
    platform = (platform or "").strip().lower()
    if platform in UNSUPPORTED:
        raise ValidationError(str(UNSUPPORTED[platform]))
    if platform not in CLIENTS:
        raise ValidationError(_("不支持的平台“%(p)s”。") % {"p": platform})
    if shop.platform not in COMPATIBLE.get(platform, {platform}):
        raise ValidationError(
            _("店铺“%(shop)s”属于%(shop_platform)s，不能用%(p)s的接口。")
            % {"shop": shop.code, "shop_platform": shop.get_platform_display(), "p": platform}
        )
    try:
        outbound.check_url(gateway_url)
    except outbound.OutboundRefused as exc:
        raise ValidationError(_("网关地址不可用：%(reason)s") % {"reason": exc})
    if not isinstance(credentials, dict):
        raise ValidationError(_("凭据文件应是一个JSON对象。"))
    missing = [key for key in REQUIRED if not str(credentials.get(key) or "").strip()]
    if missing:
        raise ValidationError(_("凭据文件缺少：%(keys)s") % {"keys": "、".join(missing)})
    sign_method = str(credentials.get("sign_method") or "md5")
    if sign_method not in SignMethod.values:
        raise ValidationError(_("签名方法应为 %(known)s 之一。") % {"known": "、".join(SignMethod.values)})
    expires_at = None
    if credentials.get("expires_at"):
        expires_at = parse_datetime(str(credentials["expires_at"]))
        if expires_at is None or expires_at.tzinfo is None:
            raise ValidationError(_("expires_at 应为带时区的时间，例如 2027-01-01T00:00:00+08:00。"))
    connector = Connector.objects.filter(shop=shop).first() or Connector(shop=shop, api=default_api(platform))
    connector.platform = platform
    connector.gateway_url = gateway_url
    connector.app_key = str(credentials["app_key"]).strip()
    connector.app_secret = str(credentials["app_secret"]).strip()
    connector.session_key = str(credentials["session_key"]).strip()
    connector.sign_method = sign_method
    connector.expires_at = expires_at
    for key in OPTIONAL:
        if key in credentials:
            setattr(connector, key, str(credentials.get(key) or "").strip()[: 64 if key in SHORT else None])
    if platform in NEEDS_SIGN_SECRET and not connector.sign_secret:
        raise ValidationError(_("凭据文件缺少：%(keys)s") % {"keys": "sign_secret"})
    connector.enabled = True
    if not connector.api:
        connector.api = default_api(platform)
    connector.save()
    return connector
