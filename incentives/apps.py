from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = _("激励与薪酬")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.hooks import case_events
        from incentives.demo import build_demo
        from incentives.nav import nav_links as incentive_links
        from incentives.receivers import on_case_event
        from incentives.triggers import drop_cross_table_triggers, ensure_triggers
        from reviewdesk.choices import AdminRole, Role
        from reviewdesk.hooks import demo_builders, nav_links
        from reviewdesk.roles import extend_role_permissions

        # Training publishes no events: incentives reads its data in the sweeps (services.sweeps), which
        # call receivers.on_training_event themselves.
        case_events.register(on_case_event)
        demo_builders.register(build_demo)
        nav_links.register(incentive_links)
        pre_migrate.connect(
            drop_cross_table_triggers, sender=self, dispatch_uid="incentives.drop_cross_table_triggers"
        )
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="incentives.ensure_triggers")
        view = [
            "incentives.view_period",
            "incentives.view_ledgerentry",
            "incentives.view_account",
            "incentives.view_payoutline",
            "incentives.view_rewarditem",
        ]
        extend_role_permissions(
            {
                Role.HR: view
                + [
                    "incentives.lock_period",
                    "incentives.export_payouts",
                    "incentives.view_dispute",
                    "incentives.view_redemption",
                    "incentives.view_withheldaward",
                    "incentives.view_awardrule",
                ],
                Role.MANAGER: view
                + [
                    f"incentives.{verb}_{model}"
                    for model in ("awardrule", "rewarditem")
                    for verb in ("view", "add", "change")
                ]
                + [
                    "incentives.view_dispute",
                    "incentives.change_dispute",
                    "incentives.resolve_dispute",
                    "incentives.view_redemption",
                    "incentives.change_redemption",
                    "incentives.decide_redemption",
                    "incentives.view_withheldaward",
                    "incentives.export_payouts",
                    "incentives.view_adjustmentlimit",
                ],
                # The dispute adjustment caps apply in every shop: the policy owner's, like the other global rules.
                AdminRole.POLICY_OWNER: [
                    "incentives.view_adjustmentlimit",
                    "incentives.change_adjustmentlimit",
                ],
                # Agents see their own statement through views that filter to request.user; no model perms.
                Role.AGENT: [],
            }
        )
