"""F8: any change to any policy row — parent or child, through the admin, an import, ``QuerySet.update``,
raw SQL or another process — is seen by the next ``load_policy`` of every process. Database triggers
bump the policy stamp in the writing transaction (``policies.triggers``); the loader compares it."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, connections

from policies import models as m
from policies.decisions import ReviewFacts
from policies.engine import decide
from policies.loader import load_policy, policy_stamp
from policies.triggers import POLICY_TABLES
from tests.policies.pack_support import build_pack

FACTS = ReviewFacts(
    platform="taobao",
    rating=1,
    text="质量差，用了一天就坏了",
    order_amount=Decimal("200"),
    received_at=dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC),
)


def build_rules() -> m.CompensationOption:
    quality = m.IssueType.objects.create(code="quality", name="产品质量")
    m.IssueType.objects.create(code="other", name="其他", is_fallback=True)
    m.ClassificationRule.objects.create(name="质量", issue_type=quality, patterns="质量差")
    rule = m.CompensationRule.objects.create(name="质量-全局", issue_type=quality)
    return m.CompensationOption.objects.create(
        rule=rule, name="退款", kind="refund", value=Decimal("100"), cost_cap=Decimal("300")
    )


def needs_approval() -> bool:
    (offer,) = decide(FACTS, load_policy(shop=None, platform="taobao")).compensation
    return offer.requires_approval


@pytest.mark.django_db
def test_a_queryset_update_of_a_child_row_is_seen_by_the_next_decision():
    option = build_rules()
    assert needs_approval() is False  # 100 under the 300 cap; the snapshot is now cached
    m.CompensationOption.objects.filter(pk=option.pk).update(cost_cap=Decimal("50"))  # bypasses save()
    assert needs_approval() is True


@pytest.mark.django_db
def test_a_raw_sql_update_bumps_the_stamp():
    option = build_rules()
    before = policy_stamp()
    with connection.cursor() as cursor:
        table = m.CompensationOption._meta.db_table
        cursor.execute(f"UPDATE {table} SET cost_cap = 1 WHERE id = %s", [option.pk])
    assert policy_stamp() != before


@pytest.mark.django_db
def test_every_write_to_every_policy_table_moves_the_stamp(shop):
    """Rows in every policy table (the test pack), then a raw UPDATE and DELETE of each: the stamp moves."""
    build_pack(shop)
    for table in POLICY_TABLES:
        with connection.cursor() as cursor:
            before = policy_stamp()
            cursor.execute(f"UPDATE {table} SET id = id")
            assert policy_stamp() != before, f"UPDATE of {table} did not move the policy stamp"
    # Children first, so that no foreign key stops the deletes.
    for table in reversed(POLICY_TABLES):
        with connection.cursor() as cursor:
            before = policy_stamp()
            cursor.execute(f"DELETE FROM {table}")
            assert policy_stamp() != before, f"DELETE from {table} did not move the policy stamp"


@pytest.mark.django_db
def test_an_insert_moves_the_stamp():
    before = policy_stamp()
    m.IssueType.objects.create(code="quality", name="产品质量")
    assert policy_stamp() != before


def test_the_trigger_list_names_every_policy_table():
    """A new policy model needs its trigger (``policies.triggers.install_sql`` in its migration)."""
    tables = {
        model._meta.db_table
        for model in apps.get_app_config("policies").get_models()
        if model is not m.PolicyStamp and not model.__name__.startswith("Historical")
    }
    assert tables == set(POLICY_TABLES)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_child_row_edited_and_committed_on_another_connection_changes_the_next_decision():
    option = build_rules()
    assert needs_approval() is False

    def edit_elsewhere():
        other = connections["default"]  # this thread's own connection: another session, its own commit
        try:
            with other.cursor() as cursor:
                table = m.CompensationOption._meta.db_table
                cursor.execute(f"UPDATE {table} SET cost_cap = 50 WHERE id = %s", [option.pk])
        finally:
            other.close()

    worker = threading.Thread(target=edit_elsewhere)
    worker.start()
    worker.join()
    assert m.CompensationOption.objects.get(pk=option.pk).cost_cap == Decimal("50.00")
    assert needs_approval() is True


def test_a_policy_table_rebuilt_by_a_migration_gets_its_stamp_triggers_back(shop):
    """SQLite alters a table by rebuilding it, which drops the table's triggers; post_migrate
    (policies.triggers.ensure_triggers) puts them back, so F8 holds after any future migration."""
    from django.db.models.signals import post_migrate

    from policies.triggers import remove_sql

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps a table's triggers through ALTER TABLE")
    build_pack(shop)
    table = "policies_compensationoption"
    with connection.cursor() as cursor:
        for sql in remove_sql("sqlite", [table]):
            cursor.execute(sql)
    post_migrate.send(
        sender=apps.get_app_config("policies"),
        app_config=apps.get_app_config("policies"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    before = policy_stamp()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = id")
    assert policy_stamp() != before
