"""The pure policy engine: plain values in (``ReviewFacts`` + a ``Policy`` snapshot), a ``Decision`` out.

No I/O: the snapshot comes from ``policies.loader.load_policy`` (the only part that queries), so
``decide()`` runs zero queries and is cheap enough to call once per row of a 100,000-row import.

Public API::

    decide(facts, policy, *, context=None, language="zh-hans") -> Decision
    explain(decision, language="zh-hans") -> str
    decision_to_dict(decision) -> dict                  # JSON-ready (Decimal "18.00", ISO datetimes)
    classify(facts, policy) -> Classification
    customer_tier(facts, policy) -> (CustomerTierSpec | None, reason)
    sla(facts, policy, classification) -> SlaDecision | None
    platform_windows(facts, policy) -> PlatformWindows
    compensation_options(facts, policy, *, issue_type, customer_tier) -> (tuple[CompensationOffer], reason)
    render_template(template, context, policy=None) -> str   # missing value -> MISSING ("____")
    check_compliance(text, *, platform, channel, policy) -> ComplianceReport
    deadline(start, minutes, policy, *, calendar=None) -> datetime  # business-time clock started later
"""

from policies.engine.classify import classify, customer_tier, malicious_signals
from policies.engine.compensation import compensation_options
from policies.engine.decide import decide
from policies.engine.explain import decision_to_dict, explain, to_jsonable
from policies.engine.messaging import (
    MISSING,
    applicable_templates,
    check_compliance,
    follow_ups,
    has_missing,
    render_template,
)
from policies.engine.policy import Policy
from policies.engine.timing import deadline, platform_windows, sla

__all__ = [
    "MISSING",
    "Policy",
    "applicable_templates",
    "check_compliance",
    "classify",
    "compensation_options",
    "customer_tier",
    "deadline",
    "decide",
    "decision_to_dict",
    "explain",
    "follow_ups",
    "has_missing",
    "malicious_signals",
    "platform_windows",
    "render_template",
    "sla",
    "to_jsonable",
]
