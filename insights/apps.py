from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("数据看板与周报")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import case_event
        from insights.demo import build_insights_demo
        from insights.health.demo import build_health_demo
        from insights.permissions import ROLE_PERMISSIONS
        from insights.receivers import on_case_event
        from insights.views import home_panel, nav_link
        from reviewdesk.hooks import demo_builders, home_panels, nav_links
        from reviewdesk.roles import register_role_permissions

        case_event.connect(on_case_event, dispatch_uid="insights.on_case_event")
        demo_builders.register(build_insights_demo)
        demo_builders.register(build_health_demo)
        home_panels.register(home_panel)
        nav_links.register(nav_link)
        register_role_permissions("insights", ROLE_PERMISSIONS)
        from insights.jobs import may_start as may_export_insights
        from jobs import registry as job_kinds
        from jobs.choices import JobKind

        job_kinds.register(JobKind.INSIGHTS_EXPORT, "insights.jobs", may_start=may_export_insights)
        job_kinds.register(JobKind.WEEKLY_EXPORT, "insights.jobs", may_start=may_export_insights)
