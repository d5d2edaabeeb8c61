"""The detail CSV on PostgreSQL: one ``COPY (SELECT …) TO STDOUT WITH (FORMAT csv)``.

Same columns, labels, neutralisation and order as ``payouts.detail_rows`` (a test compares the two
parsed row by row), but PostgreSQL formats and quotes the 200,000 rows of a quarter itself, which is
what keeps the CSV export within seconds. Differences in bytes only: rows end with LF (Excel and WPS
read both), and a field with a CR is quoted (PostgreSQL's rule; Python's writer quotes it too with
its CRLF terminator). Labels, people and the neutralising prefixes are passed as parameters, never
spliced into the SQL text.
"""

from django.conf import settings
from django.db import connection, transaction

from incentives.choices import AwardEvent, EntryKind, Unit
from incentives.models import Account, AwardRule, LedgerEntry, Period
from reviewdesk.spreadsheets import FORMULA_START_PATTERN

FORMULA_START = FORMULA_START_PATTERN  # reviewdesk.spreadsheets.safe_cell's rule, as SQL


def _safe(expr: str) -> str:
    """SQL for safe_text(): a leading apostrophe before a formula-like start; empty text as NULL."""
    return f"NULLIF(CASE WHEN {expr} ~ %s THEN '''' || {expr} ELSE {expr} END, '')"


def _label(expr: str, choices) -> tuple[str, list]:
    parts, params = [], []
    for value, label in choices:
        parts.append("WHEN %s THEN %s")
        params += [value, str(label)]
    return f"CASE {expr} {' '.join(parts)} ELSE NULLIF({expr}, '') END", params


def copy_detail_csv(
    *,
    periods: list[Period],
    people: dict[int, tuple[str, str]],
    user_ids: set[int] | None,
    write,
    shop_ids: set[int] | None = None,
) -> int:
    """Stream the detail rows (without header) to ``write(bytes)``; returns the number of rows.
    ``shop_ids`` limits them to those shops' entries, as ``payouts.detail_rows`` does."""
    if not periods or not people:
        return 0
    select, params = detail_select(periods=periods, people=people, user_ids=user_ids, shop_ids=shop_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        # A quarter's 200,000 wide rows sorted by agent and entry spill to disk at the default 4 MB
        # (an external merge); this one read-only statement may sort in memory instead.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        # psycopg merges COPY parameters client-side (COPY takes none of its own); rows stream in chunks.
        with cursor.cursor.copy(f"COPY ({select}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for chunk in copy:
                write(bytes(chunk))
        return cursor.cursor.rowcount  # from the COPY's command tag


def detail_select(
    *,
    periods: list[Period],
    people: dict[int, tuple[str, str]],
    user_ids: set[int] | None,
    shop_ids: set[int] | None = None,
) -> tuple[str, list]:
    """The SELECT of the COPY. A shop scope keeps an entry whose case is in one of the shops, or which
    has no case and whose agent's home shop is one of them (``services.scope``)."""
    from cases.models import Case, Review
    from incentives.services.scope import users_homed_in
    from reviewdesk.models import Shop

    kind_sql, kind_params = _label("e.kind", EntryKind.choices)
    unit_sql, unit_params = _label("a.unit", Unit.choices)
    event_sql, event_params = _label("e.event", AwardEvent.choices)
    people_sql = ", ".join(["(%s::bigint, %s, %s)"] * len(people))
    people_params = [
        value for user_id, (code, name) in people.items() for value in (user_id, code or None, name or None)
    ]
    select = f"""
        SELECT e.id, ppl.code, ppl.name, p.code, to_char(e.created_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS'),
               {kind_sql}, {unit_sql}, e.amount,
               CASE WHEN e.rule_id IS NULL THEN NULL ELSE r.code || ' v' || COALESCE(e.rule_version::text, '') END,
               e.case_ref, {_safe("s.code")}, {_safe("rv.order_no")}, {_safe("rv.buyer_nick")},
               {event_sql}, {_safe("e.note")}, e.reverses_id
        FROM {LedgerEntry._meta.db_table} e
        JOIN {Account._meta.db_table} a ON a.id = e.account_id
        JOIN {Period._meta.db_table} p ON p.id = e.period_id
        JOIN (VALUES {people_sql}) AS ppl (user_id, code, name) ON ppl.user_id = a.user_id
        LEFT JOIN {AwardRule._meta.db_table} r ON r.id = e.rule_id
        LEFT JOIN {Case._meta.db_table} c ON c.id = e.case_ref
        LEFT JOIN {Shop._meta.db_table} s ON s.id = c.shop_id
        LEFT JOIN {Review._meta.db_table} rv ON rv.id = c.review_id
        WHERE e.period_id = ANY(%s) {"AND a.user_id = ANY(%s)" if user_ids is not None else ""}
              {"AND (c.shop_id = ANY(%s) OR (c.id IS NULL AND a.user_id = ANY(%s)))" if shop_ids is not None else ""}
        ORDER BY a.user_id, e.id
    """  # noqa: S608 - identifiers come from model metadata; every value is a parameter
    params = [settings.TIME_ZONE, *kind_params, *unit_params]
    params += [FORMULA_START] * 3 + event_params + [FORMULA_START] + people_params + [[p.pk for p in periods]]
    if user_ids is not None:
        params.append(list(user_ids))
    if shop_ids is not None:
        params += [list(shop_ids), list(users_homed_in(shop_ids))]
    return select, params
