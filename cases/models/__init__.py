from cases.models.case import Case, DecisionRecord
from cases.models.intake import ApiToken, ImportBatch, ImportMapping
from cases.models.review import Buyer, Review, ReviewRevision

# C2 (routing, SLA sweep, notifications) adds its models in cases/models/notifications.py and
# cases/models/sla.py and imports them below.

__all__ = [
    "ApiToken",
    "Buyer",
    "Case",
    "DecisionRecord",
    "ImportBatch",
    "ImportMapping",
    "Review",
    "ReviewRevision",
]
from cases.models.notifications import Delivery, Notification, NotificationChannel  # noqa: E402,F401  (C2)
from cases.models.routing import Assignment  # noqa: E402,F401  (C2)
from cases.models.sla import SlaEvent  # noqa: E402,F401  (C2)
from cases.models.workflow import (  # noqa: E402,F401  (issue 4: the workflow)
    Appeal,
    CaseEvent,
    CompensationOffer,
    ContactAttempt,
    Evidence,
    FollowUpTask,
    Reply,
    Verification,
)
