"""System checks of the project's own settings (``manage.py check``; ``check --deploy`` adds the
deployment ones)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register()
def site_url_is_absolute(app_configs=None, **kwargs):
    """Links in e-mail and chat messages are built on SITE_URL: it must be an absolute http(s) address."""
    parts = urlsplit(settings.SITE_URL or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return []
    return [
        Error(
            "SITE_URL must be the site's absolute address, e.g. https://reviews.example.com "
            f"(it is {settings.SITE_URL!r}).",
            hint="Set SITE_URL in the environment; e-mail, Feishu and DingTalk links are built on it.",
            id="reviewdesk.E001",
        )
    ]


@register(Tags.security, deploy=True)
def site_url_is_https(app_configs=None, **kwargs):
    """In production the links sent out should open over https."""
    if settings.DEBUG or urlsplit(settings.SITE_URL or "").scheme == "https":
        return []
    return [
        Warning(
            f"SITE_URL ({settings.SITE_URL}) is not an https address: links in e-mail and chat messages "
            "would open the site over plain http.",
            hint="Set SITE_URL to the https address users reach, e.g. https://reviews.example.com.",
            id="reviewdesk.W001",
        )
    ]
