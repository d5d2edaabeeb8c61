"""What each role may do with reviews and cases in the admin (reviewdesk.roles merges every app's table).

What a role may do to a case (resolve, offer, appeal …) is the workflow's table (cases/workflow/table.py);
these are the Django model permissions behind the admin and the reveal of a buyer's contact.
"""

from reviewdesk.choices import AdminRole, Role
from reviewdesk.roles import crud_permissions

_VIEWING = [
    "cases.view_review",
    "cases.view_reviewrevision",
    "cases.view_case",
    "cases.view_importbatch",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: ["cases.view_review", "cases.view_case"],
    Role.SUPERVISOR: _VIEWING
    + [
        "cases.add_review",
        "cases.change_review",
        "cases.view_buyer",
        "cases.reveal_buyer_contact",
    ],
    Role.LEGAL: [
        "cases.view_review",
        "cases.view_case",
        "cases.view_buyer",
        "cases.reveal_buyer_contact",
    ],
    Role.MANAGER: _VIEWING
    + [
        "cases.add_review",
        "cases.change_review",
        "cases.view_buyer",
        "cases.reveal_buyer_contact",
        "cases.view_importmapping",
        "cases.add_importmapping",
        "cases.change_importmapping",
        "cases.view_apitoken",
        "cases.add_apitoken",
        "cases.change_apitoken",
        # The robots and mail channels of his shops (cases.admin_notifications), and what they sent.
        "cases.view_notificationchannel",
        "cases.add_notificationchannel",
        "cases.change_notificationchannel",
        "cases.delete_notificationchannel",
        "cases.view_delivery",
    ],
    # Import mappings decide how every shop's exports are read: a global setting, the policy owner's.
    AdminRole.POLICY_OWNER: crud_permissions("cases", ["importmapping"]),
}
