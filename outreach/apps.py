from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Buyer outreach: SMS through the shop's provider, opt-outs, supervisor SMS alerts."""

    name = "outreach"
    verbose_name = _("买家触达")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.notifications.sms import sms_senders
        from outreach.permissions import ROLE_PERMISSIONS
        from outreach.services.alerts import alert_sms_queue
        from reviewdesk.roles import register_role_permissions

        sms_senders.register(alert_sms_queue)
        register_role_permissions("outreach", ROLE_PERMISSIONS)
