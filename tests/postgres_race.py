"""Calls raced against each other on PostgreSQL: each in its own thread with its own connection, all
released together by a barrier, so their transactions overlap for real (tests marked ``postgres`` with
``django_db(transaction=True)``: the threads see only what was committed)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection


def race(
    calls: Sequence[Callable[[], object]], *, expected=(ValidationError,), timeout: float | None = None
) -> list:
    """Run ``calls`` at once; each one's result, or the ``expected`` exception it raised, in the calls'
    order. Any other exception is left to the thread (pytest reports it) and its place stays None, so
    an assertion on the outcomes fails; so does a call still running after ``timeout`` seconds (the
    wait for each thread; None waits for ever). Each thread closes its connection when done: a
    connection left open would keep the test database from being flushed or dropped."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            outcomes[index] = call()
        except expected as exc:
            outcomes[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return outcomes


def race_all(
    calls: Sequence[Callable[[], object]], *, timeout: float | None = None
) -> tuple[list, list[Exception]]:
    """``race`` where any exception is an outcome: (the results, the exceptions raised), each list in
    the order the calls were given."""
    outcomes = race(calls, expected=(Exception,), timeout=timeout)
    results = [o for o in outcomes if not isinstance(o, Exception)]
    return results, [o for o in outcomes if isinstance(o, Exception)]


def sessions_waiting_on_a_lock(*, advisory: bool = False, timeout: float = 5.0) -> int:
    """How many sessions of the test database wait on a lock (an advisory lock only, with ``advisory``),
    polled until one does or ``timeout`` seconds pass: a deterministic race lets its second writer start,
    waits for it to block here, then releases the first."""
    import time

    sql = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    if advisory:
        sql += " AND wait_event = 'advisory'"
    waiting = 0
    for _attempt in range(max(1, int(timeout / 0.05))):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            waiting = cursor.fetchone()[0]
        if waiting:
            break
        time.sleep(0.05)
    return waiting
