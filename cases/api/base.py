"""The base of every cases endpoint: who may call it, with which token scope, and the one shape of
every refusal."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.views import APIView

from cases.api.auth import ApiTokenAuthentication
from cases.api.parsers import api_exception
from cases.models import ApiToken
from reviewdesk.throttling import ThrottleBeforePermissions


class TokenScopePermission(BasePermission):
    """A request with an API token needs the scope its view declares in ``required_scope`` (one of
    cases.models.intake.TokenScope, or a dict method -> scope where one URL reads on GET and acts on POST;
    a method it does not name is closed to tokens); a view that declares none is closed to tokens, so a new endpoint
    is never reachable by a token by accident. A session is not limited by scopes: the user's roles
    and shops decide, as on the web pages. Refused with 403 ``insufficient_scope``."""

    code = "insufficient_scope"
    message = _("此接口令牌没有调用该接口所需的权限范围。")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        scope = getattr(view, "required_scope", None)
        if isinstance(scope, dict):  # one scope per method: reading and acting on one URL
            scope = scope.get(request.method)
        if scope is None:
            return False
        if token.has_scope(scope):
            return True
        self.message = _("此接口令牌没有“%(scope)s”权限范围，不能调用该接口。") % {"scope": scope}
        return False


class NotReadOnlyViewer(BasePermission):
    """The client viewer (reviewdesk.roles.hides_buyer_data) reads the web pages only, where buyers'
    personal data is hidden from them; the API answers them 403 ``not_for_client_viewer``."""

    code = "not_for_client_viewer"
    message = _("品牌方查看账号只能在网页上查看，不能调用接口。")

    def has_permission(self, request, view) -> bool:
        from reviewdesk.roles import hides_buyer_data

        return not hides_buyer_data(request.user)


class CaseAPIView(ThrottleBeforePermissions, APIView):
    """Session (the logged-in UI) or an API token, rate-limited (reviewdesk.throttling) before the
    permission checks. DRF's own refusals (401, 403, 404, 405, 429, parse errors) are reshaped to
    ``{code, message}`` like the workflow's, so clients read one shape.
    Subclasses set ``required_scope``: "cases:read" to read, "cases:act" to act or prepare an action."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, NotReadOnlyViewer, TokenScopePermission]
    required_scope: str | None = None

    def handle_exception(self, exc):
        response = super().handle_exception(api_exception(exc))
        data = response.data
        if isinstance(data, dict) and set(data) == {"detail"}:
            detail = data["detail"]
            response.data = {"code": str(getattr(detail, "code", "error")), "message": str(detail)}
        return response
