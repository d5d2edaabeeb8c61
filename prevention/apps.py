from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    """Prevention before the review: orders and shipments, late-parcel tasks, risky-order flags."""

    name = "prevention"
    verbose_name = _("事前预防")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import cases_opened
        from insights.hooks import dashboard_tables, weekly_sections
        from policies.scope import GLOBAL_POLICY_PERM
        from prevention.demo import build_prevention_demo
        from prevention.models import LateRule, ReturnReasonRule, RiskRule
        from prevention.permissions import ROLE_PERMISSIONS
        from prevention.services import on_cases_opened
        from prevention.views import case_panel, dashboard_table, nav_links_for
        from prevention.weekly import weekly_tables
        from reviewdesk.access import GLOBAL, Scope, register_scope
        from reviewdesk.hooks import case_panels, demo_builders, nav_links
        from reviewdesk.roles import register_role_permissions

        cases_opened.connect(on_cases_opened, dispatch_uid="prevention.link_cases")
        case_panels.register(case_panel)
        dashboard_tables.register(dashboard_table)
        nav_links.register(nav_links_for)
        weekly_sections.register(weekly_tables)
        demo_builders.register(build_prevention_demo)
        register_role_permissions("prevention", ROLE_PERMISSIONS)
        # Layered like the policy pack (global → client → shop): a global row is the policy owner's.
        for model in (LateRule, RiskRule, ReturnReasonRule):
            register_scope(
                model, Scope(shop="shop", client="client", null=GLOBAL, global_perm=GLOBAL_POLICY_PERM)
            )
