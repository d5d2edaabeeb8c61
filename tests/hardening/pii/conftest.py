"""The personal-data tests' planted world (tests/hardening/pii/world.py), built once per test module
inside seeded_pack's rolled-back transaction."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import override_settings
from django_q.conf import Conf

from tests.cases.routing_support import RobotServer
from tests.hardening.pii.world import (
    Captured,
    make_world,
)


@pytest.fixture(scope="module")
def robot():
    with RobotServer() as server:
        yield server


@pytest.fixture(scope="module")
def built(seeded_pack, django_db_blocker, robot, tmp_path_factory):
    """The world, made once per module inside ``seeded_pack``'s transaction (rolled back at the module's
    end; each test runs in its own savepoint): making it is most of these tests' time."""
    root, captured = logging.getLogger(), Captured()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(captured)
    try:
        with (
            django_db_blocker.unblock(),
            pytest.MonkeyPatch.context() as patch,
            override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))),
        ):
            patch.setattr(Conf, "SYNC", True)
            world = make_world(robot)
            world.update(logs=list(captured.records), mails=list(mail.outbox), requests=list(robot.requests))
            yield world
    finally:
        root.removeHandler(captured)
        root.setLevel(level)


@pytest.fixture
def world(built, db):
    from policies.loader import clear_policy_cache

    clear_policy_cache()
    with override_settings(MEDIA_ROOT=built["media"]):
        yield built
    clear_policy_cache()
