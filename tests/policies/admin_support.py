"""Helpers for tests that drive the policies admin as a manager would (imported by test_admin*.py,
test_validation*.py, test_pack*.py, test_sandbox*.py)."""

import pytest
from django.urls import reverse

from policies import models as m


@pytest.fixture
def manager(make_user, shop, other_shop):
    """A manager of both test shops who is also the policy owner: these tests edit global rules and
    both shops' overrides (tests/policies/test_policy_scope.py covers the manager of one shop without
    the owner's permission)."""
    from django.contrib.auth.models import Group

    user = make_user("manager", is_staff=True, username="manager1", shops=[shop, other_shop])
    user.groups.add(Group.objects.get(name="policy_owner"))
    return user


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def add_url(model) -> str:
    return reverse(f"admin:policies_{model._meta.model_name}_add")


def change_url(obj) -> str:
    return reverse(f"admin:policies_{obj._meta.model_name}_change", args=[obj.pk])


def inline(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    """POST data of one inline formset: management form plus ``rows`` (field -> value)."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for field, value in row.items():
            data[f"{prefix}-{index}-{field}"] = value
    return data


def no_inlines(*prefixes: str) -> dict:
    data: dict = {}
    for prefix in prefixes:
        data.update(inline(prefix, []))
    return data


INLINE_PREFIXES = {
    m.BusinessCalendar: ("hours", "exceptions"),
    m.CompensationRule: ("options",),
    m.FollowUpPlan: ("steps",),
}


def post_admin(client, url: str, model, data: dict):
    """POST to an admin add/change view, adding empty inline management forms the data leaves out."""
    payload = no_inlines(*INLINE_PREFIXES.get(model, ()))
    payload.update({k: v for k, v in data.items() if v is not None})
    return client.post(url, payload)


def page(response) -> str:
    return response.content.decode()


def refused(client, model, data: dict, message: str, *, unchanged=()):
    """POST ``data`` to ``model``'s add form as ``client``: the form comes back with ``message`` and no row
    of ``model`` (nor of the models in ``unchanged``, e.g. its inlines) exists."""
    response = post_admin(client, add_url(model), model, data)
    assert response.status_code == 200
    assert message in page(response)
    for each in (model, *unchanged):
        assert each.objects.count() == 0, each


def snapshot(model) -> list[dict]:
    """Every row of a model as plain values: 'nothing changed' means equal snapshots."""
    return list(model.objects.order_by("pk").values())


def issue_type(code="quality", name="产品质量", **kwargs):
    return m.IssueType.objects.get_or_create(code=code, defaults={"name": name, **kwargs})[0]


def reply_template_form(**overrides) -> dict:
    """The admin's add/change form of a reply template: an active, global public reply unless overridden."""
    data = {
        "name": "公开回复",
        "channel": "public_reply",
        "stage": "first_contact",
        "platform": "taobao",
        "issue_type": "",
        "language": "zh-hans",
        "body": "亲，给您添麻烦了。",
        "source": "",
        "audience": "normal",
        "shop": "",
        "client": "",
        "active": "on",
    }
    return data | overrides
