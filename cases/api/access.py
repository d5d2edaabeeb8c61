"""Who may reach which case through the API, and how a refusal is answered.

A case outside the requester's reach answers 404, exactly like an id that does not exist, so ids
cannot be probed. A request with an API token reaches only the token's shops (and only those its user
is still a member of); a session reaches the user's shops (``reviewdesk.access``, the one access path).
"""

from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from cases import queries as selectors
from cases.errors import WorkflowError
from cases.models import ApiToken, Case
from reviewdesk.access import CHANGE, VIEW

# Refusal codes that are about who is asking rather than about the case: answered 403.
FORBIDDEN_CODES = {WorkflowError.ROLE_NOT_ALLOWED, WorkflowError.NOT_ASSIGNEE}


def request_token(request) -> ApiToken | None:
    """The API token the request authenticated with (None for a session)."""
    return request.auth if isinstance(request.auth, ApiToken) else None


def case_or_404(request, case_id: int, queryset=None, action: str | None = None) -> Case:
    """The case if the requester (and its token) may reach it for ``action`` — by default "view" for a
    read and "change" for a request that writes (POST …) —; 404 otherwise (never 403: that would
    confirm it exists). ``cases.queries.case_or_404`` with the request's token."""
    if action is None:
        action = VIEW if request.method in SAFE_METHODS else CHANGE
    return selectors.case_or_404(
        request.user, case_id, action, token=request_token(request), queryset=queryset
    )


def refusal(code: str, message: str, http_status: int = status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"code": str(code), "message": str(message), **extra}, status=http_status)


def status_for(code: str) -> int:
    if code == WorkflowError.STALE:
        return status.HTTP_409_CONFLICT
    if code == WorkflowError.NOT_FOUND:
        return status.HTTP_404_NOT_FOUND
    if code in FORBIDDEN_CODES:
        return status.HTTP_403_FORBIDDEN
    return status.HTTP_400_BAD_REQUEST


def refusal_from(error) -> Response:
    """A service's django ValidationError → {code, message} with the status its code means."""
    code = getattr(error, "code", None) or "invalid"  # a list/dict ValidationError has no single code
    message = " ".join(str(m) for m in error.messages) or _("操作被拒绝。")
    return refusal(code, message, status_for(code))


def invalid_body(errors) -> Response:
    """A serializer's field errors (the body is malformed): nothing was attempted."""
    return refusal(
        "invalid",
        _("请求内容有误，请检查各字段。"),
        status.HTTP_400_BAD_REQUEST,
        fields={name: _flat(msgs) for name, msgs in errors.items()},
    )


def _flat(messages) -> list[str]:
    """A field's messages as plain strings; a list field's per-item errors ({0: [...]}) name the item."""
    if isinstance(messages, dict):
        return [
            _("第%(n)d项：%(message)s") % {"n": key + 1, "message": text}
            if isinstance(key, int)
            else f"{key}：{text}"
            for key, value in messages.items()
            for text in _flat(value)
        ]
    if isinstance(messages, list):
        return [text for message in messages for text in _flat(message)]
    return [str(messages)]
