"""The base of every cases endpoint: who may call it and the one shape of every refusal."""

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from cases.api.auth import ApiTokenAuthentication
from cases.api.parsers import api_exception


class CaseAPIView(APIView):
    """Session (the logged-in UI) or an API token. DRF's own refusals (401, 403, 404, 405, parse
    errors) are reshaped to ``{code, message}`` like the workflow's, so clients read one shape."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        response = super().handle_exception(api_exception(exc))
        data = response.data
        if isinstance(data, dict) and set(data) == {"detail"}:
            detail = data["detail"]
            response.data = {"code": str(getattr(detail, "code", "error")), "message": str(detail)}
        return response
