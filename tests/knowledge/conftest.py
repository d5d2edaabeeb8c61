import pytest

from reviewdesk.choices import AdminRole


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def manager(make_user, shop):
    return make_user("manager", shops=[shop])


@pytest.fixture
def other_manager(make_user, other_shop):
    return make_user("manager", shops=[other_shop])


@pytest.fixture
def policy_owner(make_user, shop):
    return make_user(AdminRole.POLICY_OWNER, shops=[shop])
