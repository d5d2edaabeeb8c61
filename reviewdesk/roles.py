"""Roles are Django groups; the role table says what each may do.

Each app states what every role may do in it in its own ``permissions.py`` (``ROLE_PERMISSIONS``: role ->
``app_label.codename`` names), registered from its AppConfig.ready() with ``register_role_permissions``;
reviewdesk's own rows are below. ``role_permission_table()`` merges them. The groups are created by a
migration; their permissions are (re)synced after every migrate, because the permissions of later apps
exist only then. A name that does not exist yet (its app has no such model yet) is skipped, not an error.
"""

from collections.abc import Iterable

from django.db.models import Q

from reviewdesk.access import is_read_only, user_roles  # noqa: F401 - read here by the apps
from reviewdesk.choices import AdminRole, ClientRole, Role


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
        # His clients and who serves them (created and changed by a superuser: reviewdesk.admin).
        "reviewdesk.view_client",
        "reviewdesk.view_clientmembership",
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
    # A client's own staff read the policies in force in the admin (read-only, their shops' overrides and
    # the global rows): the admin needs the shop's name for the overrides' shop column and filter.
    ClientRole.CLIENT_VIEWER: ["reviewdesk.view_shop"],
}

# Roles whose members work in the Django admin (is_staff is set for them by demo_data / user admin).
ADMIN_ROLES = {Role.MANAGER, Role.HR, AdminRole.POLICY_OWNER, ClientRole.CLIENT_VIEWER}
# Roles that read and change nothing: a user whose every role is one of these is refused every change by
# the one access path (reviewdesk.access.shop_ids_for(user, "change") is empty), whatever a view forgets.
# Roles that read cases without working them (the case list and pages, masked: hides_buyer_data).
CASE_READER_ROLES = frozenset({str(ClientRole.CLIENT_VIEWER)})
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


def works_cases(user) -> bool:
    """May this user read cases at all (within their shops)? A superuser or one of CASE_ROLES.
    Costs no query of its own: the roles come with the user's shops (reviewdesk.access.load_access)."""
    return user.is_authenticated and (user.is_superuser or bool(user_roles(user) & CASE_ROLES))


def reads_cases(user) -> bool:
    """May this user read cases (within their shops)? Who works cases, and the client viewer (read-only,
    without buyers' personal data). The Case's scope (``cases.admin``) reads with this; ``works_cases``
    stays the rule of what only case workers get (their queue, their tokens). No query of its own."""
    return works_cases(user) or (user.is_authenticated and bool(user_roles(user) & CASE_READER_ROLES))


def hides_buyer_data(user) -> bool:
    """Must buyers' personal data be hidden from this user entirely (not only masked)? The client viewer,
    unless they also work cases for the agency: the buyer's nick is masked (``reviewdesk.pii.mask_nick``),
    the phone and address are not shown at all, nor evidence files (chat screenshots carry them)."""
    return user.is_authenticated and not works_cases(user) and bool(user_roles(user) & CASE_READER_ROLES)
