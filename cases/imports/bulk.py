"""Inserting many rows fast, returning their ids in order.

On PostgreSQL the ids are drawn from the table's sequence in one query and the rows are streamed
with ``COPY … FROM STDIN (FORMAT BINARY)`` (psycopg 3): no model instances, no per-value SQL
compilation, and no text to write and parse for each timestamp and number (the binary form cost a
third less CPU in the process than text for the review rows: 0.9 → 0.6 s per 100,000, and a little
less in the server). Elsewhere (SQLite in development) it falls back to ``bulk_create``. Values are
given per column by attname, each of its field's Python type (str, int, bool, an aware datetime);
JSON columns take Python values or ``JsonText``, inet columns text, numeric columns any number.
"""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import json
import operator
from decimal import Decimal

from django.db import connection, models
from django.db.models import F, JSONField, Lookup, Q
from psycopg.types.json import Jsonb

BULK_CREATE_BATCH = 500


@contextlib.contextmanager
def cyclic_gc_paused():
    """Python's cycle collector off for the block, back on (if it was) after it.

    An import allocates millions of small objects that live for a chunk (rows, tuples, dicts) and
    creates almost no reference cycles; the collector, triggered by allocation counts, kept walking
    them: 5,000 collections and 2.6 CPU-s per 100,000 rows, with the same peak memory without them
    (bench/bench_intake.py). Reference counting still frees everything as usual; cycles made inside
    the block are collected at the next collection after it. The switch is process-wide: fine for the
    single-threaded workers an import runs in (a job, a sync web worker, a command)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_defaults: dict = {}


class JsonText(str):
    """A value for a JSON column, already encoded (a part many rows share is encoded once): COPY
    sends it as it is; the ``bulk_create`` fallback decodes it back."""


def row_template(model: type[models.Model]) -> dict:
    """attname -> default for every concrete column but the primary key (COPY applies no defaults)."""
    if model not in _defaults:
        _defaults[model] = {
            f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key
        }
    return dict(_defaults[model])


class _EqualsAny(Lookup):
    """``column = ANY(%s::type[])``: one array parameter, however long the list."""

    lookup_name = "equals_any"
    prepare_rhs = False

    def __init__(self, lhs, values: list, db_type: str):
        self.db_type = db_type
        super().__init__(lhs, values)

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::{self.db_type}[])", (*params, array_literal(self.rhs))


def _array_item(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def array_literal(values) -> str:
    """A PostgreSQL array's text (``{1,2}``, ``{"a","b \\"c\\""}``) for a ``%s::type[]`` parameter: one
    string that the driver quotes in one C call. A Python list goes through psycopg's array dumper
    element by element, which cost about 0.3 CPU-s per 100,000 ids (an import's lookups by external
    id and by buyer, routing's and the alerts' case ids)."""
    return "{" + ",".join(map(_array_item, values)) + "}"


def any_of(field: str, values, db_type: str):
    """A filter "``field`` is one of ``values``" for a long list. On PostgreSQL ``= ANY(array)``: one
    parameter, so the query text and its parsing do not grow with the list (``__in`` sends one
    placeholder per value), and unlike ``IN (SELECT unnest(…))`` the planner knows the array's
    length, so it stays on the index even before the table's statistics catch up with a big import.
    Elsewhere the plain ``__in``."""
    values = list(values)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": values})
    return _EqualsAny(F(field), values, db_type)


def insert_dicts(model: type[models.Model], rows: list[dict]) -> list[int]:
    """Each row is a full ``row_template(model)`` dict (all the same keys)."""
    if not rows:
        return []
    attnames = list(rows[0])
    values = operator.itemgetter(
        *attnames
    )  # a tuple of the values in one C call (a generator per row cost 2 s per 100k)
    return insert_rows(
        model,
        attnames,
        [values(row) for row in rows] if len(attnames) > 1 else [(values(row),) for row in rows],
    )


def insert_rows(model: type[models.Model], attnames: list[str], rows: list[tuple]) -> list[int]:
    if not rows:
        return []
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    if connection.vendor != "postgresql":
        decoded = [
            (i, name)
            for i, (name, field) in enumerate(zip(attnames, fields, strict=True))
            if isinstance(field, JSONField)
        ]
        objects = []
        for row in rows:
            values = dict(zip(attnames, row, strict=True))
            for _i, name in decoded:
                if isinstance(values[name], JsonText):
                    values[name] = json.loads(values[name])
            objects.append(model(**values))
        model.objects.bulk_create(objects, batch_size=BULK_CREATE_BATCH)
        return [obj.pk for obj in objects]

    table = model._meta.db_table
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in [model._meta.pk.column, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        types, fixes = _binary_columns(model, tuple(attnames), fields)
        with cursor.cursor.copy(f"COPY {qn(table)} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            write = copy.write_row
            if not fixes:
                for pk, row in zip(ids, rows, strict=True):
                    write((pk, *row))
                return ids
            # One object shared by many rows (a template's default [], one routing reason's payload)
            # is encoded once: the rows keep it alive for the whole call, so its id cannot be reused.
            shared: dict[int, object] = {}
            for pk, row in zip(ids, rows, strict=True):
                row = list(row)
                for i, fix in fixes:
                    value = row[i]
                    if value is not None:
                        row[i] = fix(value, shared)
                write((pk, *row))
    return ids


def _as_is(text: str) -> str:
    return text


def _json_value(value, shared: dict):
    """A JSON column's value as the binary jsonb dumper takes it: the text as it is (``JsonText``), or
    json.dumps of the object (what the Jsonb adapter would send), each distinct object encoded once."""
    wrapped = shared.get(id(value))
    if wrapped is None:
        text = value if isinstance(value, JsonText) else json.dumps(value)
        wrapped = shared[id(value)] = (value, Jsonb(text, _as_is))  # the entry keeps ``value`` alive
    return wrapped[1]


def _inet_value(value, shared: dict):
    return (
        value
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address)
        else ipaddress.ip_address(value)
    )


def _numeric_value(value, shared: dict):
    return value if type(value) is Decimal else Decimal(str(value))


_binary: dict = {}


def _binary_columns(model, attnames: tuple, fields: list) -> tuple[list[str], list]:
    """The PostgreSQL type of each column of a binary COPY (the primary key first), and the
    (position, conversion) of the columns whose Python values the binary dumpers do not take as they
    are: JSON (a ``JsonText`` or an object), inet (a text address) and numeric (an int or float). Every
    other column takes the value its model field holds (str, int, bool, an aware datetime)."""
    key = (model, attnames)
    if key not in _binary:
        types, fixes = [model._meta.pk.db_type(connection).split("(")[0]], []
        for i, field in enumerate(fields):
            if isinstance(field, JSONField):
                types.append("jsonb")
                fixes.append((i, _json_value))
                continue
            types.append(field.db_type(connection).split("(")[0].strip())
            if isinstance(field, models.GenericIPAddressField):
                fixes.append((i, _inet_value))
            elif isinstance(field, models.DecimalField):
                fixes.append((i, _numeric_value))
        _binary[key] = (types, fixes)
    return _binary[key]


UPDATE_CHUNK = 5000


def update_objects(model: type[models.Model], objects: list[models.Model], field_names: list[str]) -> None:
    """Write ``field_names`` of many model instances back by primary key, in one statement per 5,000.

    On PostgreSQL ``UPDATE … FROM unnest(one array per column)``. Django's ``bulk_update`` builds a
    ``CASE WHEN pk = … THEN …`` per row and field and resolves each: a later export's 15,000 changed
    reviews spent two minutes there, nearly all of it in Python. Elsewhere (SQLite) ``bulk_update``."""
    if not objects:
        return
    fields = [model._meta.get_field(name) for name in field_names]
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, field_names, batch_size=BULK_CREATE_BATCH)
        return
    from psycopg.types.json import Jsonb

    pk = model._meta.pk
    columns = [pk, *fields]
    qn = connection.ops.quote_name
    types = ", ".join(
        f"%s::{'jsonb' if isinstance(f, JSONField) else f.db_type(connection)}[]" for f in columns
    )
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    sets = ", ".join(f"{qn(f.column)} = u.c{i}" for i, f in enumerate(fields, start=1))
    sql = (
        f"UPDATE {qn(model._meta.db_table)} AS t SET {sets} FROM unnest({types}) AS u({names}) "
        f"WHERE t.{qn(pk.column)} = u.c0"
    )

    def value(field, obj):
        raw = getattr(obj, field.attname)
        if isinstance(field, JSONField) and raw is not None:
            return Jsonb(json.loads(raw) if isinstance(raw, JsonText) else raw)
        return raw

    with connection.cursor() as cursor:
        for start in range(0, len(objects), UPDATE_CHUNK):
            chunk = objects[start : start + UPDATE_CHUNK]
            cursor.execute(sql, [[value(f, obj) for obj in chunk] for f in columns])
