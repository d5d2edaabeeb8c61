from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Buyer outreach: SMS through the shop's provider, opt-outs, supervisor SMS alerts."""

    name = "outreach"
    verbose_name = _("买家触达")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.notifications.sms import sms_senders
        from outreach.services.alerts import alert_sms_queue

        sms_senders.register(alert_sms_queue)
