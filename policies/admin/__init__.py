"""The managers' admin of the policies app (registered on import by admin autodiscovery)."""

from policies.admin import campaigns, macros, rules  # noqa: F401
