"""The follow-up plan's SMS steps: sent by the sweep when due (the care SMS three days after resolution),
waiting through quiet hours, skipped with a reason when they may never go, left manual without an account."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseEvent, FollowUpTask
from outreach.choices import SmsPurpose, SmsStatus
from outreach.models import SmsMessage, SmsTemplate
from outreach.services.buyer import followups_sms_due
from outreach.services.optouts import optout_record
from policies.models import ReplyTemplate
from tests.cases.workflow_factories import member, put_in_state, triaged_case
from tests.outreach.conftest import NOON

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]

CARE = "亲，感谢您对{shop_name}的支持！{issue}已经为您处理好，有任何问题随时联系我们~"


@pytest.fixture
def care_step(aliyun_shop):
    reply = ReplyTemplate.objects.filter(name="3天关怀短信", shop__isnull=True).get()
    SmsTemplate.objects.create(
        code="care_3d",
        name="3天关怀短信",
        purpose=SmsPurpose.CARE,
        provider="aliyun",
        template_code="SMS_300",
        text=CARE,
        reply_template=reply,
    )
    agent = member("agent", aliyun_shop["shop"])
    case = put_in_state(triaged_case(aliyun_shop["shop"]), "resolved", agent=agent)
    task = FollowUpTask.objects.create(
        case=case,
        step_ref=1,
        name="3天关怀短信 + 专属优惠券",
        channel="sms",
        template_ref={"model": "replytemplate", "id": reply.pk, "version": reply.version, "name": reply.name},
        due_at=NOON - dt.timedelta(minutes=1),
    )
    return task


def test_a_due_care_sms_is_sent_and_the_task_done(care_step, aliyun_shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert followups_sms_due(now=NOON)["sent"] == 1
    message = SmsMessage.objects.get()
    assert (message.status, message.purpose, message.template.code) == (SmsStatus.ACCEPTED, "care", "care_3d")
    assert message.text.startswith("亲，感谢您对淘宝旗舰店的支持！")
    care_step.refresh_from_db()
    assert care_step.done_at == NOON
    event = CaseEvent.objects.get(case=care_step.case, action="follow_up_done")
    assert (event.actor, event.payload["sms_id"]) == (None, message.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert followups_sms_due(now=NOON + dt.timedelta(minutes=5))["sent"] == 0
    assert aliyun_shop["gateway"].sends == 1


def test_a_step_not_yet_due_waits(care_step, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        followups_sms_due(now=NOON - dt.timedelta(minutes=2))
    assert SmsMessage.objects.count() == 0


def test_quiet_hours_keep_the_task_for_later(care_step, aliyun_shop, django_capture_on_commit_callbacks):
    late = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # 23:00 in Shanghai
    with django_capture_on_commit_callbacks(execute=True):
        assert followups_sms_due(now=late)["waiting"] == 1
    care_step.refresh_from_db()
    assert (care_step.done_at, care_step.skipped_reason) == (None, "")
    assert SmsMessage.objects.count() == 0


def test_an_opted_out_buyer_gets_nothing_and_the_task_says_why(
    care_step, aliyun_shop, django_capture_on_commit_callbacks
):
    optout_record(shop=aliyun_shop["shop"], phone="13812345678")
    with django_capture_on_commit_callbacks(execute=True):
        assert followups_sms_due(now=NOON)["skipped"] == 1
    care_step.refresh_from_db()
    assert care_step.skipped_reason == "该号码已退订短信，本品牌方的所有店铺都不再发送。"
    assert SmsMessage.objects.count() == 0
    assert aliyun_shop["gateway"].sends == 0
    assert CaseEvent.objects.filter(case=care_step.case, action="follow_up_skipped").count() == 1


def test_a_coupon_tied_to_a_review_is_refused(care_step, aliyun_shop, django_capture_on_commit_callbacks):
    SmsTemplate.objects.filter(code="care_3d").update(text="亲，{shop_name}好评返券，欢迎再次光临~")
    with django_capture_on_commit_callbacks(execute=True):
        assert followups_sms_due(now=NOON)["skipped"] == 1
    care_step.refresh_from_db()
    assert "好评返券" in care_step.skipped_reason
    assert aliyun_shop["gateway"].sends == 0


def test_a_shop_without_an_account_keeps_the_manual_task(
    care_step, aliyun_shop, django_capture_on_commit_callbacks
):
    aliyun_shop["account"].active = False
    aliyun_shop["account"].save()
    with django_capture_on_commit_callbacks(execute=True):
        followups_sms_due(now=NOON)
    care_step.refresh_from_db()
    assert (care_step.done_at, care_step.skipped_reason) == (None, "")
    assert SmsMessage.objects.count() == 0


def test_a_survey_step_by_sms_sends_the_signed_link(aliyun_shop, django_capture_on_commit_callbacks):
    pytest.importorskip("training.surveys.links")  # helper B's survey links (issue #21, part 2)
    reply = ReplyTemplate.objects.filter(stage="survey", shop__isnull=True).order_by("pk").first()
    SmsTemplate.objects.create(
        code="survey",
        name="满意度调查",
        purpose=SmsPurpose.SURVEY,
        provider="aliyun",
        template_code="SMS_400",
        text="亲，您对本次售后处理满意吗？请点 {survey_url} 打1-5分~",
    )
    agent = member("agent", aliyun_shop["shop"])
    case = put_in_state(triaged_case(aliyun_shop["shop"]), "resolved", agent=agent)
    FollowUpTask.objects.create(
        case=case,
        step_ref=2,
        name="满意度调查(1–5分)",
        channel="sms",
        template_ref={"model": "replytemplate", "id": reply.pk, "version": reply.version, "name": reply.name},
        due_at=NOON - dt.timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = followups_sms_due(now=NOON)
    assert outcome["sent"] == 1, (outcome, FollowUpTask.objects.values_list("skipped_reason", flat=True)[:])
    message = SmsMessage.objects.get()
    url = message.params["survey_url"]
    assert "/s/" in url and url in message.text
    assert message.purpose == SmsPurpose.SURVEY
    assert aliyun_shop["gateway"].records[0]["params"] == {"survey_url": url}


def test_words_around_the_survey_link_are_still_checked(aliyun_shop, django_capture_on_commit_callbacks):
    from outreach.services.dispatch import sms_queue

    template = SmsTemplate.objects.create(
        code="survey",
        name="满意度调查",
        purpose=SmsPurpose.SURVEY,
        provider="aliyun",
        template_code="SMS_401",
        text="好评返券！点 {survey_url} 打分",
    )
    with pytest.raises(ValidationError) as refusal:
        sms_queue(
            account=aliyun_shop["account"],
            shop=aliyun_shop["shop"],
            phone="13800138000",
            template=template,
            context={"survey_url": "http://127.0.0.1:8000/s/abc/"},
            purpose=SmsPurpose.SURVEY,
            idempotency_key="s1",
        )
    assert refusal.value.code == "sms_compliance_blocked"
    assert SmsMessage.objects.count() == 0
