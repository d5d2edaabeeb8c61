from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("激励与薪酬")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.signals import case_event
        from incentives.demo import build_demo
        from incentives.nav import nav_links as incentive_links
        from incentives.permissions import ROLE_PERMISSIONS
        from incentives.receivers import on_case_event
        from incentives.triggers import drop_cross_table_triggers, ensure_triggers
        from reviewdesk.hooks import demo_builders, nav_links
        from reviewdesk.roles import register_role_permissions

        # Training sends no signal: incentives reads its data in the sweeps (services.sweeps), which call
        # receivers.on_training_event themselves.
        case_event.connect(on_case_event, dispatch_uid="incentives.on_case_event")
        demo_builders.register(build_demo)
        nav_links.register(incentive_links)
        from incentives.home import month_panel, period_panel
        from reviewdesk.hooks import home_panels

        home_panels.register(month_panel)
        home_panels.register(period_panel)
        pre_migrate.connect(
            drop_cross_table_triggers, sender=self, dispatch_uid="incentives.drop_cross_table_triggers"
        )
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="incentives.ensure_triggers")
        register_role_permissions("incentives", ROLE_PERMISSIONS)
        from jobs import registry as job_kinds
        from jobs.choices import JobKind

        job_kinds.register(
            JobKind.PAYOUT_EXPORT,
            "incentives.jobs",
            may_start=lambda u: u.has_perm("incentives.export_payouts"),
        )
