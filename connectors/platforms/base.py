"""The one interface every platform connector implements, and the errors they raise.

A client is built per use from a ``Connector`` row (``connectors.platforms.client_for``) and answers:

- ``list_reviews(start, end, page_no) -> Page``: one page of the reviews created in [start, end];
  ``Page.total`` is the platform's count for the whole window when it gives one (the window splitter in
  ``connectors.services.pull`` halves a window whose count reaches ``window_cap``);
- ``read_review(order_no, target) -> dict | None``: one review read back (a rating changed, an appended
  review, a reply that may have been applied);
- ``read_reviews([(order_no, target), …]) -> [dict | None, …]`` (optional): the same for several
  reviews in as few calls as the platform allows (JOS reads up to 50 orders a call); the pull's
  read-back uses it when a client has it;
- ``post_reply(order_no, target, text)``: the seller's public reply/explanation;
- ``to_item(raw) -> dict``: a platform row as an intake item (``cases.imports.submit.INPUT_FIELDS``), via
  the connector's field mapping; ``reply_of(raw)`` the reply the platform shows under it;
- ``refresh() -> dict | None`` (optional): exchange ``credentials.refresh_token`` for a new access token,
  answering ``refreshed(...)``'s dict ``{"access_token", "refresh_token", "expires_at"}`` (``expires_at``
  an aware datetime or None; ``refresh_token`` the one to keep, which some platforms rotate). None (or no
  ``refresh`` method: ``refresh_of`` reads both the same way) means the platform or the connector has no
  refresh, and the seller authorises again by hand. A refused refresh raises ``PlatformError(AUTH, …)``.
  ``connectors.services.refresh`` calls it ahead of ``expires_at`` and stores the answer encrypted.

``calls`` counts the HTTP calls made (health shows them). Every call goes through
``reviewdesk.outbound`` and nothing here logs a parameter: the secret and the session never leave.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from reviewdesk import outbound

# What an error means to the caller (the platform's own codes are mapped to these in the connector's
# ``api["errors"]``, so a deployer can correct the mapping).
RATE_LIMIT = "rate_limit"  # too many calls: back off, nothing was applied
AUTH = "auth"  # the seller's authorisation is missing, expired or revoked
CLOCK = "clock"  # our timestamp is outside the platform's window: the server clock is off
SIGNATURE = "signature"  # app key / secret / signing wrong: a configuration error
REFUSED = "refused"  # the platform refused the business call (isv.*): definitive, nothing applied
AMBIGUOUS = "ambiguous"  # no usable answer (timeout, broken connection, 5xx, isp.*): may have been applied

MAX_RESPONSE_BYTES = 8 * 1024 * 1024  # a page of 150 reviews with their texts, with room to spare
FORM = "application/x-www-form-urlencoded;charset=utf-8"


class PlatformError(Exception):
    """One failed call. ``str()`` is safe to store and show: the platform's code and message, never a
    parameter of the request."""

    def __init__(self, kind: str, message: str, *, code: str = "", sub_code: str = "", retry_after=None):
        super().__init__(message)
        self.kind = kind
        self.code = code
        self.sub_code = sub_code
        self.retry_after = retry_after  # seconds, when the platform says how long a ban lasts


@dataclass
class Page:
    items: list[dict]
    total: int | None = None
    has_next: bool = False


@dataclass
class Credentials:
    app_key: str
    app_secret: str
    session_key: str
    sign_method: str = "md5"
    refresh_token: str = ""  # empty: no refresh (the platform has none, or none was entered)
    sign_secret: str = ""  # a signing secret distinct from the app secret (Kuaishou); empty: the app secret


@dataclass
class CallLog:
    """The calls a client made: counted for health, with the window each list call covered."""

    calls: int = 0
    windows: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)


def refreshed(
    access_token: str,
    refresh_token: str,
    *,
    expires_in: float | None = None,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """The answer of ``refresh()``: a platform gives the new token's lifetime in seconds (``expires_in``)
    or its end (``expires_at``, aware); an empty token is an unusable answer (AMBIGUOUS: nothing stored)."""
    if not access_token:
        raise PlatformError(AMBIGUOUS, _("平台刷新授权时没有返回新的令牌。"))
    if expires_at is None and expires_in not in (None, ""):
        expires_at = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=float(expires_in))
    return {
        "access_token": str(access_token),
        "refresh_token": str(refresh_token or ""),
        "expires_at": expires_at,
    }


def refresh_of(client) -> dict | None:
    """``client.refresh()`` when the client has one and a refresh token is stored, else None."""
    method = getattr(client, "refresh", None)
    if method is None or not getattr(client.credentials, "refresh_token", ""):
        return None
    return method()


def merged_api(defaults: dict, api: dict | None) -> dict:
    """The connector's ``api`` over the platform's defaults, one level deep: a deployer's ``fields`` or
    ``errors`` replaces the defaults' keys it names; a key the defaults do not have is dropped."""
    api = api or {}
    return {
        k: {**v, **api[k]} if isinstance(v, dict) and isinstance(api.get(k), dict) else api.get(k, v)
        for k, v in defaults.items()
    }


class PlatformClient:
    """What every platform's client shares: it is built from a connector row (``client_for``) with the
    connector's ``api`` merged over the platform's ``DEFAULT_API``; its HTTP calls go through
    ``reviewdesk.outbound`` and are counted; its paging limits are read from ``api``.

    ``MAX_PAGE_SIZE`` is the platform's documented page-size ceiling, used when ``api`` names no
    ``max_page_size``. A ``window_cap`` or ``max_page_no`` of None (or 0) means the platform documents
    none: nothing is capped."""

    DEFAULT_API: dict = {}
    MAX_PAGE_SIZE = 100

    def __init__(self, *, gateway_url: str, credentials: Credentials, api: dict, clock=None, timeout=None):
        self.gateway_url = gateway_url
        self.credentials = credentials
        self.api = merged_api(self.DEFAULT_API, api)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.timeout = timeout
        self.log = CallLog()

    def _send(self, url: str, *, body: bytes | None, method: str = "POST", content_type: str = FORM):
        """One counted HTTP call, its answer decoded from JSON (any JSON value: the caller checks its
        shape). A URL ``outbound`` refuses is a configuration error (SIGNATURE: nothing was sent); no
        usable answer (timeout, broken connection, 5xx, not JSON) is AMBIGUOUS."""
        self.log.calls += 1
        try:
            return outbound.request(
                url,
                method=method,
                body=body,
                headers={"Content-Type": content_type} if body else {},
                timeout=self.timeout,
                max_bytes=MAX_RESPONSE_BYTES,
            ).json()
        except outbound.OutboundRefused as exc:
            raise PlatformError(SIGNATURE, str(exc))
        except outbound.OutboundError as exc:
            raise PlatformError(AMBIGUOUS, str(exc), code=str(exc.status_code or ""))

    @property
    def page_size(self) -> int:
        ceiling = self.api.get("max_page_size") or self.MAX_PAGE_SIZE
        return max(1, min(int(self.api["page_size"]), int(ceiling)))

    @property
    def window_cap(self) -> int:
        return int(self.api["window_cap"] or sys.maxsize)

    @property
    def max_page_no(self) -> int:
        return int(self.api["max_page_no"] or sys.maxsize)
