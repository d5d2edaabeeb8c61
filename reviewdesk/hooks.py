"""Small named registries through which higher apps plug into lower ones (see docs/conventions.md).

A higher app registers in its ``AppConfig.ready()``; a lower app reads ``registry.all()`` (panels, links,
checks it asks one by one) or tells every listener of an event with ``registry.send_robust(**kwargs)``.
Each registry documents its contract where it is declared.
"""

import copy
import logging
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


class Registry:
    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._items: list[Callable] = []

    def register(self, func: Callable) -> Callable:
        if func not in self._items:
            self._items.append(func)
        return func

    def unregister(self, func: Callable) -> None:
        if func in self._items:
            self._items.remove(func)

    def all(self) -> list[Callable]:
        return list(self._items)

    def send_robust(self, **kwargs) -> None:
        """Call every listener with ``kwargs``; each gets its own copy, so no listener alters what the next
        sees. One listener's failure is logged and does not keep the event from the others — except where
        ``settings.HOOKS_RAISE`` is on (the tests), where it is raised so that a broken listener fails
        the test instead of hiding in the log."""
        for listener in self.all():
            try:
                listener(**copy.deepcopy(kwargs))
            except Exception:
                if settings.HOOKS_RAISE:
                    raise
                # The scalar arguments name the event (event, case id); a payload is not logged.
                named = " ".join(f"{k}={v}" for k, v in kwargs.items() if not isinstance(v, dict | list))
                logger.exception("%s listener %s failed: %s", self.name, _name(listener), named)


def _name(func: Callable) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


home_panels = Registry(
    "home_panels",
    "Callables (request) -> dict | None; a dict {'title', 'template', 'context'} is shown on the home page.",
)

demo_builders = Registry(
    "demo_builders",
    "Callables (*, shops: dict[str, Shop], users: dict[str, User], stdout) -> None, run in order by "
    "`manage.py demo_data` after the shops and users exist. Each must be idempotent.",
)

nav_links = Registry(
    "nav_links",
    "Callables (request) -> list[tuple[str, str]] of (label, url) shown in the main navigation bar for a "
    "signed-in user; each decides from request.user which links it offers (none = empty list).",
)
