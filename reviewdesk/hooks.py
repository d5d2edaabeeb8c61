"""Small named registries through which higher apps plug into lower ones (see docs/conventions.md).

A higher app registers in its ``AppConfig.ready()``; a lower app reads ``registry.all()``: the panels,
links and builders it shows or runs, the checks it asks one by one. A registry is a lookup; an event that
every listener must hear ("this case was resolved") is a signal instead (``reviewdesk.signals``).
Each registry documents its contract where it is declared.
"""

from collections.abc import Callable


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


home_panels = Registry(
    "home_panels",
    "Callables (request) -> dict | None; a dict {'title', 'template', 'context'} is shown on the home page, "
    "optionally with 'order' (smaller first, default 50), 'wide' (the whole row) and 'tone' ('bad'). Each "
    "builder decides from request.user's roles whether its app has work for them (None: no panel), and "
    "counts against the home's query budget (tests/reviewdesk/test_home_*.py).",
)

case_panels = Registry(
    "case_panels",
    "Callables (request, case) -> dict | None; a dict {'title', 'template', 'context', 'place'} is shown "
    "on the case page, 'place' being 'main' (below the actions) or 'side' (the right column). A builder "
    "counts against the case page's query budget: read what it needs in one query or none.",
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
