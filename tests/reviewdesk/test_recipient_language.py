"""Each person reads their own language: the language switch stores the choice on the user, their pages
follow it after the next login (in another browser too), and everything written for them — the bell,
mails, robots' group posts — is rendered in the recipient's language, not in the language of whoever
caused the event. The same event reaches an English and a Chinese reader, each in their own words."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from cases.alerts import alert_new_cases_now
from cases.models import Delivery, Notification, NotificationChannel
from cases.notifications.choices import ChannelKind, NotificationKind
from cases.routing.assign import case_reassign
from cases.workflow.compose import offer_options
from cases.workflow.services import case_act
from reviewdesk.language import group_by_language
from reviewdesk.models import User
from tests.cases.routing_support import make_case
from tests.cases.workflow_factories import NOW, member, put_in_state, triaged_case
from tests.insights.dataset import built_world
from tests.training.conftest import give_score

pytestmark = pytest.mark.django_db
PASSWORD = "Rd-language-2026!"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The insights tests' hand-made world (tests/insights/dataset.py), once for this module."""
    with built_world(django_db_blocker) as built:
        yield built


@pytest.fixture
def readers(make_user, shop):
    """Two supervisors of the shop: one reads English, one Chinese (the other never chose)."""
    return {
        "en": make_user(
            "supervisor", shops=[shop], display_name="Emma", email="emma@example.com", language="en"
        ),
        "zh": make_user("supervisor", shops=[shop], display_name="周主管", email="zhou@example.com"),
    }


def note_of(user, **filters):
    return Notification.objects.get(user=user, **filters)


# --- the stored choice ----------------------------------------------------------------------------------


def test_the_switch_stores_the_choice_and_the_next_login_elsewhere_follows_it(make_user, shop):
    person = make_user("agent", shops=[shop], username="lin")
    person.set_password(PASSWORD)
    person.save()
    browser = Client()
    browser.force_login(person)
    response = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "en"

    other_browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")  # another machine, a Chinese browser
    assert 'lang="zh-hans"' in other_browser.get("/accounts/login/").content.decode()
    response = other_browser.post("/accounts/login/", {"username": "lin", "password": PASSWORD}, follow=True)
    page = response.content.decode()
    assert 'lang="en"' in page and ">Home<" in page
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en" or (
        other_browser.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    )


def test_someone_who_never_chose_keeps_the_browsers_language(make_user, shop):
    person = make_user("agent", shops=[shop])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(person)
    assert 'lang="en"' in browser.get("/").content.decode()
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(person)
    assert 'lang="zh-hans"' in browser.get("/").content.decode()
    person.refresh_from_db()
    assert person.language == ""


def test_an_unknown_language_changes_nothing(make_user, shop):
    person = make_user("agent", shops=[shop], language="en")
    browser = Client()
    browser.force_login(person)
    response = browser.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "en"
    assert browser.get("/i18n/setlang/?language=zh-hans").status_code == 302  # a GET changes nothing
    person.refresh_from_db()
    assert person.language == "en"


def test_the_admin_user_form_edits_the_language(make_user, shop):
    boss = make_user(None, shops=[shop], is_staff=True, is_superuser=True)
    person = make_user("agent", shops=[shop], username="wang")
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(boss)
    page = browser.get(f"/admin/reviewdesk/user/{person.pk}/change/").content.decode()
    assert 'name="language"' in page and "收到的通知使用的语言" in page


def test_group_by_language_reads_every_language_in_one_query(make_user, shop, django_assert_num_queries):
    people = [make_user("agent", shops=[shop], language=code) for code in ("en", "", "zh-hans", "en")]
    with django_assert_num_queries(1):
        groups = group_by_language(p.pk for p in people)
    assert groups == {"zh-hans": [people[1].pk, people[2].pk], "en": [people[0].pk, people[3].pk]}


# --- the same event, two readers ------------------------------------------------------------------------


def test_a_new_case_reaches_each_supervisor_in_their_language_whoever_caused_it(shop, readers):
    NotificationChannel.objects.create(shop=shop, kind=ChannelKind.EMAIL, name="邮件", on_new_case=True)
    case = make_case(shop)
    with translation.override("en"):  # the import was run by someone reading English
        assert alert_new_cases_now(case_ids=[case.pk]) == (2, 2)

    english = note_of(readers["en"], kind=NotificationKind.NEW_CASE)
    chinese = note_of(readers["zh"], kind=NotificationKind.NEW_CASE)
    assert english.title == f"[New negative review] 淘宝旗舰店 · case #{case.pk}"
    assert english.body.splitlines()[:2] == ["Issue type: Unclassified", "Rating: 1/5"]
    assert chinese.title == f"【新中差评】淘宝旗舰店 · 案件 #{case.pk}"
    assert chinese.body.splitlines()[:2] == ["问题类型：未分类", "评分：1/5"]

    # A mail per language, each to its readers; the site's language keeps the alert's key.
    mails = {d.dedupe_key: d for d in Delivery.objects.all()}
    assert set(mails) == {f"new_case:{case.pk}", f"new_case:{case.pk}:en"}
    assert mails[f"new_case:{case.pk}"].recipients == ["zhou@example.com"]
    assert mails[f"new_case:{case.pk}"].message["title"].startswith("【新中差评】")
    assert mails[f"new_case:{case.pk}:en"].recipients == ["emma@example.com"]
    assert mails[f"new_case:{case.pk}:en"].message["title"].startswith("[New negative review]")
    assert alert_new_cases_now(case_ids=[case.pk]) == (0, 0)  # still idempotent


def test_policy_names_and_clock_names_are_in_the_readers_language(shop, readers):
    """The issue type's English name (where the pack has one) and the SLA clock's name, both in the
    sweep's message to each reader: the sweep runs in the site's language and decides nothing here."""
    from cases.sla.sweep import sla_sweep
    from policies.models import IssueType
    from tests.cases.routing_support import T0, sla_fields

    quality = IssueType.objects.create(code="quality-x", name="质量问题", name_en="Product quality")
    case = make_case(
        shop, issue_type=quality, escalation_role="supervisor", **sla_fields(start=T0, minutes=60)
    )
    sla_sweep(now=T0 + 5 * 60 * dt.timedelta(minutes=1))
    english = note_of(readers["en"], kind=NotificationKind.SLA_BREACH)
    chinese = note_of(readers["zh"], kind=NotificationKind.SLA_BREACH)
    assert english.body.startswith("First response was due at ")
    assert chinese.body.startswith("首次响应已于 ")
    alert_new_cases_now(case_ids=[case.pk])
    assert "Issue type: Product quality" in note_of(readers["en"], kind=NotificationKind.NEW_CASE).body
    assert "问题类型：质量问题" in note_of(readers["zh"], kind=NotificationKind.NEW_CASE).body


def test_a_robots_group_post_is_in_the_sites_language(shop, readers):
    NotificationChannel.objects.create(
        shop=shop, kind=ChannelKind.FEISHU, name="飞书群", webhook_url="http://127.0.0.1:9/hook"
    )
    case = make_case(shop)
    with translation.override("en"):
        alert_new_cases_now(case_ids=[case.pk])
    (post,) = Delivery.objects.all()
    assert post.dedupe_key == f"new_case:{case.pk}"
    assert post.message["title"] == f"【新中差评】淘宝旗舰店 · 案件 #{case.pk}"


def test_an_assignment_is_told_in_the_assignees_language(shop, make_user):
    boss = make_user(
        "supervisor", shops=[shop], display_name="周主管", language="en"
    )  # the actor reads English
    agent = make_user("agent", shops=[shop], display_name="李娜")
    english_agent = make_user("agent", shops=[shop], display_name="Ann", language="en")
    first, second = make_case(shop), make_case(shop)
    with translation.override("en"):
        case_reassign(case=first, user=agent, by=boss, reason="值班", override=True)
        case_reassign(case=second, user=english_agent, by=boss, reason="on duty", override=True)
    assert note_of(agent, case=first).title == f"【新分配】淘宝旗舰店 · 案件 #{first.pk} 已分配给你"
    assert (
        note_of(english_agent, case=second).title == f"[Assigned] 淘宝旗舰店 · case #{second.pk} is now yours"
    )


@pytest.mark.usefixtures("seeded")
def test_an_approval_request_and_its_answer_carry_the_engines_reason_in_each_readers_language(
    shop, django_capture_on_commit_callbacks
):
    agent = member("agent", shop)
    agent.language = "en"
    agent.save(update_fields=["language"])
    chinese, english = member("supervisor", shop), member("supervisor", shop)
    english.language = "en"
    english.save(update_fields=["language"])
    case = put_in_state(triaged_case(shop, amount="599.00"), "verified", agent=agent)
    option = {o.name: o for o in offer_options(case)}["全额退款，商品无需退回"]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        case_act(
            case_id=case.pk,
            action="offer",
            by=agent,
            version=3,
            data={"option_id": option.option_id},
            now=NOW,
        )

    asked_zh = note_of(chinese, kind="approval_requested")
    asked_en = note_of(english, kind="approval_requested")
    assert asked_zh.title == f"【待审批】{shop.name} · 案件 #{case.pk} 的补偿方案"
    assert "方案：全额退款，商品无需退回，成本599.00元" in asked_zh.body
    assert "成本599.00元超过上限300.00元" in asked_zh.body  # the engine's reason, in Chinese
    assert asked_en.title == f"[Approval needed] {shop.name} · compensation for case #{case.pk}"
    assert "Option: 全额退款，商品无需退回, cost 599.00 CNY" in asked_en.body
    assert "Cost 599.00 CNY exceeds the cap of 300.00 CNY" in asked_en.body  # the same reason, in English
    assert "超过上限" not in asked_en.body

    with django_capture_on_commit_callbacks(execute=True):  # the Chinese supervisor rejects, in Chinese
        case_act(case_id=case.pk, action="reject", by=chinese, version=4, data={"note": "先试补发"}, now=NOW)
    told = note_of(agent, kind="approval_decided")
    assert told.title == f"[Approval result] {shop.name} · case #{case.pk}: Rejected"
    assert "Note: 先试补发" in told.body


def test_a_lapse_tells_each_supervisor_in_their_language(
    make_user,
    shop,
    django_capture_on_commit_callbacks,
):
    from training.models import TrainingModule
    from training.services import certification_sweep

    product_knowledge = TrainingModule.objects.get(code="product_knowledge")

    agent = make_user("agent", shops=[shop], display_name="刘洋")
    chinese = make_user("supervisor", shops=[shop])
    english = make_user("supervisor", shops=[shop], language="en")
    give_score(agent, product_knowledge, "2026-07", 98)  # valid until 2026-10-29
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        certification_sweep(on=dt.date(2026, 11, 23))
    assert note_of(chinese).title == "【认证失效】刘洋：产品知识"
    assert note_of(chinese).body.endswith("该员工不再被分配需要此认证的新案件。")
    assert note_of(english).title == "[Certification lapsed] 刘洋: 产品知识"
    assert note_of(english).body.endswith("This employee gets no new cases that need this certification.")


def test_a_withheld_award_tells_each_manager_in_their_language(
    make_user, shop, django_capture_on_commit_callbacks
):
    from incentives.receivers import on_case_event
    from tests.incentives.test_awards import conversion_payload

    agent = make_user("agent", shops=[shop], display_name="王小丽", employee_code="A001")
    chinese = make_user("manager", shops=[shop], employee_code="M001")
    english = make_user("manager", shops=[shop], employee_code="M002", language="en")
    payload = conversion_payload(agent, shop, compliance_violations=["私信中出现“好评返现”"])
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        on_case_event(event="conversion_candidate", case_id=42, payload=payload)
    assert note_of(chinese).title == "【奖励未发放】王小丽：案件 #42"
    assert note_of(english).title == "[Award withheld] 王小丽: case #42"
    # The reason is stored language-neutral (reviewdesk.i18n_text): each reads it in their language.
    assert note_of(chinese).body == "案件记录了合规违规：私信中出现“好评返现”。该转化不予奖励。"
    assert note_of(english).body.startswith("The case has recorded compliance violations: ")


def test_every_reader_of_a_message_to_many_gets_it_once(shop, make_user, django_assert_max_num_queries):
    people = [make_user("supervisor", shops=[shop], language="en" if n % 2 else "") for n in range(6)]
    case = make_case(shop)
    with django_assert_max_num_queries(12):
        alert_new_cases_now(case_ids=[case.pk])
    titles = dict(Notification.objects.values_list("user_id", "title"))
    assert {titles[p.pk][:1] for p in people if p.language == "en"} == {"["}
    assert {titles[p.pk][:1] for p in people if p.language == ""} == {"【"}
    assert User.objects.filter(language="en").count() == 3


# --- reports to many (kept last: the insights world is one module-wide transaction) ----------------------


def test_the_weekly_report_and_the_morning_notice_reach_each_reader_in_their_language(world):
    from insights.choices import DAILY_UNRESOLVED_KIND, WEEKLY_REPORT_KIND
    from insights.models import ReportRecipient
    from insights.periods import parse_week
    from insights.services.reports import daily_unresolved_notify, weekly_report_run
    from tests.factories import UserFactory
    from tests.insights.dataset import NOW

    mail = NotificationChannel.objects.create(shop=world.shop_a, kind=ChannelKind.EMAIL, name="邮件")
    english = UserFactory(username="buyer-en", email="buyer@example.com", language="en")
    chinese = UserFactory(username="buyer-zh", email="caigou@example.com")
    for person in (english, chinese):
        ReportRecipient.objects.create(
            purpose="purchasing", user=person, shop=world.shop_a, channel=mail, daily_unresolved=True
        )
    with translation.override("en"):  # whoever runs the schedule does not choose the readers' language
        weekly_report_run(week=parse_week("2026-W47"), now=NOW)
    assert (
        note_of(english, kind=WEEKLY_REPORT_KIND).title
        == "[Weekly top 3 negative reviews] 2026-W47 · 淘宝旗舰店"
    )
    assert note_of(english, kind=WEEKLY_REPORT_KIND).body.startswith("9 negative reviews this week")
    assert note_of(chinese, kind=WEEKLY_REPORT_KIND).title == "【差评TOP3周报】2026-W47 · 淘宝旗舰店"
    assert note_of(chinese, kind=WEEKLY_REPORT_KIND).body.startswith("本周中差评 9 条")
    mails = {d.recipients[0]: d.message["title"] for d in Delivery.objects.filter(kind=WEEKLY_REPORT_KIND)}
    assert mails == {
        "buyer@example.com": "[Weekly top 3 negative reviews] 2026-W47 · 淘宝旗舰店",
        "caigou@example.com": "【差评TOP3周报】2026-W47 · 淘宝旗舰店",
    }

    world.agent1.language = "en"
    world.agent1.save(update_fields=["language"])
    daily_unresolved_notify(now=NOW)
    case = world.cases["c4"].pk
    owner = note_of(world.agent1, kind=DAILY_UNRESOLVED_KIND)
    assert owner.title == "[Overdue] You have 1 cases past their resolution deadline"
    assert owner.body.startswith(f"#{case} 淘宝旗舰店 产品质量 50.0 h overdue")
    supervisor = note_of(world.supervisor_a, kind=DAILY_UNRESOLVED_KIND)
    assert supervisor.title == "【超时未解决】淘宝旗舰店 有 1 个案件超过解决时限"
    assert supervisor.body == f"王一：#{case} 淘宝旗舰店 产品质量 超时 50.0 小时"
    assert note_of(english, kind=DAILY_UNRESOLVED_KIND).title == (
        "[Overdue] 淘宝旗舰店 has 1 cases past their resolution deadline"
    )
