"""The client dimension of the policy layers: client 甲's layer (a rule with ``client=甲``) reaches nobody of
client 乙 — not in the admin's list, change page, history, filter or choices, not by a change, a delete
or a revert, not through the pack's export or import of that layer — while client 甲's own manager reads
and edits it. The world and client 乙's people are those of ``test_access_matrix_clients``."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from policies.layers import CLIENT, Layer
from policies.pack import export_pack, import_pack
from tests.hardening.test_access_matrix_clients import STAFF_ROLES, _body, clients  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MARKER, PATTERN = "品牌甲专属禁词", "甲家暗语"


@pytest.fixture
def jia_rule(world, clients):  # noqa: F811 (the imported fixture)
    from policies.models import ComplianceRule

    return ComplianceRule.objects.create(
        name=MARKER, patterns=PATTERN, action="warn", reason="甲的口吻", client=clients["jia"]
    )


def _rules():
    from policies.models import ComplianceRule, ReplyTemplate

    return list(ComplianceRule.objects.order_by("pk").values()), list(
        ReplyTemplate.objects.order_by("pk").values()
    )


def _shown(response) -> str:
    return response["Location"] if response.status_code in (301, 302) else _body(response)


def test_client_yi_sees_nothing_of_client_jias_layer(world, clients, jia_rule):  # noqa: F811
    base = "/admin/policies/compliancerule/"
    urls = [
        base,
        f"{base}?client__id__exact={clients['jia'].pk}",
        f"{base}?scope=client",
        f"{base}{jia_rule.pk}/change/",
        f"{base}{jia_rule.pk}/history/",
        reverse(
            "admin:policies_compliancerule_simple_history", args=[jia_rule.pk, jia_rule.history.get().pk]
        ),
        f"{base}add/",
        "/admin/policies/replytemplate/add/",
    ]
    for role in STAFF_ROLES:
        for url in urls:
            body = _shown(clients["web"][role].get(url))
            leaked = [m for m in (MARKER, PATTERN, "品牌甲", "brand-jia") if m in body]
            assert leaked == [], f"GET {url} as {role} shows {leaked}"
    # The control: client 甲's manager lists it and is offered his client in the form.
    assert MARKER in _body(clients["web"]["manager_a"].get(base))
    assert "品牌甲" in _body(clients["web"]["manager_a"].get(f"{base}add/"))


def test_client_yi_changes_nothing_of_client_jias_layer(world, clients, jia_rule):  # noqa: F811
    base = "/admin/policies/compliancerule/"
    edit = {
        "name": "乙改的",
        "category": "other",
        "match_mode": "keywords",
        "patterns": PATTERN,
        "distance": "0",
        "action": "block",
        "reason": "改",
        "client": clients["jia"].pk,
        "active": "on",
    }
    template = {
        "name": "乙冒充甲",
        "channel": "public_reply",
        "stage": "first_contact",
        "platform": "taobao",
        "language": "zh-hans",
        "body": "亲，给您添麻烦了。",
        "audience": "normal",
        "client": clients["jia"].pk,
        "active": "on",
    }
    revert = reverse(
        "admin:policies_compliancerule_simple_history", args=[jia_rule.pk, jia_rule.history.get().pk]
    )
    before = _rules()
    for role in STAFF_ROLES:
        web = clients["web"][role]
        web.post(f"{base}{jia_rule.pk}/change/", edit)
        web.post(f"{base}{jia_rule.pk}/delete/", {"post": "yes"})
        web.post(revert, edit)
        web.post(f"{base}add/", edit | {"name": "乙新增到甲"})
        web.post("/admin/policies/replytemplate/add/", template)
        assert _rules() == before, role
    # The control: the same edit by client 甲's manager is saved (so the refusals above were refusals).
    response = clients["web"]["manager_a"].post(f"{base}{jia_rule.pk}/change/", edit | {"name": "甲改的"})
    assert response.status_code == 302
    jia_rule.refresh_from_db()
    assert (jia_rule.name, jia_rule.client_id) == ("甲改的", clients["jia"].pk)


def test_client_yi_neither_exports_nor_imports_client_jias_layer(world, clients, jia_rule):  # noqa: F811
    from policies.models import ComplianceRule

    data = export_pack(layer=Layer(CLIENT, client=clients["jia"]))
    jia_rule.delete()  # so that an import would write it
    before = _rules()
    for role in STAFF_ROLES:
        web = clients["web"][role]
        exported = web.get(reverse("policies:pack_export"), {"layer": "client:brand-jia"}, follow=True)
        assert MARKER not in _body(exported) and "Content-Disposition" not in exported, role
        upload = io.BytesIO(data)
        upload.name = "pack.xlsx"
        web.post(reverse("policies:pack_import"), {"pack_file": upload, "layer": "client:brand-jia"})
        web.post(reverse("policies:pack_export_job"), {"layer": "client:brand-jia"})
        report = import_pack(
            data, dry_run=False, user=clients["people"][role], layer=Layer(CLIENT, client=clients["jia"])
        )
        assert not report.written, role
    assert _rules() == before
    assert not ComplianceRule.objects.filter(name=MARKER).exists()
    # The control: client 甲's manager imports his own layer.
    report = import_pack(
        data, dry_run=False, user=clients["people"]["manager_a"], layer=Layer(CLIENT, client=clients["jia"])
    )
    assert report.written and ComplianceRule.objects.get(name=MARKER).client == clients["jia"]


def test_client_jias_tier_name_is_not_offered_in_client_yis_queue_filter(world, clients):  # noqa: F811
    from policies.models import IssueType, SlaTier

    SlaTier.objects.create(
        client=clients["jia"],
        issue_type=IssueType.objects.order_by("pk").first(),
        name="甲专属时效",
        first_response_minutes=30,
        handling_role="agent",
    )
    for role in ("viewer_b", "agent_b", "supervisor_b", "manager_b"):
        assert "甲专属时效" not in _body(clients["web"][role].get("/cases/queue/all/")), role
    assert "甲专属时效" in _body(clients["web"]["viewer_a"].get("/cases/queue/all/"))  # the control
