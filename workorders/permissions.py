"""What each role may do with departments and work orders in the admin (reviewdesk.roles merges every
app's table). Raising and answering work orders is not an admin permission: the case's access path decides
who raises (whoever may change the case), department membership who answers."""

from reviewdesk.choices import AdminRole, Role
from reviewdesk.roles import crud_permissions, view_permissions

_DEPARTMENT_DATA = ["department", "departmentmember", "externalcontact", "requesttype", "automationrule"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SUPERVISOR: view_permissions("workorders", [*_DEPARTMENT_DATA, "workorder"]),
    # A manager edits his shops' overrides; the global departments are the policy owner's (policies.scope).
    Role.MANAGER: crud_permissions("workorders", _DEPARTMENT_DATA)
    + ["workorders.view_workorder", "workorders.view_robotpost"],
    AdminRole.POLICY_OWNER: crud_permissions("workorders", _DEPARTMENT_DATA),
}
