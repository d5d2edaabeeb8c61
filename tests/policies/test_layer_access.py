"""Who may edit which layer: global = the policy owner; a client's layer = a (not read-only) member of the
client, who also edits the overrides of the client's shops; a shop's manager only his shops' overrides; a
client viewer nothing. Tried on every path: the admin's rows, choices, save, delete, history and revert,
and the pack's export and import per layer (page, job and command)."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client as WebClient
from django.urls import reverse

from jobs.models import Job
from jobs.runner import run_job
from policies import models as m
from policies.layers import CLIENT, GLOBAL, SHOP, Layer, parse_layer
from policies.loader import load_policy
from policies.pack import export_pack, import_pack
from reviewdesk.models import Client as Brand
from reviewdesk.models import ClientMembership
from tests.factories import ShopFactory
from tests.policies.admin_support import add_url, change_url, page, post_admin, reply_template_form
from tests.policies.pack_support import workbook_bytes, workbook_cells

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def brand_a(db):
    return Brand.objects.create(code="brand-a", name="品牌A")


@pytest.fixture
def brand_b(db):
    return Brand.objects.create(code="brand-b", name="品牌B")


@pytest.fixture
def shop_a(brand_a):
    return ShopFactory(code="tb-a1", platform="taobao", name="A1店", client=brand_a)


@pytest.fixture
def shop_b(brand_b):
    return ShopFactory(code="tb-b1", platform="taobao", name="B1店", client=brand_b)


def member(make_user, role, brand, **kwargs):
    user = make_user(role, is_staff=True, **kwargs)
    ClientMembership.objects.create(client=brand, user=user)
    return user


@pytest.fixture
def people(make_user, brand_a, brand_b, shop_a, shop_b):
    owner = make_user("manager", is_staff=True)
    owner.groups.add(Group.objects.get(name="policy_owner"))
    return {
        "manager_a": member(make_user, "manager", brand_a),
        "manager_b": member(make_user, "manager", brand_b),
        "viewer_a": member(make_user, "client_viewer", brand_a),
        "shop_manager_a": make_user("manager", is_staff=True, shops=[shop_a]),
        "owner": owner,
    }


def web(user) -> WebClient:
    client = WebClient()
    client.force_login(user)
    return client


def layer_rule(name, **layer):
    return m.ComplianceRule.objects.create(
        name=name, patterns="禁词", action="warn", reason="品牌口吻", **layer
    )


def rows(model=m.ReplyTemplate):
    return list(model.objects.order_by("pk").values())


# --- the admin ---------------------------------------------------------------------------------------


def test_a_client_manager_writes_his_clients_layer(people, brand_a):
    response = post_admin(
        web(people["manager_a"]),
        add_url(m.ReplyTemplate),
        m.ReplyTemplate,
        reply_template_form(client=brand_a.pk),
    )
    assert response.status_code == 302
    assert m.ReplyTemplate.objects.get().client == brand_a


@pytest.mark.parametrize("who", ["manager_a", "shop_manager_a"])
def test_nobody_writes_a_layer_that_is_not_his(people, brand_b, brand_a, who):
    target = brand_b if who == "manager_a" else brand_a  # a shop's manager has no client layer at all
    response = post_admin(
        web(people[who]), add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(client=target.pk)
    )
    assert response.status_code == 200
    assert "选择一个有效的选项" in page(response)
    assert rows() == []


def test_the_client_choices_are_his_clients_only(people, brand_a, brand_b):
    def client_options(user) -> str:
        form = page(web(user).get(add_url(m.ReplyTemplate)))
        return form[form.index('name="client"') :].split("</select>")[0]

    mine = client_options(people["manager_a"])
    assert f'value="{brand_a.pk}"' in mine and f'value="{brand_b.pk}"' not in mine
    assert f'value="{brand_a.pk}"' not in client_options(people["shop_manager_a"])


def test_a_client_manager_cannot_make_a_rule_global(people):
    before = rows()
    response = post_admin(
        web(people["manager_a"]), add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form()
    )
    assert response.status_code == 200
    assert "全局规则只有规则负责人可以修改" in page(response)
    assert rows() == before


def test_a_client_manager_writes_his_clients_shops_overrides(people, shop_a, shop_b):
    client = web(people["manager_a"])
    assert (
        post_admin(
            client, add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(shop=shop_a.pk)
        ).status_code
        == 302
    )
    response = post_admin(
        client, add_url(m.ReplyTemplate), m.ReplyTemplate, reply_template_form(shop=shop_b.pk, name="B")
    )
    assert response.status_code == 200
    assert [t.shop_id for t in m.ReplyTemplate.objects.all()] == [shop_a.pk]


def test_another_clients_layer_is_neither_listed_nor_opened(people, brand_a, brand_b):
    mine, theirs = layer_rule("品牌A禁词", client=brand_a), layer_rule("品牌B禁词", client=brand_b)
    client = web(people["manager_a"])
    listing = page(client.get(reverse("admin:policies_compliancerule_changelist")))
    assert "品牌A禁词" in listing and "品牌B禁词" not in listing
    assert client.get(change_url(theirs)).status_code == 302  # the admin's "not found"
    history = client.get(reverse("admin:policies_compliancerule_history", args=[theirs.pk]))
    assert "品牌B禁词" not in page(history)
    assert client.get(change_url(mine)).status_code == 200


def test_a_shop_manager_and_a_viewer_read_the_clients_layer_but_change_nothing(people, brand_a):
    rule = layer_rule("品牌A禁词", client=brand_a)
    before = list(m.ComplianceRule.objects.values())
    for who in ("shop_manager_a", "viewer_a"):
        client = web(people[who])
        listing = page(client.get(reverse("admin:policies_compliancerule_changelist")))
        assert "品牌A禁词" in listing, who
        client.post(change_url(rule), {"name": "改了", "patterns": "禁词", "action": "block", "reason": "x"})
        response = client.post(
            reverse("admin:policies_compliancerule_delete", args=[rule.pk]), {"post": "yes"}
        )
        assert response.status_code == 403, who
    assert list(m.ComplianceRule.objects.values()) == before


def test_the_client_manager_deletes_his_layers_rule_not_another_clients(people, brand_a, brand_b):
    mine, theirs = layer_rule("品牌A禁词", client=brand_a), layer_rule("品牌B禁词", client=brand_b)
    client = web(people["manager_a"])
    client.post(reverse("admin:policies_compliancerule_delete", args=[theirs.pk]), {"post": "yes"})
    client.post(reverse("admin:policies_compliancerule_delete", args=[mine.pk]), {"post": "yes"})
    assert list(m.ComplianceRule.objects.values_list("name", flat=True)) == ["品牌B禁词"]


def tier_form(tier, **overrides):
    data = {
        "issue_type": tier.issue_type_id,
        "name": tier.name,
        "first_response_minutes": tier.first_response_minutes,
        "next_response_minutes": tier.next_response_minutes,
        "public_reply_minutes": tier.public_reply_minutes,
        "resolution_minutes": tier.resolution_minutes,
        "handling_role": tier.handling_role,
        "escalation_role": tier.escalation_role,
        "warn_at_percent": tier.warn_at_percent,
        "calendar": "",
        "shop": "",
        "client": tier.client_id or "",
        "active": "on",
    }
    return data | overrides


def _first_response(shop) -> int:
    from policies.decisions import ReviewFacts
    from policies.engine import decide

    facts = ReviewFacts(platform="taobao", rating=1, text="物流太慢")
    return decide(facts, load_policy(shop=shop, platform="taobao")).sla.first_response_minutes


def test_history_and_revert_of_a_client_rule_and_the_decision_follows(policy_pack, people, brand_a, shop_a):
    logistics = m.IssueType.objects.get(code="logistics")
    tier = m.SlaTier.objects.create(
        client=brand_a,
        issue_type=logistics,
        name="品牌A物流",
        first_response_minutes=90,
        handling_role="agent",
    )
    original = tier.history.get()
    client = web(people["manager_a"])
    response = post_admin(client, change_url(tier), m.SlaTier, tier_form(tier, first_response_minutes="30"))
    assert response.status_code == 302
    assert _first_response(shop_a) == 30
    history = page(client.get(reverse("admin:policies_slatier_history", args=[tier.pk])))
    assert people["manager_a"].username in history

    revert_url = reverse("admin:policies_slatier_simple_history", args=[tier.pk, original.history_id])
    # Another client's manager may not revert it: nothing changes.
    web(people["manager_b"]).post(revert_url, tier_form(tier))
    tier.refresh_from_db()
    assert (tier.first_response_minutes, tier.version) == (30, 2)

    assert client.post(revert_url, tier_form(tier, first_response_minutes="90")).status_code == 302
    tier.refresh_from_db()
    assert (tier.first_response_minutes, tier.version, tier.client_id) == (90, 3, brand_a.pk)
    assert tier.history.order_by("-history_id").first().history_user == people["manager_a"]
    assert _first_response(shop_a) == 90


# --- the pack per layer ------------------------------------------------------------------------------


@pytest.fixture
def layered(policy_pack, brand_a, brand_b, shop_a):
    layer_rule("品牌A禁词", client=brand_a)
    layer_rule("品牌B禁词", client=brand_b)
    layer_rule("A1店禁词", shop=shop_a)
    layer_rule("全局禁词")


def compliance_names(data: bytes) -> list[str]:
    sheet = workbook_cells(data)["合规规则"]
    return [row[sheet[0].index("名称")] for row in sheet[1:]]


def test_export_per_layer_holds_that_layer_only(layered, brand_a, shop_a):
    client_pack = export_pack(layer=Layer(CLIENT, client=brand_a))
    assert compliance_names(client_pack) == ["品牌A禁词"]
    assert "问题类型" not in workbook_cells(client_pack)  # a global-only sheet belongs to the global layer
    assert compliance_names(export_pack(layer=Layer(SHOP, shop=shop_a))) == ["A1店禁词"]
    global_names = compliance_names(export_pack(layer=Layer(GLOBAL)))
    assert "全局禁词" in global_names and not {"品牌A禁词", "品牌B禁词", "A1店禁词"} & set(global_names)


def test_a_client_layer_round_trips(layered, people, brand_a):
    data = export_pack(layer=Layer(CLIENT, client=brand_a))
    m.ComplianceRule.objects.filter(client=brand_a).delete()
    report = import_pack(data, dry_run=False, user=people["manager_a"], layer=Layer(CLIENT, client=brand_a))
    assert report.ok, [e.describe() for e in report.errors]
    assert workbook_cells(export_pack(layer=Layer(CLIENT, client=brand_a))) == workbook_cells(data)


def test_rows_without_a_layer_go_into_the_chosen_layer(layered, people, brand_a):
    cells = workbook_cells(export_pack(layer=Layer(CLIENT, client=brand_a)))
    sheet = cells["合规规则"]
    header = sheet[0]
    new = list(sheet[1])
    new[header.index("名称")], new[header.index("品牌方")] = "无层级新规则", None
    data = workbook_bytes({"合规规则": [header, new]})
    report = import_pack(data, dry_run=False, user=people["manager_a"], layer=Layer(CLIENT, client=brand_a))
    assert report.ok, [e.describe() for e in report.errors]
    assert m.ComplianceRule.objects.get(name="无层级新规则").client == brand_a


def test_importing_into_a_layer_not_his_writes_nothing(layered, people, brand_a, brand_b):
    data = export_pack(layer=Layer(CLIENT, client=brand_a))
    before = list(m.ComplianceRule.objects.order_by("pk").values())
    m.ComplianceRule.objects.filter(client=brand_a).delete()
    for who, layer in (
        ("manager_b", Layer(CLIENT, client=brand_a)),
        ("shop_manager_a", Layer(CLIENT, client=brand_a)),
        ("viewer_a", Layer(CLIENT, client=brand_a)),
        ("manager_a", Layer(GLOBAL)),
    ):
        report = import_pack(data, dry_run=False, user=people[who], layer=layer)
        assert not report.ok and not report.written, who
    assert not m.ComplianceRule.objects.filter(client=brand_a).exists()
    assert len(before) == m.ComplianceRule.objects.count() + 1


def test_a_row_of_another_layer_is_refused_by_name(layered, people, brand_a, brand_b):
    data = export_pack(layer=Layer(CLIENT, client=brand_a))
    m.ComplianceRule.objects.filter(client=brand_a).delete()  # so that its row would be written
    before = list(m.ComplianceRule.objects.order_by("pk").values())
    report = import_pack(data, dry_run=False, user=None, layer=Layer(CLIENT, client=brand_b))
    assert not report.written
    assert any("这一行属于品牌方 brand-a，不属于所选的品牌方 brand-b" in e.message for e in report.errors)
    assert list(m.ComplianceRule.objects.order_by("pk").values()) == before


def test_the_page_exports_a_layer_and_refuses_one_he_does_not_see(layered, people, brand_a, brand_b):
    client = web(people["manager_a"])
    response = client.get(reverse("policies:pack_export"), {"layer": "client:brand-a"})
    assert response.status_code == 200 and "client-brand-a" in response["Content-Disposition"]
    assert compliance_names(response.content) == ["品牌A禁词"]
    refused = client.get(reverse("policies:pack_export"), {"layer": "client:brand-b"}, follow=True)
    assert "所选层级无效或你无权查看，未导出。" in page(refused)
    assert refused.redirect_chain and "Content-Disposition" not in refused


def test_the_page_imports_into_his_layer_only(layered, people, brand_a):
    data = export_pack(layer=Layer(CLIENT, client=brand_a))
    m.ComplianceRule.objects.filter(client=brand_a).delete()
    client = web(people["manager_a"])
    bad = client.post(
        reverse("policies:pack_import"), {"pack_file": _upload(data), "layer": "client:brand-b"}
    )
    assert "选择一个有效的选项" in page(bad)
    preview = client.post(
        reverse("policies:pack_import"), {"pack_file": _upload(data), "layer": "client:brand-a"}
    )
    token = preview.context["token"]
    assert token and not m.ComplianceRule.objects.filter(client=brand_a).exists()
    done = client.post(reverse("policies:pack_import"), {"token": token, "layer": "client:brand-a"})
    assert done.status_code == 302
    assert list(m.ComplianceRule.objects.filter(client=brand_a).values_list("name", flat=True)) == [
        "品牌A禁词"
    ]


def _upload(data: bytes):
    buffer = io.BytesIO(data)
    buffer.name = "pack.xlsx"
    return buffer


def test_the_jobs_honour_the_layer_and_the_owners_rights_when_they_run(layered, people, brand_a):
    client = web(people["manager_a"])
    client.post(reverse("policies:pack_export_job"), {"layer": "client:brand-a"})
    export = Job.objects.get()
    assert export.params["layer"] == "client:brand-a"
    run_job(export.pk)
    download = client.get(reverse("jobs:download", args=[export.pk]))
    assert compliance_names(b"".join(download.streaming_content)) == ["品牌A禁词"]

    data = export_pack(layer=Layer(CLIENT, client=brand_a))
    m.ComplianceRule.objects.filter(client=brand_a).delete()
    client.post(
        reverse("policies:pack_import"),
        {"pack_file": _upload(data), "layer": "client:brand-a", "background": "1"},
    )
    preview = Job.objects.latest("pk")
    assert preview.params["layer"] == "client:brand-a"
    ClientMembership.objects.filter(user=people["manager_a"]).delete()  # he leaves the client before it runs
    run_job(preview.pk)
    preview.refresh_from_db()
    assert preview.errors and "只能导入到你所属品牌方的规则层。" in preview.errors[0]["message"]
    assert not m.ComplianceRule.objects.filter(client=brand_a).exists()


def test_the_command_exports_and_imports_one_layer(layered, brand_a, tmp_path):
    out = tmp_path / "a.xlsx"
    call_command(
        "policy_pack", "export", "--out", str(out), "--layer", "client:brand-a", stdout=io.StringIO()
    )
    assert compliance_names(out.read_bytes()) == ["品牌A禁词"]
    m.ComplianceRule.objects.filter(client=brand_a).delete()
    call_command("policy_pack", "import", str(out), "--layer", "client:brand-a", stdout=io.StringIO())
    assert m.ComplianceRule.objects.get(client=brand_a).name == "品牌A禁词"
    with pytest.raises(CommandError, match="品牌方代码“nope”不存在"):
        call_command("policy_pack", "import", str(out), "--layer", "client:nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="层级“everything”无效"):
        call_command(
            "policy_pack", "export", "--out", str(out), "--layer", "everything", stdout=io.StringIO()
        )


def test_parse_layer_reads_what_the_slug_writes(brand_a, shop_a):
    assert parse_layer("client:brand-a").client == brand_a
    assert parse_layer("shop-tb-a1").shop == shop_a
    assert parse_layer("").kind == GLOBAL == parse_layer("global").kind
    assert Layer(CLIENT, client=brand_a).slug == "client-brand-a"


# --- explainability ----------------------------------------------------------------------------------


def test_policy_explain_names_the_layer_of_each_rule(policy_pack, brand_a, shop_a):
    import json

    logistics = m.IssueType.objects.get(code="logistics")
    m.SlaTier.objects.create(
        client=brand_a,
        issue_type=logistics,
        name="品牌A物流",
        first_response_minutes=90,
        handling_role="agent",
    )
    args = ["--shop", "tb-a1", "--rating", "bad", "--text", "物流太慢", "--at", "2026-11-20T10:00:00+08:00"]
    out = io.StringIO()
    call_command("policy_explain", *args, stdout=out)
    text = out.getvalue()
    assert "各规则的层级：" in text
    assert "品牌A物流 — 品牌方 brand-a" in text
    assert "— 全局" in text
    english = io.StringIO()
    call_command("policy_explain", *args, "--language", "en", stdout=english)
    assert "品牌A物流 — client brand-a" in english.getvalue()
    data = io.StringIO()
    call_command("policy_explain", *args, "--json", stdout=data)
    refs = {r["name"]: r for r in json.loads(data.getvalue())["rule_refs"]}
    assert (refs["品牌A物流"]["layer"], refs["品牌A物流"]["layer_code"]) == ("client", "brand-a")
    assert {r["layer"] for r in refs.values()} == {"client", "global"}


def test_the_sandbox_names_the_layer(policy_pack, people, brand_a, shop_a):
    logistics = m.IssueType.objects.get(code="logistics")
    m.SlaTier.objects.create(
        client=brand_a,
        issue_type=logistics,
        name="品牌A物流",
        first_response_minutes=90,
        handling_role="agent",
    )
    m.SlaTier.objects.create(
        shop=shop_a,
        issue_type=m.IssueType.objects.get(code="quality"),
        name="A1质量",
        first_response_minutes=60,
        handling_role="agent",
    )
    review = {
        "platform": "taobao",
        "shop": shop_a.pk,
        "rating": "1",
        "text": "物流太慢了",
        "appended_text": "",
        "order_amount": "250",
        "shipping_fee": "12",
        "annual_spend": "0",
        "received_at": "2026-11-20T23:30",
    }
    body = page(web(people["viewer_a"]).post(reverse("policies:sandbox"), review))
    assert "层级：品牌方 brand-a" in body and "层级：全局" in body
    assert "品牌A物流 — 品牌方 brand-a" in body


def test_policy_explain_tries_a_clients_layer_without_a_shop(policy_pack, brand_a, shop_a):
    logistics = m.IssueType.objects.get(code="logistics")
    m.SlaTier.objects.create(
        client=brand_a,
        issue_type=logistics,
        name="品牌A物流",
        first_response_minutes=90,
        handling_role="agent",
    )
    args = [
        "--platform",
        "taobao",
        "--rating",
        "bad",
        "--text",
        "物流太慢",
        "--at",
        "2026-11-20T10:00:00+08:00",
    ]
    out = io.StringIO()
    call_command("policy_explain", *args, "--client", "brand-a", stdout=out)
    assert "品牌A物流 — 品牌方 brand-a" in out.getvalue() and "1小时30分钟" in out.getvalue()
    with pytest.raises(CommandError, match="只能指定其一"):
        call_command("policy_explain", *args, "--client", "brand-a", "--shop", "tb-a1", stdout=io.StringIO())
    with pytest.raises(CommandError, match="品牌方代码“nope”不存在"):
        call_command("policy_explain", *args, "--client", "nope", stdout=io.StringIO())
