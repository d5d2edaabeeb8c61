"""The managers' admin of the policies app (registered on import by admin autodiscovery)."""

from policies.admin import campaigns, rules  # noqa: F401
