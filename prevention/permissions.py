"""What each role may do with prevention's policy data (reviewdesk.roles merges every app's table).

A manager edits his shops' late-parcel, risky-order and after-sale reason rules (the global rows are the
policy owner's, ``policies.scope``) and reads the order exports' column mappings; the policy owner changes
those too."""

from reviewdesk.choices import AdminRole, Role
from reviewdesk.roles import crud_permissions

RULE_MODELS = ["laterule", "riskrule", "returnreasonrule"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MANAGER: crud_permissions("prevention", RULE_MODELS) + ["prevention.view_ordermapping"],
    AdminRole.POLICY_OWNER: crud_permissions("prevention", [*RULE_MODELS, "ordermapping"]),
}
