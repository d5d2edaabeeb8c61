"""Fixtures the jobs tests borrow from the apps whose jobs they run."""

from tests.insights.conftest import world  # noqa: F401 (the insights world, built once per module)
from tests.training.conftest import product_knowledge  # noqa: F401
