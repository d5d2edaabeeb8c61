"""The hand-made world is built once per module (inside a transaction rolled back at the end);
each test still runs in its own savepoint, so a test that edits something leaves no trace."""

import pytest
from django.db import transaction

from tests.insights.dataset import build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
