"""Outreach services (conventions rule 1): accounts and templates, opt-outs, queueing and dispatch,
the buyer's SMS, the follow-up plan's SMS steps, supervisors' SMS alerts, delivery receipts."""
