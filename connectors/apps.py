from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    """Live platform connectors: reviews pulled from the platforms' open APIs, replies delivered back."""

    name = "connectors"
    verbose_name = _("平台对接")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import case_event
        from connectors.permissions import ROLE_PERMISSIONS
        from connectors.receivers import on_case_event
        from reviewdesk.roles import register_role_permissions

        register_role_permissions("connectors", ROLE_PERMISSIONS)

        case_event.connect(on_case_event, dispatch_uid="connectors.on_case_event")
