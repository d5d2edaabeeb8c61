"""What each role may do with SMS in the admin (reviewdesk.roles merges every app's table).

A manager configures his shops' SMS accounts, their template overrides and his team's alert numbers,
records opt-outs and reads what was sent; global SMS templates are the policy owner's, like every global
rule. Sending to a buyer is the case workflow's (whoever may record a contact)."""

from reviewdesk.choices import AdminRole, Role
from reviewdesk.roles import crud_permissions

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MANAGER: crud_permissions("outreach", ["smsaccount", "supervisorphone"])
    + [
        "outreach.view_smstemplate",
        "outreach.add_smstemplate",
        "outreach.change_smstemplate",
        "outreach.view_smsmessage",
        "outreach.view_optout",
        "outreach.add_optout",
    ],
    AdminRole.POLICY_OWNER: crud_permissions("outreach", ["smstemplate"]),
}
