"""An agent's SMS to the buyer: the case's contact service decides (limits, quiet hours, compliance, the
timeline); opt-outs cover every shop of the client and no other client's; nothing changes on a refusal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseEvent, ContactAttempt
from outreach.choices import SmsStatus
from outreach.models import OptOut, SmsMessage, SmsTemplate
from outreach.services.buyer import sms_send_to_buyer
from outreach.services.optouts import optout_from_reply, optout_record
from reviewdesk.models import Client
from tests.cases.workflow_factories import member, put_in_state, triaged_case
from tests.factories import ShopFactory
from tests.outreach.conftest import NOON, make_account, make_templates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]

PHONE = "13812345678"  # triaged_case's buyer


def assigned_case(shop, agent):
    return put_in_state(triaged_case(shop, phone=PHONE), "assigned", agent=agent)


@pytest.fixture
def agent(shop):
    return member("agent", shop)


def send(case, agent, now=NOON, code="contact"):
    return sms_send_to_buyer(case_id=case.pk, by=agent, version=case.version, template_code=code, now=now)


def test_the_agents_sms_is_sent_and_recorded_as_a_contact(
    aliyun_shop, agent, django_capture_on_commit_callbacks
):
    case = assigned_case(aliyun_shop["shop"], agent)
    with django_capture_on_commit_callbacks(execute=True):
        message = send(case, agent)
    message.refresh_from_db()
    assert message.status == SmsStatus.ACCEPTED
    assert aliyun_shop["gateway"].records[0]["phone"] == PHONE
    contact = ContactAttempt.objects.get(case=case)
    assert (contact.channel, contact.by, contact.reached) == ("sms", agent, False)
    case.refresh_from_db()
    assert case.contact_attempts == 1
    event = CaseEvent.objects.filter(case=case, action="record_contact").get()
    assert event.payload["text"] == message.text
    assert PHONE not in str(event.payload)  # the timeline names the masked number only
    assert "138****5678" in event.payload["note"]


def _nothing_sent(case, gateway):
    assert SmsMessage.objects.count() == 0
    assert ContactAttempt.objects.filter(case=case).count() == 0
    assert gateway.sends == 0


def test_quiet_hours_refuse_and_change_nothing(aliyun_shop, agent, django_capture_on_commit_callbacks):
    case = assigned_case(aliyun_shop["shop"], agent)
    late = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # 23:00 in Shanghai
    with pytest.raises(ValidationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        send(case, agent, now=late)
    assert refusal.value.code == "quiet_hours"
    _nothing_sent(case, aliyun_shop["gateway"])


def test_the_contact_cap_refuses_and_changes_nothing(aliyun_shop, agent, django_capture_on_commit_callbacks):
    case = assigned_case(aliyun_shop["shop"], agent)
    case.contact_attempts, case.last_contact_at = 3, NOON - dt.timedelta(days=1)
    case.save()
    with pytest.raises(ValidationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        send(case, agent)
    assert refusal.value.code == "contact_limit"
    _nothing_sent(case, aliyun_shop["gateway"])


def test_a_template_inducing_reviews_is_refused(aliyun_shop, agent, django_capture_on_commit_callbacks):
    SmsTemplate.objects.filter(code="contact").update(text="亲，{shop_name}好评返券，欢迎再次光临~")
    case = assigned_case(aliyun_shop["shop"], agent)
    with pytest.raises(ValidationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        send(case, agent)
    assert refusal.value.code == "sms_compliance_blocked"
    assert "好评返券" in refusal.value.messages[0]
    _nothing_sent(case, aliyun_shop["gateway"])


def test_a_compliance_rule_added_after_queueing_stops_the_send(
    aliyun_shop, agent, django_capture_on_commit_callbacks
):
    from policies.models import ComplianceRule

    case = assigned_case(aliyun_shop["shop"], agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = send(case, agent)
    rule = ComplianceRule.objects.filter(name="利诱好评：好评返现类用语").get()
    rule.pk, rule.name, rule.patterns = None, "测试：不许说私信", "私信"
    rule._state.adding = True
    rule.save()
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == SmsStatus.SKIPPED
    assert message.error_code == "compliance"
    assert aliyun_shop["gateway"].sends == 0


@pytest.fixture
def brand(aliyun):
    client = Client.objects.create(code="brand-a", name="品牌A")
    other = Client.objects.create(code="brand-b", name="品牌B")
    shops = {
        "a1": ShopFactory(code="a1", client=client),
        "a2": ShopFactory(code="a2", client=client),
        "b1": ShopFactory(code="b1", client=other),
    }
    make_account(gateway=aliyun, client=client)
    make_account(shops["b1"], gateway=aliyun)
    make_templates()
    return shops


def test_an_opt_out_covers_every_shop_of_the_client_and_no_other_client(
    brand, aliyun, django_capture_on_commit_callbacks
):
    optout_record(shop=brand["a1"], phone="+86 138-1234-5678")
    agent_a2 = member("agent", brand["a2"])
    case = assigned_case(brand["a2"], agent_a2)
    with pytest.raises(ValidationError) as refusal, django_capture_on_commit_callbacks(execute=True):
        send(case, agent_a2)
    assert refusal.value.code == "sms_opted_out"
    _nothing_sent(case, aliyun)

    agent_b1 = member("agent", brand["b1"])
    other = assigned_case(brand["b1"], agent_b1)
    with django_capture_on_commit_callbacks(execute=True):
        message = send(other, agent_b1)
    message.refresh_from_db()
    assert message.status == SmsStatus.ACCEPTED
    assert aliyun.sends == 1


def test_a_reply_t_opts_out_and_other_replies_do_not(brand):
    assert optout_from_reply(shop=brand["a1"], phone=PHONE, text="好的谢谢") is None
    assert OptOut.objects.count() == 0
    optout = optout_from_reply(shop=brand["a1"], phone=PHONE, text=" T ")
    assert (optout.client.code, optout.source, optout.phone_masked) == ("brand-a", "reply", "138****5678")
    assert PHONE not in str(OptOut.objects.values().get())
    assert optout_from_reply(shop=brand["a2"], phone=PHONE, text="退订").pk == optout.pk  # once per client
