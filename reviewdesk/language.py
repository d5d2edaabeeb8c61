"""Each person's language (``User.language``): chosen with the language switch of every page (or in the
admin's user form), applied on each of their requests, and used for whatever is written *for* them —
a notification is rendered in its recipient's language, not in the language of whoever caused it.

The switch posts to ``set_language`` below: Django's view (the language cookie), and for a logged-in
person the choice is stored on their user too, so it follows them to another browser and to the bell,
mails and robots. ``UserLanguageMiddleware`` (after authentication) activates the stored language on
every request of a logged-in person who chose one, from the first page after the login on; someone who
never chose keeps the browser's language (and is written to in the site's language).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def supported(code: str | None) -> str:
    """``code`` if it is one of ``settings.LANGUAGES``, else the site's language."""
    codes = {c for c, _name in settings.LANGUAGES}
    return code if code in codes else settings.LANGUAGE_CODE


def language_of(user) -> str:
    """The language to write to ``user`` in (the site's language for someone who never chose one)."""
    return supported(getattr(user, "language", None))


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's language, in one query."""
    from reviewdesk.models import User

    ids = set(user_ids)
    if not ids:
        return {}
    return {pk: supported(code) for pk, code in User.objects.filter(pk__in=ids).values_list("pk", "language")}


def group_by_language(user_ids: Iterable[int]) -> dict[str, list[int]]:
    """The users grouped by their language (sorted ids; the site's language first): render a message once
    per language, not once per person."""
    groups: dict[str, list[int]] = defaultdict(list)
    for pk, code in sorted(languages_of(user_ids).items()):
        groups[code].append(pk)
    return dict(sorted(groups.items(), key=lambda item: item[0] != settings.LANGUAGE_CODE))


def set_language(request):
    """Django's ``set_language`` (the cookie and the redirect; a GET changes nothing), and a POSTed choice
    stored on the person."""
    response = django_set_language(request)
    code = request.POST.get("language")
    user = getattr(request, "user", None)
    if (
        request.method == "POST"
        and user is not None
        and user.is_authenticated
        and translation.check_for_language(code or "")
        and supported(code) == code
        and user.language != code
    ):
        user.language = code
        user.save(update_fields=["language"])
    return response


class UserLanguageMiddleware:
    """A logged-in person's pages are in their stored language, whatever the browser's cookie says; the
    cookie is brought in line so the login page after a logout stays in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        code = user.language if user is not None and user.is_authenticated else ""
        code = code if code and supported(code) == code else None  # never chosen: the browser's language
        if code:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        response = self.get_response(request)
        if code and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code and not _switching(request):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def _switching(request) -> bool:
    """The switch's own request sets the cookie itself (to the new choice)."""
    return (
        request.method == "POST"
        and request.resolver_match is not None
        and (request.resolver_match.url_name == "set_language")
    )
