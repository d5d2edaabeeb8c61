"""What each role may do with the platform connectors (reviewdesk.roles merges every app's table).

A manager connects his shops (add, change: credentials are write-only) and reads their outbox. Agents
and supervisors see what happened to a case's replies on the case page. Nobody edits the outbox: it is
written by the workflow and the delivery worker only."""

from reviewdesk.choices import Role

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.MANAGER: [
        "connectors.view_connector",
        "connectors.add_connector",
        "connectors.change_connector",
        "connectors.view_outboxreply",
    ],
}
