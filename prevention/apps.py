from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    """Prevention before the review: orders and shipments, late-parcel tasks, risky-order flags."""

    name = "prevention"
    verbose_name = _("事前预防")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import cases_opened
        from insights.hooks import dashboard_tables
        from prevention.services import on_cases_opened
        from prevention.views import case_panel, dashboard_table, nav_links_for
        from reviewdesk.hooks import case_panels, nav_links

        cases_opened.connect(on_cases_opened, dispatch_uid="prevention.link_cases")
        case_panels.register(case_panel)
        dashboard_tables.register(dashboard_table)
        nav_links.register(nav_links_for)
