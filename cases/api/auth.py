"""Scoped API tokens: ``Authorization: Bearer rd_…`` (or ``Token rd_…``). The key is stored hashed;
``request.auth`` is the ApiToken. What it may call is its scopes (cases.api.base.TokenScopePermission);
where, for reads and writes alike, is ``ApiToken.shop_ids(action)``: its shops within its owner's
current memberships and roles, asked afresh at every request."""

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
    """Shops this request may write: a token's ``shop_ids("change")`` (its shops the owner is still a
    member of, in a role that allows it), else the logged-in user's shops."""
    from reviewdesk.access import CHANGE, shop_ids_for

    token = request.auth if isinstance(request.auth, ApiToken) else None
    return shop_ids_for(request.user, CHANGE, token=token)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cases.api.auth.ApiTokenAuthentication"
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "接口令牌(后台“接口令牌”创建，密钥只显示一次)。令牌带权限范围：intake 提交评价，"
            "cases:read 读取案件，cases:act 处理案件；只能访问令牌所属店铺中其所属用户当前仍所属的店铺。",
        }
