"""Scoped API tokens: ``Authorization: Bearer rd_…`` (or ``Token rd_…``). The key is stored hashed;
``request.auth`` is the ApiToken, whose shops are the only ones the request may write."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cases.models import ApiToken
from cases.models.intake import hash_token_key

TOUCH_EVERY = dt.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式错误：应为“Bearer <密钥>”。"))
        key = header[1].decode(errors="replace")
        if not key.startswith("rd_"):
            return None  # a DRF authtoken key: leave it to TokenAuthentication
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_token_key(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("令牌无效或已吊销。"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌所属用户已停用。"))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return "Bearer"


def writable_shop_ids(request) -> set[int]:
    """Shops this request may write: the token's shops, else the logged-in user's visible shops."""
    from reviewdesk.access import visible_shop_ids

    if isinstance(request.auth, ApiToken):
        return set(request.auth.shops.filter(active=True).values_list("pk", flat=True))
    return visible_shop_ids(request.user)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cases.api.auth.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "店铺同步任务的接口令牌(后台“接口令牌”创建，仅显示一次)，只能写入令牌所属店铺。",
        }
