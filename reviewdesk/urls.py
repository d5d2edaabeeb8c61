import functools

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from cases.api.auth import ApiTokenAuthentication
from reviewdesk import language, views
from reviewdesk.throttling import throttle_login


class ApiDocsAccess(BasePermission):
    """The API description is for users of the API: any logged-in user or token, unless
    ``API_DOCS_PUBLIC`` publishes it on purpose (read at each request)."""

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(request.user and request.user.is_authenticated)


def docs_login_required(view):
    """Swagger UI is a page for people: an anonymous visitor is sent to the login page instead of a 403."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


DOCS_ACCESS = {
    "authentication_classes": [ApiTokenAuthentication, SessionAuthentication],
    "permission_classes": [ApiDocsAccess],
}

# The admin's login POST is rate-limited like the login page's (reviewdesk.throttling).
admin.site.login = throttle_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", throttle_login(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The language switch also stores the choice on the logged-in person (reviewdesk.language).
    path("i18n/setlang/", language.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/schema/", SpectacularAPIView.as_view(**DOCS_ACCESS), name="api-schema"),
    # The split view serves Swagger UI's init script as a file (?script), so the CSP needs no inline script.
    path(
        "api/v1/docs/",
        docs_login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema", **DOCS_ACCESS)),
        name="api-docs",
    ),
    path("api/v1/", include("cases.api.urls")),
    path("api/v1/", include("workorders.api_urls")),
    path("policies/", include("policies.urls")),
    path("cases/", include("cases.urls")),
    path("training/", include("training.urls")),
    path("s/", include("training.surveys.urls")),  # the survey link buyers open (short: it goes into an SMS)
    path("incentives/", include("incentives.urls")),
    path("insights/", include("insights.urls")),
    path("jobs/", include("jobs.urls")),
    path("connectors/", include("connectors.urls")),
    path("workorders/", include("workorders.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("prevention/", include("prevention.urls")),
    path("outreach/", include("outreach.urls")),  # the SMS providers' callbacks (token in the URL)
]
