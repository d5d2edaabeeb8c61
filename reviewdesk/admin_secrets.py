"""Write-only credentials on admin forms: a robot's webhook URL and its signing secret.

Whoever holds a robot's URL (its path or query carries the token) or its secret posts into the group, so
an admin form never shows them back: both fields start empty, a field left empty keeps what is stored,
a typed value replaces it, and the help text names only the stored URL's host. A typed URL is checked
with the outbound policy (``reviewdesk.outbound.check_url``: http(s), no loopback, private, link-local
or metadata address) before it is saved; the sender checks it again at every call. A form that declares
a ``clear_secret`` checkbox lets the user empty the secret on purpose.

``WriteOnlySecretsMixin`` is mixed into a ``ModelForm`` that declares both fields itself (label, limits,
a ``PasswordInput`` for the secret) and names them in ``url_field`` and ``secret_field``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reviewdesk.outbound import OutboundRefused, check_url

STORED_HELP = _("已设置(%(host)s)，出于安全不再显示；留空则保持不变，填写则替换。")
CLEAR_FIELD = "clear_secret"


def url_host(url: str) -> str:
    """What the admin shows of a stored URL: its scheme and host (the path and query hold the token)."""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else ""


class WriteOnlySecretsMixin:
    url_field = "webhook_url"
    secret_field = "secret"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.pk is not None
        self.stored_url = getattr(self.instance, self.url_field) if stored else ""
        self.stored_secret = getattr(self.instance, self.secret_field) if stored else ""
        self.initial[self.url_field] = ""
        self.initial[self.secret_field] = ""
        if self.stored_url:
            self.fields[self.url_field].help_text = STORED_HELP % {"host": url_host(self.stored_url)}

    def clean(self):
        data = super().clean()
        if self.url_field in data:  # absent: the field's own validation failed already
            url = (data.get(self.url_field) or "").strip()
            if not url:
                data[self.url_field] = self.stored_url
            else:
                try:
                    check_url(url)
                except OutboundRefused as refused:
                    self.add_error(self.url_field, ValidationError(str(refused), code="outbound_refused"))
                else:
                    data[self.url_field] = url
        if data.get(CLEAR_FIELD):
            data[self.secret_field] = ""
        elif not data.get(self.secret_field):
            data[self.secret_field] = self.stored_secret
        return data
