"""The intake writes every index of the review, case and buyer tables for every new row, so those
tables keep no index another one already serves: a foreign key whose column leads a composite index
has no single-column index of its own (cases migration 0025), and every foreign key stays indexed
(a lookup or a PROTECT check by it never scans the table)."""

import pytest
from django.db import connection

from cases.models import Buyer, Case, Review

COVERED = {
    (Review, "shop_id"): ["shop_id", "external_id"],
    (Review, "buyer_id"): ["buyer_id", "reviewed_at"],
    (Case, "shop_id"): ["shop_id", "status", "first_response_due_at"],
    (Case, "assignee_id"): ["assignee_id", "status"],
    (Buyer, "shop_id"): ["shop_id", "nick"],
}


def _indexes(model) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [c["columns"] for c in constraints.values() if c["index"] or c["unique"] or c["primary_key"]]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "column"), list(COVERED), ids=lambda v: getattr(v, "__name__", v))
def test_a_covered_foreign_key_has_no_index_of_its_own(model, column):
    indexes = _indexes(model)
    assert [column] not in indexes
    assert COVERED[model, column] in indexes  # the composite that serves it


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Review, Case, Buyer], ids=lambda m: m.__name__)
def test_every_foreign_key_leads_an_index(model):
    leading = {columns[0] for columns in _indexes(model) if columns}
    foreign_keys = [f.column for f in model._meta.concrete_fields if f.is_relation]
    assert foreign_keys
    assert [c for c in foreign_keys if c not in leading] == []


@pytest.mark.django_db
def test_the_ip_index_holds_only_rows_with_an_ip():
    """Most exports carry no buyer IP: review_ip_time indexes only rows with one. The intake's
    same-IP lookup asks for a list of addresses (``= ANY``), which implies one, so PostgreSQL still
    answers it from this index (EXPLAIN on the 100k-row bench database: Index Scan using
    review_ip_time)."""
    if connection.vendor != "postgresql":
        pytest.skip("the index definition is read from PostgreSQL's catalogue")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'review_ip_time'")
        (definition,) = cursor.fetchone()
    assert "(shop_id, buyer_ip, reviewed_at)" in definition
    assert definition.endswith("WHERE (buyer_ip IS NOT NULL)"), definition
