"""Words to the buyer: every blocking phrase of the default pack is refused by the services, warnings
must be acknowledged (and are recorded on the case), length, window and once-only rules hold; contact
limits and quiet hours come from the policy; the next-response clock runs in business time."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.errors import WorkflowError as E
from cases.models import Case, ContactAttempt, Reply
from cases.workflow.compose import reply_drafts
from cases.workflow.services import case_act
from policies.models import ComplianceRule
from tests.cases.workflow_factories import NOW, member, put_in_state, snapshot, triaged_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# Texts for each regex or combination rule of the default pack that blocks on Taobao (keyword rules are
# sampled phrase by phrase); a new blocking rule without samples fails. Line-by-line coverage of every
# pattern and term: tests/policies/compliance/test_default_rules.py.
RULE_SAMPLES = {
    "利诱好评：评价词与利益词相邻": ["给个五星好评吧，好评后联系客服领取5元红包哦", "晒图五星评价可返5元"],
    "以评价为条件的补偿": ["您把评价删掉我们就给您退款", "差评改了马上给您补发"],
    "以评价为条件：只要/如果……评价": ["只要您追评五星，我们就送您一个杯子"],
    "请买家修改、删除、撤回或追加评价": ["麻烦您删 评 一下", "能否修改一下您的评价", "麻烦您改成好评"],
    "站外引流：微信、QQ、群、公众号、链接": ["加我微信 wx_kefu88", "关注我们的公众号", "扣扣号 12345678"],
    "公开回复禁止手机号与身份证号": ["有事请打138 1234 5678", "有事请打１３８１２３４５６７８"],
    "公开回复禁止地址": ["寄到浙江省杭州市", "寄到文三路100号3号楼2单元301室"],
}


def blocking_samples():
    """(rule name, channels, sample text) for every phrase of every keyword rule and the samples of
    every other rule that blocks on Taobao."""
    samples = []
    for rule in ComplianceRule.objects.filter(active=True, shop__isnull=True).order_by("pk"):
        actions = dict(item.split(":") for item in rule.platform_actions.split(",") if item)
        if actions.get("taobao", rule.action) != "block":
            continue
        if rule.match_mode == "keywords":
            texts = [f"亲，{p.strip()}" for p in rule.patterns.splitlines() if p.strip()]
        else:
            assert rule.name in RULE_SAMPLES, f"no sample for {rule.name}"
            texts = RULE_SAMPLES[rule.name]
        samples.extend((rule.name, rule.channels, rule.platforms, text) for text in texts)
    return samples


@pytest.fixture
def agent(shop):
    return member("agent", shop)


def refused(code, case, by, action, version=3, now=NOW, **data):
    before = snapshot(case.pk)
    with pytest.raises(ValidationError) as caught:
        case_act(case_id=case.pk, action=action, by=by, version=version, data=data, now=now)
    assert caught.value.code == code, caught.value.messages
    assert snapshot(case.pk) == before
    return caught.value.messages[0]


def test_every_blocking_phrase_of_the_default_pack_is_refused(shop, agent):
    samples = blocking_samples()
    names = {name for name, *_ in samples}
    assert names == {"利诱好评：好评返现类用语", "辱骂、轻视或威胁买家", *RULE_SAMPLES}
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)  # a Taobao shop: every rule applies
    for name, channels, _platforms, text in samples:
        message = refused(E.COMPLIANCE_BLOCKED, case, agent, "public_reply", text=f"感谢您的反馈。{text}")
        assert message.startswith("内容违反平台规则，不能发送：") and "：" in message, (name, text)
        if "public_reply" not in channels:  # rules for every channel also stop private messages
            refused(
                E.COMPLIANCE_BLOCKED,
                case,
                agent,
                "record_contact",
                channel="private_message",
                reached=True,
                text=text,
            )
    assert not Reply.objects.filter(case=case).exists()


def test_refusal_message_lists_each_reason(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    message = refused(E.COMPLIANCE_BLOCKED, case, agent, "public_reply", text="好评返现，麻烦您改成好评")
    assert "“好评返现”：以现金、红包" in message and "“改成好评”：请买家修改、删除" in message


def test_warnings_must_be_acknowledged_and_are_recorded(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    text = "亲，这次是快递的错，我们已经在催了。"
    message = refused(E.WARNINGS_NOT_ACKNOWLEDGED, case, agent, "public_reply", text=text)
    assert "是快递的错" in message and "不辩解" in message
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=3,
        now=NOW,
        data={"text": text, "acknowledge_warnings": True},
    )
    reply = Reply.objects.get(case=case)
    assert reply.text == text and reply.channel == "public_reply" and len(reply.acknowledged_warnings) == 1
    case.refresh_from_db()
    assert case.public_replied_at == NOW
    assert len(case.compliance_violations) == 1 and "是快递的错" in case.compliance_violations[0]


def test_length_window_and_placeholders(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    assert (
        refused(E.REPLY_TOO_LONG, case, agent, "public_reply", text="谢" * 501)
        == "超过平台字数上限500字(当前501字)。"
    )
    refused(E.EMPTY_TEXT, case, agent, "public_reply", text="   ")
    refused(E.MISSING_PLACEHOLDER, case, agent, "public_reply", text="亲，您的订单____已处理")
    late = case.reply_until + dt.timedelta(minutes=1)
    assert refused(E.REPLY_WINDOW_CLOSED, case, agent, "public_reply", now=late, text="感谢反馈").startswith(
        "平台回复期已于"
    )
    case_act(case_id=case.pk, action="public_reply", by=agent, version=3, now=NOW, data={"text": "谢" * 500})


def test_no_reply_after_an_appended_review_on_taobao(shop, agent):
    case = put_in_state(triaged_case(shop, appended="追评：更差了"), "in_progress", agent=agent)
    refused(E.REPLY_NOT_ALLOWED, case, agent, "public_reply", text="感谢反馈")


def test_douyin_allows_one_public_reply(other_shop):
    agent = member("agent", other_shop)
    case = put_in_state(triaged_case(other_shop), "in_progress", agent=agent)
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=3,
        now=NOW,
        data={"text": "感谢反馈，已私信您"},
    )
    refused(E.REPLY_ONCE, case, agent, "public_reply", version=4, text="再补充一句")


def test_drafts_render_the_templates_with_the_case_context_and_the_template_is_recorded(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    drafts = reply_drafts(case, user=agent, channel="public_reply")
    assert drafts and all("{" not in d.text for d in drafts)
    draft = next(d for d in drafts if "____" not in d.text and not d.compliance.findings)
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=3,
        now=NOW,
        data={"text": draft.text, "template_id": draft.template_id},
    )
    assert Reply.objects.get(case=case).template_ref["id"] == draft.template_id


# --- Contact limits ------------------------------------------------------------------------------


def contact(case, agent, version, at, **extra):
    return case_act(
        case_id=case.pk,
        action="record_contact",
        by=agent,
        version=version,
        now=at,
        data={"channel": "phone", "reached": False, **extra},
    )


def refused_call(code, case, agent, **kwargs):
    """An unanswered phone call the contact rules refuse with ``code``; its message."""
    return refused(code, case, agent, "record_contact", channel="phone", reached=False, **kwargs)


def test_attempts_per_case_and_spacing(shop, agent):
    case = put_in_state(triaged_case(shop), "assigned", agent=agent)
    Case.objects.filter(pk=case.pk).update(contact_attempts=0, last_contact_at=None, first_responded_at=None)
    contact(case, agent, 3, NOW)
    message = refused_call(E.CONTACT_TOO_SOON, case, agent, version=4, now=NOW + dt.timedelta(minutes=30))
    assert message.startswith("两次联系至少间隔60分钟") and "12:00之后" in message
    contact(case, agent, 4, NOW + dt.timedelta(minutes=61))
    contact(case, agent, 5, NOW + dt.timedelta(minutes=130))
    message = refused_call(E.CONTACT_LIMIT, case, agent, version=6, now=NOW + dt.timedelta(hours=5))
    assert message.startswith("为避免骚扰买家，每个案件最多联系3次") and "已联系3次" in message
    assert ContactAttempt.objects.filter(case=case).count() == 3
    case.refresh_from_db()
    assert case.first_responded_at == NOW and case.contact_attempts == 3


@pytest.mark.parametrize(
    ("local", "allowed"),
    [("21:59", True), ("22:00", False), ("03:00", False), ("07:59", False), ("08:00", True)],
)
def test_quiet_hours(shop, agent, local, allowed):
    case = put_in_state(triaged_case(shop), "assigned", agent=agent)
    Case.objects.filter(pk=case.pk).update(contact_attempts=0, last_contact_at=None)
    hour, minute = map(int, local.split(":"))
    at = dt.datetime(2026, 6, 3, hour, minute, tzinfo=SHANGHAI)
    if allowed:
        contact(case, agent, 3, at)
        assert ContactAttempt.objects.filter(case=case).count() == 1
    else:
        message = refused_call(E.QUIET_HOURS, case, agent, now=at)
        assert message.startswith("22:00–08:00是免打扰时段")


def test_buyer_reply_starts_the_next_response_clock_in_business_time(shop, agent):
    case = put_in_state(triaged_case(shop), "waiting_buyer", agent=agent)
    evening = dt.datetime(2026, 6, 2, 23, 0, tzinfo=SHANGHAI)  # the shop closes at 00:00, opens at 08:00
    case_act(
        case_id=case.pk,
        action="buyer_replied",
        by=agent,
        version=3,
        now=evening,
        data={"note": "还没收到退款"},
    )
    case.refresh_from_db()
    assert case.next_response_due_at == dt.datetime(
        2026, 6, 3, 10, 0, tzinfo=SHANGHAI
    )  # 60 min tonight + 120 tomorrow
    assert case.next_response_warn_at == dt.datetime(
        2026, 6, 3, 9, 24, tzinfo=SHANGHAI
    )  # 80 % of 180 minutes
    assert case.sla_next_check_at <= case.next_response_warn_at
    answer = dt.datetime(2026, 6, 3, 9, 0, tzinfo=SHANGHAI)
    contact(case, agent, 4, answer)
    case.refresh_from_db()
    assert case.next_response_due_at is None and case.next_response_warn_at is None


def test_a_conversion_carries_the_compliance_violations_recorded_on_the_case(
    other_shop, django_capture_on_commit_callbacks
):
    """Douyin allows revisions; a warning acknowledged in a reply travels with the later conversion."""
    from cases.imports.submit import reviews_submit
    from cases.signals import case_event

    heard = []

    def listener(*, event, case_id, payload, **signal_args):
        heard.append((event, case_id, payload))

    item = {
        "shop": other_shop.code,
        "order_no": "DY0001",
        "rating": "1",
        "content": "质量太差，开线了",
        "reviewed_at": dt.datetime.now(SHANGHAI).isoformat(),
        "buyer_nick": "抖**音",
        "order_amount": "99.00",
    }
    [result] = reviews_submit(items=[item], allowed_shop_ids={other_shop.pk}, source="api")
    agent = member("agent", other_shop)
    case = put_in_state(Case.objects.get(pk=result.case_id), "in_progress", agent=agent)
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=3,
        now=dt.datetime.now(SHANGHAI),
        data={"text": "亲，这次是快递的错，已为您补发。", "acknowledge_warnings": True},
    )
    case_event.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reviews_submit(items=[{**item, "rating": "5"}], allowed_shop_ids={other_shop.pk}, source="api")
    finally:
        case_event.disconnect(listener)
    [(event, case_id, payload)] = [h for h in heard if h[0] == "conversion_candidate"]
    assert case_id == case.pk and len(payload["compliance_violations"]) == 1
    assert "是快递的错" in payload["compliance_violations"][0]


def test_an_unknown_template_is_refused(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    refused(E.BAD_CHOICE, case, agent, "public_reply", text="感谢反馈", template_id=987654)


def test_a_template_alone_is_rendered_for_the_case(shop, agent):
    case = put_in_state(triaged_case(shop), "in_progress", agent=agent)
    draft = next(
        d
        for d in reply_drafts(case, user=agent, channel="public_reply")
        if "____" not in d.text and not d.compliance.findings
    )
    case_act(
        case_id=case.pk,
        action="public_reply",
        by=agent,
        version=3,
        now=NOW,
        data={"template_id": draft.template_id},
    )
    assert Reply.objects.get(case=case).text == draft.text
    refused(E.BAD_CHOICE, case, agent, "public_reply", version=4, text="x", template_id="abc")
