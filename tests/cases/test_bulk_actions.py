"""A supervisor's bulk actions on queue rows (``cases.web.bulk_actions``): assign, reassign and close with
a reason, every row through the service one case would take (``case_reassign``, ``case_close``), each
row's result shown (done / refused and why). Another shop's case id in the POST is refused for that row
only and left as it was; bad input is a message and changes nothing."""

import pytest
from django.urls import reverse

from cases.choices import CaseStatus
from cases.hooks import certification_checks
from cases.models import Assignment, Case, CaseEvent
from tests.cases.routing_support import make_case

pytestmark = pytest.mark.django_db
URL = "cases:bulk_action"


@pytest.fixture(autouse=True)
def no_certification_checks(monkeypatch):
    monkeypatch.setattr(certification_checks, "_items", [])


@pytest.fixture
def boss(make_user, shop):
    return make_user("supervisor", shops=[shop], display_name="周主管")


@pytest.fixture
def zhang(make_user, shop):
    return make_user("agent", shops=[shop], display_name="张三", max_open_cases=30)


@pytest.fixture
def li(make_user, shop):
    return make_user("agent", shops=[shop], display_name="李四", max_open_cases=30)


def _rows(response) -> dict[str, tuple[bool, str]]:
    """case id → (done, message) from the result page."""
    return {row.case_id: (row.done, row.message) for row in response.context["results"]}


def _state(*cases) -> list[tuple]:
    return [
        (c.pk, c.status, c.assignee_id, c.version)
        for c in Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("pk")
    ]


def test_assign_gives_each_unassigned_case_and_reports_every_row(client, shop, other_shop, boss, zhang, li):
    first, second = make_case(shop), make_case(shop)
    taken = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=li)
    foreign = make_case(other_shop)
    before = _state(taken, foreign)
    client.force_login(boss)
    ids = [first.pk, second.pk, taken.pk, foreign.pk, "abc", "-1"]
    response = client.post(
        reverse(URL), {"action": "assign", "cases": ids, "user": zhang.pk, "reason": "这批给张三"}
    )
    assert response.status_code == 200
    rows = _rows(response)
    assert rows[str(first.pk)] == (True, "已分配给 张三。") and rows[str(second.pk)][0]
    assert rows[str(taken.pk)] == (False, "已有处理人：请用“改派”。")
    assert rows[str(foreign.pk)] == (False, "案件不存在或你无权处理。")
    assert rows["abc"] == (False, "不是有效的案件编号。") and rows["-1"][0] is False
    assert "2 个完成，4 个未执行" in response.content.decode()
    assert {c.assignee_id for c in Case.objects.filter(pk__in=[first.pk, second.pk])} == {zhang.pk}
    assert _state(taken, foreign) == before
    assert Assignment.objects.filter(case_id__in=[taken.pk, foreign.pk]).count() == 0


def test_reassign_moves_assigned_cases_and_refuses_the_unassigned(client, shop, boss, zhang, li):
    mine = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=li)
    already = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=zhang)
    waiting = make_case(shop)
    before = _state(already, waiting)
    client.force_login(boss)
    response = client.post(
        reverse(URL), {"action": "reassign", "cases": [mine.pk, already.pk, waiting.pk], "user": zhang.pk}
    )
    rows = _rows(response)
    assert rows[str(mine.pk)] == (True, "已分配给 张三。")
    assert rows[str(already.pk)] == (False, "已经由 张三 处理。")
    assert rows[str(waiting.pk)] == (False, "还没有处理人：请用“分配”。")
    mine.refresh_from_db()
    assert mine.assignee == zhang and _state(already, waiting) == before


def test_close_with_a_reason_closes_through_the_workflow(client, shop, other_shop, boss, li):
    open_case = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=li)
    fresh = make_case(shop)
    foreign = make_case(other_shop, status=CaseStatus.IN_PROGRESS)
    before = _state(foreign)
    client.force_login(boss)
    response = client.post(
        reverse(URL), {"action": "close", "cases": [open_case.pk, fresh.pk, foreign.pk], "reason": "重复评价"}
    )
    rows = _rows(response)
    assert rows[str(open_case.pk)] == (True, "已关闭。") and rows[str(fresh.pk)] == (True, "已关闭。")
    assert rows[str(foreign.pk)] == (False, "案件不存在或你无权处理。")
    assert set(Case.objects.filter(pk__in=[open_case.pk, fresh.pk]).values_list("status", flat=True)) == {
        CaseStatus.CLOSED
    }
    close_event = CaseEvent.objects.filter(case=open_case, action="close").get()
    assert close_event.actor == boss and close_event.payload["note"] == "重复评价"
    assert _state(foreign) == before


def test_a_closed_case_is_refused_by_the_transition_table(client, shop, boss):
    done = make_case(shop, status=CaseStatus.CLOSED)
    before = _state(done)
    client.force_login(boss)
    rows = _rows(client.post(reverse(URL), {"action": "close", "cases": [done.pk], "reason": "x"}))
    assert rows[str(done.pk)][0] is False and rows[str(done.pk)][1]
    assert _state(done) == before


def test_a_row_changed_since_the_page_was_shown_is_refused(client, shop, boss, zhang, li):
    case = make_case(shop, status=CaseStatus.IN_PROGRESS, assignee=li)
    shown = case.version
    Case.objects.filter(pk=case.pk).update(version=shown + 1)
    before = _state(case)
    client.force_login(boss)
    for action, extra in (("reassign", {"user": zhang.pk}), ("close", {"reason": "x"})):
        body = {"action": action, "cases": [case.pk], f"v-{case.pk}": shown, **extra}
        rows = _rows(client.post(reverse(URL), body))
        assert rows[str(case.pk)][0] is False and "刚被其他人更新" in rows[str(case.pk)][1]
    assert _state(case) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "close", "reason": "  "}, "批量关闭必须填写原因。"),
        ({"action": "assign"}, "请选择分配给谁。"),
        ({"action": "reassign", "user": "99999999999999999999"}, "请选择分配给谁。"),
        ({"action": "drop_table"}, "选择一个有效的选项"),
        ({"action": "assign", "user": "999999"}, "没有这个用户。"),
    ],
)
def test_bad_input_is_a_message_and_changes_nothing(client, shop, boss, body, message):
    case = make_case(shop, status=CaseStatus.IN_PROGRESS)
    before = _state(case)
    client.force_login(boss)
    response = client.post(reverse(URL), {"cases": [case.pk], **body})
    assert response.status_code == 200 and message in response.content.decode()
    assert _state(case) == before and not CaseEvent.objects.filter(case=case).exists()


def test_nothing_selected_is_a_message(client, boss):
    client.force_login(boss)
    response = client.post(reverse(URL), {"action": "close", "reason": "x"})
    assert "请勾选要处理的案件。" in response.content.decode()


def test_an_agent_has_no_bulk_actions(client, shop, zhang):
    case = make_case(shop)
    before = _state(case)
    client.force_login(zhang)
    assert (
        client.post(reverse(URL), {"action": "close", "cases": [case.pk], "reason": "x"}).status_code == 404
    )
    assert 'id="bulk-actions"' not in client.get(reverse("cases:queue_shop")).content.decode()
    assert _state(case) == before


def test_the_supervisors_queues_carry_a_checkbox_per_row_and_the_bar(client, shop, boss, zhang):
    cases = [make_case(shop) for _ in range(3)]
    client.force_login(boss)
    for name in ("cases:queue_shop", "cases:queue_all"):
        html = client.get(reverse(name)).content.decode()
        assert 'id="bulk-actions"' in html and "张三" in html
        for case in cases:
            assert f'name="cases" value="{case.pk}" form="bulk-actions"' in html
            assert f'name="v-{case.pk}" value="{case.version}"' in html
    assert 'name="cases"' not in client.get(reverse("cases:queue")).content.decode()  # his own queue


def test_the_queue_with_the_bar_stays_within_its_query_budget(
    client, shop, boss, django_assert_max_num_queries
):
    for _ in range(5):
        make_case(shop)
    client.force_login(boss)
    client.get(reverse("cases:queue_all"))
    with django_assert_max_num_queries(11):
        assert client.get(reverse("cases:queue_all")).status_code == 200
