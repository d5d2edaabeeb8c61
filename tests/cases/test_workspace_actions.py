"""Workspace actions through the web UI: the agent's path from contact to resolution, approval above
the cap, refusals (message shown, nothing changed), the STALE path, and the composer's compliance
check for every blocking rule of the default pack."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.choices import CaseStatus, OfferStatus
from cases.models import CaseEvent, CompensationOffer, ContactAttempt, Reply
from cases.workflow.compose import offer_options
from policies.loader import clear_policy_cache
from policies.models import ComplianceRule, ContactLimit
from tests.cases.workspace_support import snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


@pytest.fixture
def supervisor(make_user, shop):
    return make_user("supervisor", shops=[shop])


@pytest.fixture
def no_quiet_hours(db):
    """Contacts are refused between 22:00 and 08:00 by the default pack; these tests may run at any hour."""
    for limit in ContactLimit.objects.all():
        limit.quiet_start = limit.quiet_end = dt.time(0, 0)
        limit.save()
    clear_policy_cache()


def act(client, case, action, **data):
    case.refresh_from_db()
    data.setdefault("version", case.version)
    return client.post(reverse("cases:case_action", kwargs={"pk": case.pk, "action": action}), data)


def test_agent_contacts_verifies_offers_and_resolves(client, shop, agent, no_quiet_hours):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED, amount="59.00")
    client.force_login(agent)

    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    draft = page.context["composers"]["record_contact"]["drafts"][0]
    response = act(
        client,
        case,
        "record_contact",
        channel="private_message",
        reached="1",
        text="您好，非常抱歉给您带来不便，我们马上为您处理。",
        template_id=draft["id"],
    )
    assert response.status_code == 302, response.context and response.context.get("refusal")
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_BUYER and case.contact_attempts == 1
    assert Reply.objects.filter(case=case, channel="private_message").count() == 1

    assert (
        act(
            client, case, "verify", responsibility="courier", note="快递外包装破损，已核实物流照片"
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED

    option = next(o for o in offer_options(case) if not o.requires_approval)
    assert act(client, case, "offer", option_id=option.option_id, note="").status_code == 302
    (offer,) = CompensationOffer.objects.filter(case=case)
    assert (offer.status, offer.option_id) == (OfferStatus.OFFERED, option.option_id)

    assert act(client, case, "buyer_accepts", offer_id=offer.pk).status_code == 302
    assert act(client, case, "resolve", note="买家已接受补偿").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    actions = list(CaseEvent.objects.filter(case=case).order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["record_contact", "verify", "offer", "buyer_accepts", "resolve"]
    final = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    html = final.content.decode()
    assert "已完成：解决" in html and "已解决" in html


def test_offer_above_the_cap_waits_for_a_supervisor_not_the_requester(
    client, shop, agent, supervisor, no_quiet_hours
):
    case = triaged_case(
        shop,
        assignee=agent,
        status=CaseStatus.VERIFIED,
        amount="599.00",
        contact_attempts=1,
        verified_at=dt.datetime(2026, 6, 2, tzinfo=dt.UTC),
        responsibility="merchant",
    )
    client.force_login(agent)
    option = next(o for o in offer_options(case) if o.requires_approval)

    assert act(client, case, "offer", option_id=option.option_id).status_code == 302

    case.refresh_from_db()
    (offer,) = CompensationOffer.objects.filter(case=case)
    assert (case.status, offer.status) == (CaseStatus.PENDING_APPROVAL, OfferStatus.PENDING_APPROVAL)
    page = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).content.decode()
    assert f'action="/cases/{case.pk}/act/approve/"' not in page  # the requester is not offered approval
    before = snapshot(case.pk)
    refused = act(client, case, "approve", offer_id=offer.pk)
    assert refused.status_code == 400 and refused.context["refusal"]["message"]
    assert snapshot(case.pk) == before

    client.force_login(supervisor)
    listed = client.get(reverse("cases:approvals"))
    assert [row["id"] for row in listed.context["rows"]] == [offer.pk]
    assert act(client, case, "approve", offer_id=offer.pk, note="同意").status_code == 302
    offer.refresh_from_db()
    case.refresh_from_db()
    assert (offer.status, offer.approved_by, case.status) == (
        OfferStatus.OFFERED,
        supervisor,
        CaseStatus.OFFERED,
    )


def test_an_action_not_allowed_now_is_refused_with_its_reason_and_nothing_changes(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    before = snapshot(case.pk)

    response = act(client, case, "verify", responsibility="merchant", note="没有联系就核实")

    assert response.status_code == 400
    assert response.context["refusal"] == {
        "message": "案件当前状态为“已分配”，不能“核实责任”。",
        "stale": False,
    }
    assert "案件当前状态为“已分配”，不能“核实责任”。" in response.content.decode()
    assert snapshot(case.pk) == before


def test_a_role_that_may_not_act_is_refused_and_nothing_changes(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.RESOLVED)
    client.force_login(agent)
    before = snapshot(case.pk)
    response = act(client, case, "reopen", note="想重新打开")
    assert response.status_code == 400
    assert "只有" in response.context["refusal"]["message"]
    assert snapshot(case.pk) == before


def test_missing_input_is_refused_by_the_form_and_nothing_changes(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    before = snapshot(case.pk)
    response = act(client, case, "mark_malicious", note="")
    assert response.status_code == 400 and "说明" in response.context["refusal"]["message"]
    assert snapshot(case.pk) == before


def test_stale_version_shows_the_refreshed_case_and_changes_nothing(client, shop, agent, no_quiet_hours):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    seen = case.version
    # Someone else acts first (through the same UI).
    assert act(client, case, "record_contact", channel="phone", reached="0", note="未接通").status_code == 302
    case.refresh_from_db()
    before = snapshot(case.pk)

    response = act(client, case, "mark_malicious", note="我看到的是旧页面", version=seen)

    assert response.status_code == 409
    assert response.context["refusal"]["stale"] is True
    html = response.content.decode()
    assert "案件刚被其他人更新" in html
    assert f'<span data-testid="case-version">{case.version}</span>' in html  # the refreshed case
    assert f'name="version" value="{case.version}"' in html  # its forms carry the new version
    assert snapshot(case.pk) == before


def test_quiet_hours_block_a_contact_with_the_rule_explained(client, shop, agent):
    for limit in ContactLimit.objects.all():
        limit.quiet_start, limit.quiet_end = dt.time(0, 0), dt.time(23, 59, 59)
        limit.save()
    clear_policy_cache()
    case = triaged_case(shop, assignee=agent, status=CaseStatus.ASSIGNED)
    client.force_login(agent)
    before = snapshot(case.pk)
    response = act(client, case, "record_contact", channel="phone", reached="1")
    assert response.status_code == 400
    assert "免打扰" in response.context["refusal"]["message"]
    assert snapshot(case.pk) == before and not ContactAttempt.objects.exists()


# --- the composer's compliance check ---------------------------------------------------------------

# Reworded samples for each rule that is not a phrase list (the examples among them).
REGEX_SAMPLES = {
    "利诱好评：评价词与利益词相邻": "给个五星好评吧，好评后联系客服领取5元红包哦",
    "以评价为条件的补偿": "您把评价删掉我们就给您退款",
    "以评价为条件：只要/如果……评价": "只要您追评五星，我们就送您一个杯子",
    "请买家修改、删除、撤回或追加评价": "麻烦您删 评 一下",
    "站外引流：微信、QQ、群、公众号、链接": "加我微信 wx_kefu88",
    "公开回复禁止手机号与身份证号": "如有问题请拨打138 1234 5678联系我们",
    "公开回复禁止地址": "已按浙江省杭州市的地址补发",
}


def blocking_texts() -> list[tuple[str, str]]:
    texts = []
    for rule in ComplianceRule.objects.filter(active=True).order_by("pk"):
        actions = dict(item.split(":") for item in rule.platform_actions.split(",") if item)
        if actions.get("taobao", rule.action) != "block":
            continue
        if rule.match_mode == "keywords":
            texts += [
                (rule.name, f"亲，{line.strip()}哦") for line in rule.patterns.splitlines() if line.strip()
            ]
        else:
            texts.append((rule.name, REGEX_SAMPLES[rule.name]))
    return texts


def test_every_blocking_rule_of_the_default_pack_is_refused_in_the_composer(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    client.force_login(agent)
    texts = blocking_texts()
    assert len(texts) >= 15  # every phrase of the phrase rules, plus a reworded sample of every other rule
    check_url = reverse("cases:compose_check", kwargs={"pk": case.pk, "action": "public_reply"})
    before = snapshot(case.pk)
    for name, text in texts:
        shown = client.post(check_url, {"text": text}).content.decode()
        assert "不能发送" in shown, (name, text)
        refused = act(client, case, "public_reply", text=text)
        assert refused.status_code == 400, (name, text)
        assert "内容违反平台规则，不能发送" in refused.context["refusal"]["message"], (name, text)
    assert snapshot(case.pk) == before


def test_warnings_must_be_ticked_before_the_reply_is_recorded(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    client.force_login(agent)
    text = "非常抱歉，这次是快递的错，我们会跟进"
    check = client.post(
        reverse("cases:compose_check", kwargs={"pk": case.pk, "action": "public_reply"}), {"text": text}
    )
    warning = check.context["report"]["warnings"][0]
    assert 'type="checkbox" name="acknowledge_warnings"' in check.content.decode()
    before = snapshot(case.pk)

    refused = act(client, case, "public_reply", text=text)

    assert refused.status_code == 400 and "请确认以下合规提醒" in refused.context["refusal"]["message"]
    assert snapshot(case.pk) == before
    assert (
        act(client, case, "public_reply", text=text, acknowledge_warnings=[warning["id"]]).status_code == 302
    )
    (reply,) = Reply.objects.filter(case=case)
    assert reply.text == text and len(reply.acknowledged_warnings) == 1
    case.refresh_from_db()
    assert case.public_replied_at is not None


def test_too_long_reply_is_refused_with_the_platform_limit(client, shop, agent):
    case = triaged_case(shop, assignee=agent, status=CaseStatus.IN_PROGRESS, contact_attempts=1)
    client.force_login(agent)
    check = client.post(
        reverse("cases:compose_check", kwargs={"pk": case.pk, "action": "public_reply"}), {"text": "谢" * 501}
    )
    assert "501 / 500" in check.content.decode()
    before = snapshot(case.pk)
    refused = act(client, case, "public_reply", text="谢" * 501)
    assert "超过平台字数上限500字" in refused.context["refusal"]["message"]
    assert snapshot(case.pk) == before


def test_an_offer_panel_without_options_says_so_and_offers_no_button(client, shop, agent, monkeypatch):
    """A verified case whose policy gives no option: the panel says there is none, and shows no submit
    button that could only fail (the load bench's clients, like people, sent it and met a form error)."""
    from tests.cases.workflow_factories import put_in_state

    case = put_in_state(triaged_case(shop), "verified", agent=agent)
    monkeypatch.setattr("cases.web.workspace_context.offer_options", lambda *args, **kwargs: ())
    client.force_login(agent)

    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    panel = page.split('id="action-offer"', 1)[1].split("</form>", 1)[0]
    assert "没有可用的补偿方案" in panel and 'type="submit"' not in panel
