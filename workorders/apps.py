from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    """Internal work orders: a case's question to the warehouse, logistics, finance or a supplier."""

    name = "workorders"
    verbose_name = _("内部工单")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.hooks import resolve_blockers
        from cases.signals import cases_opened
        from insights.hooks import dashboard_tables, weekly_sections, weekly_sent
        from reviewdesk.hooks import demo_builders, nav_links
        from reviewdesk.roles import register_role_permissions
        from workorders.automation import cases_opened as courier_watch_on_opened
        from workorders.demo import build_workorders_demo
        from workorders.permissions import ROLE_PERMISSIONS
        from workorders.reports import dashboard_table, weekly_table
        from workorders.services import resolve_blocker
        from workorders.views import nav_links_for
        from workorders.weekly import weekly_report_sent

        register_role_permissions("workorders", ROLE_PERMISSIONS)
        resolve_blockers.register(resolve_blocker)
        cases_opened.connect(courier_watch_on_opened, dispatch_uid="workorders.courier_watch")
        nav_links.register(nav_links_for)
        demo_builders.register(build_workorders_demo)
        dashboard_tables.register(dashboard_table)
        weekly_sections.register(weekly_table)
        weekly_sent.register(weekly_report_sent)
