"""Request guards that run before any view reads the request.

``RequestCharsetMiddleware``: Django decodes the query string and the form body in the charset a request
declares (``Content-Type: …; charset=…``) and accepts any name Python's codec registry knows, including
codecs that are not text encodings (``rot13``, ``hex``, ``zlib``): reading ``request.POST`` (the CSRF
check of the login POST) or ``request.GET`` then raised ``LookupError`` and answered 500, on any URL, with
a single header. A request whose charset is not a text encoding is answered 400 here with a message
that says what to send instead (JSON ``{code, message}`` on the API, as its other errors), before CSRF,
sessions or the view look at it.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

API_PREFIX = "/api/"


def unusable_charset(request) -> str | None:
    """The declared charset when no text can be decoded with it, else None."""
    charset = (getattr(request, "content_params", None) or {}).get("charset")
    if charset is None:
        return None
    try:
        b"0".decode(charset)  # not b"": decoding nothing skips the codec lookup
    except UnicodeError:
        return None  # a text encoding ("0" alone is no UTF-16)
    except (LookupError, ValueError, TypeError):
        return charset
    return None


class RequestCharsetMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = unusable_charset(request)
        if charset is None:
            return self.get_response(request)
        message = _("不支持的字符集“%(charset)s”，请使用 UTF-8 (charset=utf-8)。") % {"charset": charset[:40]}
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"code": "unsupported_charset", "message": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
