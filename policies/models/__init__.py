from policies.models.base import PolicyBase
from policies.models.campaign import CampaignCommitment, CampaignPeriod
from policies.models.classification import ClassificationRule, IssueType, MaliciousSignal
from policies.models.compensation import CompensationOption, CompensationRule, CustomerTier
from policies.models.macros import Macro
from policies.models.messaging import ComplianceRule, ReplyTemplate
from policies.models.platform import PlatformRule
from policies.models.sla import BusinessCalendar, CalendarException, OpeningHours, SlaTier
from policies.models.stamp import PolicyStamp
from policies.models.workflow import AppealChecklist, ContactLimit, FollowUpPlan, FollowUpStep

__all__ = [
    "AppealChecklist",
    "BusinessCalendar",
    "CampaignCommitment",
    "CampaignPeriod",
    "CalendarException",
    "ClassificationRule",
    "CompensationOption",
    "CompensationRule",
    "ComplianceRule",
    "ContactLimit",
    "CustomerTier",
    "FollowUpPlan",
    "FollowUpStep",
    "IssueType",
    "Macro",
    "MaliciousSignal",
    "OpeningHours",
    "PlatformRule",
    "PolicyBase",
    "PolicyStamp",
    "ReplyTemplate",
    "SlaTier",
]
