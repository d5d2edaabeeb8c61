"""Roles are Django groups; the role table says what each may do.

Each app states what every role may do in it in its own ``permissions.py`` (``ROLE_PERMISSIONS``: role ->
``app_label.codename`` names), registered from its AppConfig.ready() with ``register_role_permissions``;
reviewdesk's own rows are below. ``role_permission_table()`` merges them. The groups are created by a
migration; their permissions are (re)synced after every migrate, because the permissions of later apps
exist only then. A name that does not exist yet (its app has no such model yet) is skipped, not an error.
"""

from collections.abc import Iterable

from django.db.models import Q

from reviewdesk.choices import AdminRole, Role


def crud_permissions(app: str, models: Iterable[str]) -> list[str]:
    """View, add, change and delete of each model: ``app.<verb>_<model>``."""
    return [f"{app}.{verb}_{m}" for m in models for verb in ("view", "add", "change", "delete")]


def view_permissions(app: str, models: Iterable[str]) -> list[str]:
    return [f"{app}.view_{m}" for m in models]


# What each role may do in reviewdesk itself (shops, users) and in the login lockout it configures (axes).
# Every other app states its own rows in its ``permissions.py`` and registers them from its ready().
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SUPERVISOR: ["reviewdesk.view_shop", "reviewdesk.view_user"],
    Role.MANAGER: [
        "reviewdesk.view_shop",
        "reviewdesk.change_shop",
        "reviewdesk.view_user",
        "reviewdesk.view_shopmembership",
    ]
    # django-axes: see who is locked out of logging in, and unlock them by deleting the attempt.
    + [
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ],
    Role.HR: ["reviewdesk.view_user", "reviewdesk.view_shop"],
    AdminRole.POLICY_OWNER: ["reviewdesk.view_shop"],
}

# Roles whose members work in the Django admin (is_staff is set for them by demo_data / user admin).
ADMIN_ROLES = {Role.MANAGER, Role.HR, AdminRole.POLICY_OWNER}
# Roles that work or oversee cases. HR is a member of its shops (payouts are scoped by shop) but reads
# no case, queue or evidence: see works_cases().
CASE_ROLES = frozenset({str(Role.AGENT), str(Role.SUPERVISOR), str(Role.LEGAL), str(Role.MANAGER)})

# app label -> that app's table (its ``permissions.py``), in the order the apps registered. Keyed by app,
# so that a second ready() replaces its table instead of adding it twice.
_app_tables: dict[str, dict[str, list[str]]] = {}


def register_role_permissions(app_label: str, table: dict[str, list[str]]) -> None:
    """An app's role table, from its AppConfig.ready() (a later app may not be imported from here)."""
    _app_tables[app_label] = table


def role_permission_table() -> dict[str, list[str]]:
    """Every role's permissions: reviewdesk's rows, then each registered app's."""
    table = {str(role): list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for app_table in _app_tables.values():
        for role, perms in app_table.items():
            table.setdefault(str(role), []).extend(perms)
    return table


def sync_role_permissions(sender=None, using="default", **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    for role, names in role_permission_table().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        query = Q(pk__in=[])
        for name in names:
            app_label, codename = name.split(".", 1)
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.using(using).filter(query))


def user_roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_reviewdesk_roles", None)
    if cached is None:
        from reviewdesk.access import load_access  # one query for the roles and the shops

        load_access(user)
        cached = user._reviewdesk_roles
    return cached


def works_cases(user) -> bool:
    """May this user read cases at all (within their shops)? A superuser or one of CASE_ROLES.
    Costs no query of its own: the roles come with the user's shops (reviewdesk.access.load_access)."""
    return user.is_authenticated and (user.is_superuser or bool(user_roles(user) & CASE_ROLES))
