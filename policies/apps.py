from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("规则策略")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from policies.scope import register_policy_scopes

        register_policy_scopes()
