"""The one robust sender of the project's events (docs/conventions.md rule 16; Sentry's ``BetterSignal``).

An event ("this case was resolved", "this review was converted") is a ``RobustSignal`` declared in the
``signals.py`` of the app that raises it, sent after commit with ``send_robust``; a higher app connects its
receiver in its AppConfig.ready(). What a lower app asks a higher one (panels, links, checks) is a
``reviewdesk.hooks.Registry`` instead: a lookup, not an event.

``send_robust`` differs from Django's in three ways:
- each receiver gets its own deep copy of the arguments, so no receiver alters what the next one sees
  (nor the sender's dict);
- a failing receiver is logged with ``logger.exception`` under its dotted name and the event's scalar
  arguments (a payload, which may hold personal data, is not logged), and the others still run;
- with ``settings.HOOKS_RAISE`` on (tests/conftest.py) the failure is raised instead, so a broken receiver
  fails the test that sent the event rather than hiding in the log.

Receivers are plain functions: an event is sent from an ``on_commit`` callback, where there is no event
loop to await a coroutine in, so an async receiver is refused when it connects.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from inspect import iscoroutinefunction

from django.conf import settings
from django.dispatch import Signal

logger = logging.getLogger(__name__)


class RobustSignal(Signal):
    def __init__(self, name: str, doc: str = ""):
        super().__init__()
        self.name = name
        self.__doc__ = doc

    def connect(self, receiver, sender=None, weak=True, dispatch_uid=None):
        if iscoroutinefunction(receiver) or iscoroutinefunction(type(receiver).__call__):
            raise TypeError(
                f"{self.name}: receiver {_name(receiver)} is async; events are sent synchronously."
            )
        return super().connect(receiver, sender=sender, weak=weak, dispatch_uid=dispatch_uid)

    def connected(self, sender=None) -> list[Callable]:
        """The live receivers that hear what ``sender`` sends (None: those connected for every sender)."""
        return list(self._live_receivers(sender)[0])

    def send_robust(self, sender, **named) -> list[tuple[Callable, object]]:
        """Call every receiver with ``named`` (each its own copy); return [(receiver, response or error)]."""
        if not self.receivers:
            return []
        responses = []
        sync_receivers, _async = self._live_receivers(sender)  # none async: connect() refuses them
        for receiver in sync_receivers:
            try:
                response = receiver(signal=self, sender=sender, **copy.deepcopy(named))
            except Exception as error:
                if settings.HOOKS_RAISE:
                    raise
                # The scalar arguments name the event (event, case id); a payload is not logged.
                scalars = " ".join(f"{k}={v}" for k, v in named.items() if not isinstance(v, dict | list))
                logger.exception("%s receiver %s failed: %s", self.name, _name(receiver), scalars)
                responses.append((receiver, error))
            else:
                responses.append((receiver, response))
        return responses


def _name(func: Callable) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
