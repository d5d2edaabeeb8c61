"""`make run` builds the demo with `demo_data`: the whole build must pass every rule the product enforces
(it once stopped at a four-eyes refusal: the trainer entered his own score), and a second run changes
nothing — both proved, with the scheduled tasks run after it, in test_demo_invariants.py (one build).
Here: what `make run` prints, without touching the data."""

import io

import pytest
from django.core.management import call_command

from reviewdesk.demo import DEMO_PASSWORD, DEMO_USERS
from reviewdesk.models import User


@pytest.mark.django_db
def test_print_logins_lists_every_demo_user_and_writes_nothing():
    out = io.StringIO()
    call_command("demo_data", "--print-logins", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username, role, _name, _shops in DEMO_USERS:
        assert f"{username:<14} {role or 'work orders (仓库)'}" in text
    assert not User.objects.filter(username__in=[u for u, *_ in DEMO_USERS]).exists()


def test_every_demo_shop_has_two_agents_and_every_agent_a_shop():
    agents = [(u, shops) for u, role, _n, shops in DEMO_USERS if role == "agent"]
    shops = {code for u, role, _n, codes in DEMO_USERS for code in codes}
    for code in shops:
        assert sum(code in codes for _u, codes in agents) >= 2, code
