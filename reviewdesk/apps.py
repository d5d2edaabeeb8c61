from pathlib import Path

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReviewDeskConfig(AppConfig):
    name = "reviewdesk"
    verbose_name = _("组织与权限")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.core.validators import ProhibitNullCharactersValidator

        from reviewdesk.roles import sync_role_permissions

        # Django's Chinese catalog renders "Null characters are not allowed." as "不允许是用空字符串。"
        # ("empty strings are not allowed"), which sends users looking for the wrong problem. Every
        # form field and DRF CharField uses this validator, so its message is set once here.
        ProhibitNullCharactersValidator.message = _("不能包含空字符(NUL)。")

        # Every ModelAdmin refuses filters and searches on personal data (reviewdesk.admin_pii). The admin
        # app comes first in INSTALLED_APPS, so every app's admin module is registered by now.
        from reviewdesk.admin_pii import guard_admin_site

        guard_admin_site()

        # Every changelist answers a hostile filter or date value with its "invalid filter" page, not a
        # 500 (reviewdesk.admin_input).
        from reviewdesk.admin_input import guard_admin_input

        guard_admin_input()

        from reviewdesk import checks  # noqa: F401  (registers the settings checks)

        # Permissions of every app exist only after post_migrate: sync the role table then.
        post_migrate.connect(sync_role_permissions, dispatch_uid="reviewdesk.sync_role_permissions")

        create_local_folders()


def create_local_folders() -> None:
    """The folders a fresh checkout lacks, made when the project starts rather than when the settings
    are imported: the SQLite file's (SQLite creates the file, not its folder) and, in development,
    STATIC_ROOT (WhiteNoise warns about a missing one on every request; an empty folder is enough,
    it serves from the finders). Uploads and staged imports make their own folders when written."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    in_a_file = name not in ("", ":memory:") and not name.startswith("file:")
    if database["ENGINE"] == "django.db.backends.sqlite3" and in_a_file:
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    if settings.DEBUG:
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
