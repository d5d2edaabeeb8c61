"""Forms of the cases app's web UI (the agent workspace): filter bars and action forms."""
