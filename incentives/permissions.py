"""What each role may do with the ledger, periods, payouts and rewards (reviewdesk.roles merges every app's
table)."""

from reviewdesk.choices import AdminRole, Role

_VIEW = [
    "incentives.view_period",
    "incentives.view_ledgerentry",
    "incentives.view_account",
    "incentives.view_payoutline",
    "incentives.view_rewarditem",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Agents see their own statement through views that filter to request.user; no model permissions.
    Role.AGENT: [],
    Role.MANAGER: _VIEW
    + [
        f"incentives.{verb}_{model}"
        for model in ("awardrule", "rewarditem")
        for verb in ("view", "add", "change")
    ]
    + [
        "incentives.view_dispute",
        "incentives.change_dispute",
        "incentives.resolve_dispute",
        "incentives.view_redemption",
        "incentives.change_redemption",
        "incentives.decide_redemption",
        "incentives.view_withheldaward",
        "incentives.export_payouts",
        "incentives.view_adjustmentlimit",
    ],
    Role.HR: _VIEW
    + [
        "incentives.lock_period",
        "incentives.export_payouts",
        "incentives.view_dispute",
        "incentives.view_redemption",
        "incentives.view_withheldaward",
        "incentives.view_awardrule",
    ],
    # The dispute adjustment caps apply in every shop: the policy owner's, like the other global rules.
    AdminRole.POLICY_OWNER: [
        "incentives.view_adjustmentlimit",
        "incentives.change_adjustmentlimit",
    ],
}
