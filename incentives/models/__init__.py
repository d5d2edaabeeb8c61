from incentives.models.ledger import Account, Dispute, LedgerEntry, Period, PeriodShopLock
from incentives.models.payouts import PayoutLine
from incentives.models.rewards import Redemption, RewardItem
from incentives.models.rules import AdjustmentLimit, AwardRule, WithheldAward

__all__ = [
    "Account",
    "AdjustmentLimit",
    "AwardRule",
    "Dispute",
    "LedgerEntry",
    "PayoutLine",
    "Period",
    "PeriodShopLock",
    "Redemption",
    "RewardItem",
    "WithheldAward",
]
