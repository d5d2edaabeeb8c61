"""What each role may do with the dashboard and the weekly report (reviewdesk.roles merges every app's
table)."""

from reviewdesk.choices import AdminRole, ClientRole, Role
from reviewdesk.roles import crud_permissions

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.SUPERVISOR: ["insights.view_insights", "insights.view_weeklyreport"],
    Role.MANAGER: crud_permissions("insights", ["insightsettings", "reportrecipient", "healthwatch"])
    + ["insights.view_insights", "insights.view_weeklyreport", "insights.add_dsrscore"],
    # The insight settings decide for every shop: a global setting, the policy owner's.
    AdminRole.POLICY_OWNER: crud_permissions("insights", ["insightsettings"]),
    # A client's own staff: their shops' dashboard and weekly report, read-only (reviewdesk.access).
    ClientRole.CLIENT_VIEWER: ["insights.view_insights", "insights.view_weeklyreport"],
}
