"""The default policy pack for tests, seeded once per test session (per xdist worker) and copied in.

``seed_policies`` validates every row (``full_clean`` and the engine's checks) and looks each one up by
natural key first: about 1,100 queries and most of a second. Its result never changes within a session, so
``capture`` seeds it once, inside a transaction rolled back at once, and keeps the rows of every policy
table and its history table; ``insert`` writes those rows back with one ``bulk_create`` per table (about 30
queries). The rows are the seeder's rows, primary keys included, so a test sees exactly what
``seed_policies`` would have made in an empty pack. The database triggers bump the policy stamp as for any
write, so no snapshot cached before the copy is read after it.

Only an empty pack is copied into: where any policy row exists already (a test's own rules, a module's
world), ``insert`` runs ``seed_policies`` instead, which adds the missing rows as it always has.
"""

from __future__ import annotations

import contextlib
import functools
import importlib

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from policies.models import PolicyStamp

_rows: list[tuple[type, list[dict]]] = []


@functools.cache
def _pack_models() -> list[type]:
    """Every table the seeder writes, parents before children (history tables have no constraints)."""
    models = [
        m for m in apps.get_app_config("policies").get_models() if m is not PolicyStamp and not m._meta.proxy
    ]
    ordered: list[type] = []
    while models:
        for model in models:
            parents = {
                f.related_model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model in models and f.related_model is not model
            }
            if not parents:
                ordered.append(model)
                models.remove(model)
                break
        else:  # a cycle: keep the remaining order (the seeder's tables have none)
            ordered += models
            break
    return ordered


def _pack_is_empty(models) -> bool:
    quote = connection.ops.quote_name
    union = " UNION ALL ".join(f"SELECT 1 FROM {quote(m._meta.db_table)}" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS ({union})")
        return not cursor.fetchone()[0]


def capture() -> None:
    """Seed the default pack once and keep its rows (call with database access, pack empty)."""
    if _rows:
        return
    models = _pack_models()
    if not _pack_is_empty(models):
        return  # not a clean pack to copy: ``insert`` will seed each time
    with transaction.atomic():
        call_command("seed_policies", verbosity=0)
        captured = [(m, list(m._base_manager.order_by("pk").values())) for m in models]
        transaction.set_rollback(True)
    _rows.extend((m, rows) for m, rows in captured if rows)
    from policies.loader import clear_policy_cache

    clear_policy_cache()


def insert() -> None:
    """The default pack in the current database: copied into an empty pack, else seeded."""
    from policies.loader import clear_policy_cache

    if not _rows or not _pack_is_empty(_pack_models()):
        call_command("seed_policies", verbosity=0)
        return
    with transaction.atomic():
        for model, rows in _rows:
            model._base_manager.bulk_create([model(**values) for values in rows])
        if connection.vendor == "postgresql":  # explicit keys leave the sequences behind
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in _rows]):
                    cursor.execute(statement)
    clear_policy_cache()


@contextlib.contextmanager
def rolled_back(django_db_blocker, *, data_migrations: bool = False):
    """The default pack (and, if asked, the data migrations' rows, gone once a transactional test has
    flushed them) inside a transaction rolled back at the end: a module's tests nest in it as savepoints."""
    from policies.loader import clear_policy_cache
    from tests.conftest import SEED_MIGRATIONS

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            for module, function in SEED_MIGRATIONS if data_migrations else ():
                getattr(importlib.import_module(module), function)(apps, None)
            insert()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            clear_policy_cache()
