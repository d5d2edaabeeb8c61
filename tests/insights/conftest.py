"""The hand-made world is built once per module (inside a transaction rolled back at the end);
each test still runs in its own savepoint, so a test that edits something leaves no trace."""

import pytest

from tests.insights.dataset import built_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with built_world(django_db_blocker) as built:
        yield built
