from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    """Live platform connectors: reviews pulled from the platforms' open APIs, replies delivered back."""

    name = "connectors"
    verbose_name = _("平台对接")
    default_auto_field = "django.db.models.BigAutoField"
