"""What each role may do with the knowledge base (reviewdesk.roles merges every app's table).

Everyone who works cases reads the articles and takes the product exam; a manager writes his shops' (or
his client's) articles and their questions and approves drafts; the global articles and the product
lines (the exam's numbers) are the policy owner's, like the global rules (policies.scope)."""

from reviewdesk.choices import AdminRole, Role
from reviewdesk.roles import crud_permissions

_READ_AND_EXAM = ["knowledge.view_article", "knowledge.take_exam"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: _READ_AND_EXAM,
    Role.SUPERVISOR: _READ_AND_EXAM + ["knowledge.view_question", "knowledge.view_examattempt"],
    Role.LEGAL: _READ_AND_EXAM,
    Role.MANAGER: _READ_AND_EXAM
    + [
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.publish_article",
        "knowledge.view_question",
        "knowledge.add_question",
        "knowledge.view_examattempt",
        "knowledge.view_productline",
    ],
    AdminRole.POLICY_OWNER: crud_permissions("knowledge", ["productline"])
    + [
        "knowledge.view_article",
        "knowledge.add_article",
        "knowledge.change_article",
        "knowledge.publish_article",
    ],
}
