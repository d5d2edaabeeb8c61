"""Request-rate limits: the REST API (DRF throttles) and the login POST, answered 429 with Retry-After.

The counters live in the ``throttle`` cache (settings.CACHES: Redis when ``CACHE_URL``/``REDIS_URL`` is
set, so every web worker shares them; local memory otherwise, per process). The rates are the
``DEFAULT_THROTTLE_RATES`` of ``settings.REST_FRAMEWORK``, read at each request (not at import), so a
deployment or a test changes them without a restart:

- ``token``: per API token (each token its own budget, whoever owns it);
- ``user``: per logged-in user calling the API with the session;
- ``anon``: per client address for anonymous API requests (the 401s included);
- ``login``: per client address for login POSTs (the login page and the admin's).

django-axes locks an account or an address out after failed passwords; this is about the request
rate alone (150 token requests in 3 s were all answered), whether the passwords are right or wrong.
The client address is DRF's ``get_ident`` with ``NUM_PROXIES`` = ``TRUSTED_PROXY_COUNT``, the same
rule as the lockout's: without trusted proxies only ``REMOTE_ADDR`` counts.
"""

import functools
from copy import copy

from django.contrib import messages
from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from django.utils.translation import gettext as _
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

THROTTLE_CACHE = "throttle"


class RateThrottle(SimpleRateThrottle):
    """DRF's SimpleRateThrottle on the ``throttle`` cache, its rate read at each request."""

    cache = ConnectionProxy(caches, THROTTLE_CACHE)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenRateThrottle(RateThrottle):
    """Requests authenticated by a token (``request.auth`` is a model row: cases.models.ApiToken)."""

    scope = "token"

    def get_cache_key(self, request, view):
        auth = getattr(request, "auth", None)
        if auth is None or not hasattr(auth, "_meta"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"{auth._meta.label_lower}:{auth.pk}"}


class UserRateThrottle(RateThrottle):
    """Logged-in users calling the API with their session (not with a token: TokenRateThrottle)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if (
            not request.user
            or not request.user.is_authenticated
            or hasattr(getattr(request, "auth", None), "_meta")
        ):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(RateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(RateThrottle):
    """Login POSTs per client address."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ThrottleBeforePermissions:
    """For an APIView: count a request before its permission checks, not after (DRF's order), so the
    refused ones (an anonymous caller's 401s, a scope's 403s) use up the rate as well. A request that
    fails authentication (a bad token) is answered 401 before either."""

    def check_permissions(self, request):
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if getattr(request, "_reviewdesk_throttle_checked", False):
            return
        request._reviewdesk_throttle_checked = True
        super().check_throttles(request)


def throttle_login(view):
    """Wrap a login view: a POST beyond the ``login`` rate is not looked at (no password is checked, no
    failure counted); the login page is shown again with the reason, status 429 and ``Retry-After``."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            throttle = LoginRateThrottle()
            if not throttle.allow_request(request, None):
                wait = max(1, int(throttle.wait() or 1))
                messages.error(
                    request, _("登录请求过于频繁，请在 %(seconds)d 秒后再试。") % {"seconds": wait}
                )
                page = copy(request)
                page.method = "GET"
                response = view(page, *args, **kwargs)
                response.status_code = 429
                response["Retry-After"] = str(wait)
                return response
        return view(request, *args, **kwargs)

    return wrapped
