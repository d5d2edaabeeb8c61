"""Appeals per platform × reason: each reason asks for the evidence that proves it (a Taobao extortion
appeal needs the chat with the demand, not the IP data of a batch of reviews), every platform of the
pack has its list (Pinduoduo too), and the workflow's appeal step picks the list by the case's platform
and the reason chosen."""

import pytest
from django.core.exceptions import ValidationError

from cases.errors import WorkflowError as E
from cases.models import Appeal
from cases.workflow.compose import appeal_requirements
from cases.workflow.services import case_act
from policies import default_pack
from policies.choices import AppealReason
from policies.loader import load_policy
from policies.models import AppealChecklist
from tests.cases.workflow_factories import NOW, appeal_evidence, member, put_in_state, snapshot, triaged_case
from tests.factories import ShopFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

CHAT = "完整旺旺聊天截图"
SAME_IP = "同一IP批量差评的后台数据"


def file_appeal(case, by, version=3, **data):
    return case_act(case_id=case.pk, action="file_appeal", by=by, version=version, data=data, now=NOW)


def refused(code, case, by, **data):
    before = snapshot(case.pk)
    with pytest.raises(ValidationError) as caught:
        file_appeal(case, by, **data)
    assert caught.value.code == code, caught.value.messages
    assert snapshot(case.pk) == before and not Appeal.objects.filter(case=case).exists()
    return caught.value.messages[0]


def malicious_case(platform: str, code: str):
    shop = ShopFactory(code=code, platform=platform)
    legal = member("legal", shop)
    return put_in_state(triaged_case(shop), "malicious", agent=legal), legal


def test_every_platform_of_the_pack_has_a_list_for_extortion_abuse_and_advertising():
    platforms = [rule["platform"] for rule in default_pack.PLATFORM_RULES]
    assert sorted(platforms) == ["douyin", "jd", "pdd", "taobao", "tmall"]
    for platform in platforms:
        policy = load_policy(platform=platform)
        reasons = {c.reason for c in policy.appeal_checklists}
        assert {"extortion", "abuse", "advertising", "irrelevant"} <= reasons, platform
        assert all(c.evidence for c in policy.appeal_checklists)
        assert policy.platform_rule.appeal_allowed is True


@pytest.mark.parametrize("platform", ["taobao", "tmall"])
def test_taobao_extortion_needs_the_chat_only_and_a_competitor_attack_needs_the_batch_data(platform):
    policy = load_policy(platform=platform)
    assert policy.appeal_checklist("extortion").evidence == (CHAT,)
    assert SAME_IP in policy.appeal_checklist("competitor").evidence
    assert policy.appeal_checklist("买家利用评价要挟/敲诈") == policy.appeal_checklist("extortion")
    assert policy.appeal_checklist("恶意评价") is None  # the old catch-all reason is gone


def test_taobao_extortion_appeal_is_filed_without_ip_evidence(shop):
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    requirements = appeal_requirements(case, reason="extortion")
    assert requirements.evidence_required == (CHAT,) and SAME_IP not in requirements.evidence_required
    chat = appeal_evidence(case, legal, items=(CHAT,))

    file_appeal(case, legal, reason_type="extortion", description="买家要挟返现", evidence_ids=chat)

    appeal = Appeal.objects.get(case=case)
    assert appeal.reason_type == "买家利用评价要挟/敲诈"
    assert (appeal.checklist["reason"], appeal.checklist["evidence_required"]) == ("extortion", [CHAT])
    assert (
        appeal.checklist["rule"]["id"]
        == AppealChecklist.objects.get(platform="taobao", reason="extortion", shop__isnull=True).pk
    )
    assert case.events.filter(action="file_appeal").get().payload["reason"] == "extortion"


def test_the_same_chat_is_not_enough_for_a_competitor_attack(shop):
    legal = member("legal", shop)
    case = put_in_state(triaged_case(shop), "malicious", agent=legal)
    chat = appeal_evidence(case, legal, items=(CHAT,))
    message = refused(E.APPEAL_EVIDENCE_MISSING, case, legal, reason_type="competitor", evidence_ids=chat)
    assert message.startswith("以“同行恶意评价”申诉缺少所需证据：同一IP批量差评的后台数据")


def test_pinduoduo_has_a_list_and_an_extortion_report_is_filed():
    case, legal = malicious_case("pdd", "pdd-main")
    requirements = appeal_requirements(case)
    assert requirements.allowed is True and case.appeal_until is not None
    assert requirements.reason_types == ("敲诈勒索", "辱骂/不文明用语", "与商品无关", "广告/引流", "泄露隐私")
    message = refused(E.APPEAL_REASON, case, legal, reason_type="恶意评价", evidence_ids=[])
    assert message == "申诉理由须为：敲诈勒索、辱骂/不文明用语、与商品无关、广告/引流、泄露隐私。"
    chat = appeal_evidence(case, legal, items=("拼多多客服聊天记录截图",))

    file_appeal(case, legal, reason_type="敲诈勒索", evidence_ids=chat)

    appeal = Appeal.objects.get(case=case)
    assert (appeal.reason_type, appeal.checklist["reason"]) == ("敲诈勒索", "extortion")


def test_an_abusive_review_needs_its_screenshot_not_a_chat():
    case, legal = malicious_case("douyin", "dy-abuse")
    chat = appeal_evidence(case, legal, items=("飞鸽聊天记录", "通话录音"))
    assert refused(E.APPEAL_EVIDENCE_MISSING, case, legal, reason_type="abuse", evidence_ids=chat) == (
        "以“辱骂/人身攻击”申诉缺少所需证据：评价页面截图(含评价内容与订单号)。"
    )
    shot = appeal_evidence(case, legal, items=("评价页面截图(含评价内容与订单号)",))
    file_appeal(case, legal, reason_type="abuse", evidence_ids=shot)
    assert Appeal.objects.get(case=case).checklist["max_images"] == 6  # Douyin's limits stay per reason


def test_a_shops_checklist_replaces_only_the_global_one_of_its_reason(shop):
    AppealChecklist.objects.create(
        shop=shop, platform="taobao", reason="extortion", evidence_required="旺旺聊天截图\n通话录音"
    )
    policy = load_policy(shop=shop, platform="taobao")
    assert policy.appeal_checklist("extortion").evidence == ("旺旺聊天截图", "通话录音")
    assert policy.appeal_checklist("extortion").label == str(AppealReason.EXTORTION.label)
    assert SAME_IP in policy.appeal_checklist("competitor").evidence  # the global one still
    assert load_policy(platform="taobao").appeal_checklist("extortion").evidence == (CHAT,)


def test_a_checklist_without_evidence_is_refused_and_one_per_platform_and_reason():
    row = AppealChecklist(platform="jd", reason="privacy", evidence_required=" \n ")
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert caught.value.message_dict["evidence_required"] == ["至少填写一项所需证据。"]
    duplicate = AppealChecklist(platform="jd", reason="extortion", evidence_required="咚咚聊天截图")
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    assert AppealChecklist.objects.filter(platform="jd", reason="extortion").count() == 1


def test_the_policy_pack_sheet_carries_reason_label_and_note():
    from policies.resources import AppealChecklistResource

    dataset = AppealChecklistResource().export()
    assert {"申诉理由", "平台上的理由名称", "说明", "所需证据"} <= set(dataset.headers)
    rows = [dict(zip(dataset.headers, row, strict=True)) for row in dataset]
    taobao = next(
        r
        for r in rows
        if r["平台"] in ("taobao", "淘宝") and r["申诉理由"] in ("extortion", "敲诈勒索(以评价要挟)")
    )
    assert (taobao["平台上的理由名称"], taobao["所需证据"]) == ("买家利用评价要挟/敲诈", CHAT)
    assert "同一IP" not in taobao["所需证据"] and "无需同一IP" in taobao["说明"]
