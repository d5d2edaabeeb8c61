"""Stable error codes of the incentives app (``ValidationError.code``)."""

from enum import StrEnum


class IncentiveError(StrEnum):
    KEY_CONFLICT = "key_conflict"  # same idempotency key, different account/amount/kind
    PERIOD_LOCKED = "period_locked"
    PERIOD_NOT_OPEN = "period_not_open"
    PERIOD_RUNNING = "period_running"  # a lock before the month ended, without the explicit confirmation
    BAD_PERIOD = "bad_period"
    ZERO_AMOUNT = "zero_amount"
    FRACTIONAL_POINTS = "fractional_points"
    BAD_PRECISION = "bad_precision"
    ALREADY_REVERSED = "already_reversed"
    NOT_REVERSIBLE = "not_reversible"
    INSUFFICIENT_POINTS = "insufficient_points"
    FOUR_EYES = "four_eyes"
    ADJUSTMENT_CAP = "adjustment_cap"  # a dispute adjustment beyond the unit's cap (AdjustmentLimit)
    SECOND_APPROVAL_MISMATCH = "second_approval_mismatch"  # the second approver changed the proposed amount
    DISPUTE_NOT_ALLOWED = "dispute_not_allowed"
    DISPUTE_ALREADY_OPEN = "dispute_already_open"
    DISPUTE_NOT_OPEN = "dispute_not_open"
    NOT_OWNER = "not_owner"
    FORBIDDEN = "forbidden"
    BAD_TRANSITION = "bad_transition"
    ITEM_INACTIVE = "item_inactive"
    NO_RULE = "no_rule"


# Marker text raised by the database triggers (see migrations/0002_ledger_triggers.py); the services
# translate an IntegrityError carrying it into the error code above.
TRIGGER_IMMUTABLE = "incentives_ledger_immutable"
TRIGGER_PERIOD_LOCKED = "incentives_ledger_period_locked"
TRIGGER_SHOP_LOCKED = "incentives_ledger_shop_locked"  # migrations/0008_ledger_shop_lock_trigger.py
