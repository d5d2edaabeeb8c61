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
        from outreach.services.surveys import on_survey_reminder_due
        from reviewdesk.roles import register_role_permissions
        from training.surveys.signals import survey_reminder_due

        sms_senders.register(alert_sms_queue)
        from outreach.web import sms_panel
        from reviewdesk.hooks import case_panels

        case_panels.register(sms_panel)
        survey_reminder_due.connect(on_survey_reminder_due, dispatch_uid="outreach.survey_reminder")
        register_role_permissions("outreach", ROLE_PERMISSIONS)
