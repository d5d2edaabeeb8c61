from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("规则策略")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from policies.permissions import ROLE_PERMISSIONS
        from policies.scope import register_policy_scopes
        from policies.triggers import ensure_triggers
        from reviewdesk.roles import register_role_permissions

        register_policy_scopes()
        register_role_permissions("policies", ROLE_PERMISSIONS)
        post_migrate.connect(ensure_triggers, sender=self, dispatch_uid="policies.ensure_triggers")
        from jobs import registry as job_kinds
        from jobs.choices import JobKind
        from policies.jobs import may_start as may_manage_pack

        job_kinds.register(JobKind.PACK_EXPORT, "policies.jobs", may_start=may_manage_pack)
        job_kinds.register(JobKind.PACK_IMPORT, "policies.jobs", may_start=may_manage_pack)
