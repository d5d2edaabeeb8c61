from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReviewDeskConfig(AppConfig):
    name = "reviewdesk"
    verbose_name = _("组织与权限")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reviewdesk.roles import sync_role_permissions

        # Permissions of every app exist only after post_migrate: sync the role table then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="reviewdesk.sync_role_permissions")
