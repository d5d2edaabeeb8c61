from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("数据看板与周报")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.hooks import case_events
        from insights.demo import build_insights_demo
        from insights.receivers import on_case_event
        from insights.views import home_panel, nav_link
        from reviewdesk.choices import Role
        from reviewdesk.hooks import demo_builders, home_panels, nav_links
        from reviewdesk.roles import extend_role_permissions

        case_events.register(on_case_event)
        demo_builders.register(build_insights_demo)
        home_panels.register(home_panel)
        nav_links.register(nav_link)
        editable = ["insightsettings", "reportrecipient"]
        crud = [f"insights.{verb}_{m}" for m in editable for verb in ("view", "add", "change", "delete")]
        extend_role_permissions(
            {
                Role.SUPERVISOR: ["insights.view_insights", "insights.view_weeklyreport"],
                Role.MANAGER: crud + ["insights.view_insights", "insights.view_weeklyreport"],
            }
        )
