from cases.models.case import Case, DecisionRecord
from cases.models.intake import ApiToken, ImportBatch, ImportMapping, PendingHandoff
from cases.models.notifications import Delivery, Notification, NotificationChannel
from cases.models.review import Buyer, Review, ReviewRevision
from cases.models.routing import Assignment
from cases.models.sla import SlaEvent
from cases.models.workflow import (
    Appeal,
    CaseEvent,
    CompensationOffer,
    ContactAttempt,
    Evidence,
    FollowUpTask,
    Reply,
    Verification,
)

__all__ = [
    "ApiToken",
    "Appeal",
    "Assignment",
    "Buyer",
    "Case",
    "CaseEvent",
    "CompensationOffer",
    "ContactAttempt",
    "DecisionRecord",
    "Delivery",
    "Evidence",
    "FollowUpTask",
    "ImportBatch",
    "ImportMapping",
    "Notification",
    "NotificationChannel",
    "PendingHandoff",
    "Reply",
    "Review",
    "ReviewRevision",
    "SlaEvent",
    "Verification",
]
