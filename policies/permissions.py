"""What each role may do with the policy pack (reviewdesk.roles merges every app's table).

Everyone who works cases reads the rules; a manager edits his shops' overrides; the policy owner edits the
rules of every shop too (``change_global_policy``: a rule without a shop, issue types).
"""

from reviewdesk.choices import AdminRole, ClientRole, Role
from reviewdesk.roles import crud_permissions, view_permissions

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
    "campaignperiod",
    "campaigncommitment",
    "macro",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: view_permissions("policies", POLICY_MODELS),
    Role.SUPERVISOR: view_permissions("policies", POLICY_MODELS),
    Role.LEGAL: view_permissions("policies", POLICY_MODELS),
    Role.MANAGER: crud_permissions("policies", POLICY_MODELS),
    AdminRole.POLICY_OWNER: crud_permissions("policies", POLICY_MODELS) + ["policies.change_global_policy"],
    # A client's own staff read the policies in force (the global rows and their shops' overrides).
    ClientRole.CLIENT_VIEWER: view_permissions("policies", POLICY_MODELS),
}
