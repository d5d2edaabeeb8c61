"""The access matrix's world (tests/hardening/access_support.build_world): shops A and B with a case,
evidence, ledger rows, reports … of each, and one logged-in client per role. Built once per module,
inside a transaction rolled back at its end."""

import pytest
from django.db import transaction
from django.test import Client, override_settings

from tests.hardening.access_support import ROLES, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            built.clients = {}
            for role in (*ROLES, "supervisor_b", "legal_b", "manager_b", "hr_b", "manager_a", "hr_a"):
                client = Client()
                if role != "anonymous":
                    client.force_login(built.users[role])
                built.clients[role] = client
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
