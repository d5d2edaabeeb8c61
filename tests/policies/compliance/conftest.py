import pytest


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """A rolled-back test leaves the policy stamp at a version the next test reaches again: forget the
    snapshots cached here so that no later test reads this test's rules."""
    from policies.loader import clear_policy_cache

    clear_policy_cache()
    yield
    clear_policy_cache()
