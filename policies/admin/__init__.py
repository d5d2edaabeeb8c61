"""The managers' admin of the policies app (registered on import by admin autodiscovery)."""

from policies.admin import rules  # noqa: F401
