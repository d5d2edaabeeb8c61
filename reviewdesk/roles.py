"""Roles are Django groups; this table says what each may do.

The groups are created by a migration; their permissions are (re)synced after every migrate, because
the permissions of later apps exist only then. The table names permissions as ``app_label.codename``;
a name that does not exist yet (its app has no such model yet) is skipped, not an error.
"""

from collections.abc import Iterable

from django.db.models import Q

from reviewdesk.choices import AdminRole, Role

POLICY_MODELS = [
    "platformrule",
    "issuetype",
    "classificationrule",
    "malicioussignal",
    "slatier",
    "businesscalendar",
    "openinghours",
    "calendarexception",
    "customertier",
    "compensationrule",
    "compensationoption",
    "replytemplate",
    "compliancerule",
    "followupplan",
    "followupstep",
    "appealchecklist",
    "contactlimit",
]


def _crud(app: str, models: Iterable[str]) -> list[str]:
    return [f"{app}.{verb}_{m}" for m in models for verb in ("view", "add", "change", "delete")]


def _view(app: str, models: Iterable[str]) -> list[str]:
    return [f"{app}.view_{m}" for m in models]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: _view("policies", POLICY_MODELS),
    Role.SUPERVISOR: _view("policies", POLICY_MODELS) + ["reviewdesk.view_shop", "reviewdesk.view_user"],
    Role.LEGAL: _view("policies", POLICY_MODELS),
    Role.MANAGER: _crud("policies", POLICY_MODELS)
    + [
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
    # The global rules of every shop (a rule without a shop, issue types) and the global settings of
    # later apps that decide for every shop (import mappings, insight settings): named here as strings,
    # so that no upward import is needed (a name whose app is not installed is skipped).
    AdminRole.POLICY_OWNER: _crud("policies", POLICY_MODELS)
    + ["policies.change_global_policy", "reviewdesk.view_shop"]
    + _crud("cases", ["importmapping"])
    + _crud("insights", ["insightsettings"]),
}
# Roles whose members work in the Django admin (is_staff is set for them by demo_data / user admin).
ADMIN_ROLES = {Role.MANAGER, Role.HR, AdminRole.POLICY_OWNER}
# Roles that work or oversee cases. HR is a member of its shops (payouts are scoped by shop) but reads
# no case, queue or evidence: see works_cases().
CASE_ROLES = frozenset({str(Role.AGENT), str(Role.SUPERVISOR), str(Role.LEGAL), str(Role.MANAGER)})

# Later apps extend the table from their AppConfig.ready() (they may not be imported from here).
_extensions: list[dict[str, list[str]]] = []


def extend_role_permissions(extra: dict[str, list[str]]) -> None:
    _extensions.append(extra)


def role_permission_table() -> dict[str, list[str]]:
    table = {str(role): list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for extra in _extensions:
        for role, perms in extra.items():
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
