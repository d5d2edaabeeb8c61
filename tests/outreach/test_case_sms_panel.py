"""The agent's "发送短信" on the case page: the side panel (shown when the shop has an SMS account, to who
may act on the case) and its POST, which goes through ``sms_send_to_buyer``; refusals change nothing."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, ContactAttempt
from outreach.choices import SmsStatus
from outreach.models import SmsMessage
from tests.cases.workflow_factories import member, put_in_state, triaged_case
from tests.outreach.conftest import CONTACT_TEXT, NOON

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("q_sync", "policy_pack")]

PHONE = "13812345678"
LATE = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)  # 23:00 in Shanghai: quiet hours


@pytest.fixture
def clock(monkeypatch):
    """Set the time the view sends at (the service reads ``timezone.now()``)."""

    def set_to(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    set_to(NOON)
    return set_to


@pytest.fixture
def agent(shop):
    return member("agent", shop)


@pytest.fixture
def case(shop, agent):
    return put_in_state(triaged_case(shop, phone=PHONE), "assigned", agent=agent)


def page(client, case):
    response = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert response.status_code == 200
    return response.content.decode()


def panel(client, case):
    """The case page's loader, then the fragment it loads (the panel, or an empty answer)."""
    html = page(client, case)
    url = reverse("outreach:case_sms_panel", kwargs={"case_id": case.pk})
    assert f'hx-get="{url}"' in html
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def post(client, case, **data):
    body = {"version": case.version, "template": "contact", **data}
    return client.post(reverse("outreach:case_sms", kwargs={"case_id": case.pk}), body)


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def nothing_sent(case, gateway, version):
    assert SmsMessage.objects.count() == 0
    assert ContactAttempt.objects.filter(case=case).count() == 0
    assert gateway.sends == 0
    case.refresh_from_db()
    assert case.version == version


def test_the_panel_offers_the_contact_and_care_templates_without_the_phone(client, aliyun_shop, agent, case):
    client.force_login(agent)
    html = panel(client, case)
    assert 'data-testid="sms-panel"' in html
    assert "短信联系买家" in html
    assert 'value="contact"' in html and 'value="care"' in html
    assert 'value="alert"' not in html  # the supervisor's alert is no buyer template
    assert CONTACT_TEXT in html  # the preview
    assert f'name="version" value="{case.version}"' in html
    assert PHONE not in html


def test_no_panel_without_an_sms_account(client, shop, agent, case):
    client.force_login(agent)
    assert panel(client, case).strip() == ""


def test_no_panel_when_the_account_is_inactive(client, aliyun_shop, agent, case):
    aliyun_shop["account"].active = False
    aliyun_shop["account"].save()
    client.force_login(agent)
    assert panel(client, case).strip() == ""


def test_a_client_viewer_gets_no_panel_and_cannot_send(client, aliyun_shop, make_user, shop, case, clock):
    viewer = make_user("client_viewer", shops=[shop])
    client.force_login(viewer)
    assert "case_sms" not in page(client, case) and "sms/panel" not in page(client, case)
    assert client.get(reverse("outreach:case_sms_panel", kwargs={"case_id": case.pk})).status_code == 404
    version = case.version
    assert post(client, case).status_code == 404
    nothing_sent(case, aliyun_shop["gateway"], version)


def test_the_agent_sends_one_sms_recorded_on_the_timeline(
    client, aliyun_shop, agent, case, clock, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", kwargs={"pk": case.pk})
    assert flashed(response) == ["短信已提交发送"]
    message = SmsMessage.objects.get()
    assert (message.case_id, message.status) == (case.pk, SmsStatus.ACCEPTED)
    assert aliyun_shop["gateway"].sends == 1
    assert aliyun_shop["gateway"].records[0]["phone"] == PHONE
    contact = ContactAttempt.objects.get(case=case)
    assert (contact.channel, contact.by) == ("sms", agent)
    event = CaseEvent.objects.get(case=case, action="record_contact")
    assert event.payload["text"] == message.text
    assert "138****5678" in event.payload["note"]


def test_quiet_hours_refuse_with_the_message_and_change_nothing(
    client, aliyun_shop, agent, case, clock, django_capture_on_commit_callbacks
):
    clock(LATE)
    version = case.version
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", kwargs={"pk": case.pk})
    [text] = flashed(response)
    assert "免打扰" in text
    nothing_sent(case, aliyun_shop["gateway"], version)


def test_an_opted_out_number_is_refused_and_nothing_changes(
    client, aliyun_shop, agent, case, clock, django_capture_on_commit_callbacks
):
    from outreach.services.optouts import optout_record

    assert optout_record(shop=aliyun_shop["shop"], phone=PHONE) is not None
    version = case.version
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case)
    [text] = flashed(response)
    assert "退订" in text
    nothing_sent(case, aliyun_shop["gateway"], version)


def test_a_stale_version_is_refused_with_the_case_pages_message(
    client, aliyun_shop, agent, case, clock, django_capture_on_commit_callbacks
):
    version = case.version
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case, version=version - 1)
    assert flashed(response) == ["案件刚被其他人更新，你的操作没有执行。下面是最新的案件，请确认后再操作。"]
    nothing_sent(case, aliyun_shop["gateway"], version)


def test_another_shops_case_is_404_and_nothing_is_sent(
    client, aliyun_shop, other_shop, case, clock, django_capture_on_commit_callbacks
):
    stranger = member("agent", other_shop)
    version = case.version
    client.force_login(stranger)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, case)
    assert response.status_code == 404
    nothing_sent(case, aliyun_shop["gateway"], version)
    assert client.get(reverse("outreach:case_sms_panel", kwargs={"case_id": case.pk})).status_code == 404


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"version": "x"}, "页面缺少案件版本"),
        ({"template": ""}, "请选择短信模板"),
        ({"template": "nope"}, "没有可用的短信模板"),
    ],
)
def test_bad_input_is_a_chinese_message_not_an_error(client, aliyun_shop, agent, case, clock, data, expected):
    version = case.version
    client.force_login(agent)
    response = post(client, case, **data)
    assert response.status_code == 302
    [text] = flashed(response)
    assert expected in text
    nothing_sent(case, aliyun_shop["gateway"], version)


def test_get_is_not_allowed(client, aliyun_shop, agent, case):
    client.force_login(agent)
    assert client.get(reverse("outreach:case_sms", kwargs={"case_id": case.pk})).status_code == 405


def test_the_case_page_with_the_panel_stays_within_its_query_budget(
    client, aliyun_shop, agent, case, django_assert_max_num_queries
):
    """The case page pays nothing for the panel (a loader); the fragment reads what it shows in one query
    beyond the request's own (session, user, shops, the case)."""
    client.force_login(agent)
    page(client, case)  # warm the per-process caches (policies), as the page's own budget test does
    with django_assert_max_num_queries(15):
        html = page(client, case)
    assert "sms/panel" in html
    url = reverse("outreach:case_sms_panel", kwargs={"case_id": case.pk})
    client.get(url)
    with django_assert_max_num_queries(5):
        assert 'data-testid="sms-panel"' in client.get(url).content.decode()
