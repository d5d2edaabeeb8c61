"""Shared fixtures. Tests marked ``postgres`` need real locking and commits and are skipped on SQLite."""

import pytest
from django.db import connection

from tests.factories import ShopFactory, UserFactory


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI runs the suite there too")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shop(db):
    return ShopFactory(code="tb-main", platform="taobao", name="淘宝旗舰店")


@pytest.fixture
def other_shop(db):
    return ShopFactory(code="dy-main", platform="douyin", name="抖店旗舰店")


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, shops=(), **kwargs):
        return UserFactory(role=role, shops=shops, **kwargs)

    return make
