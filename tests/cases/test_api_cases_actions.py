"""POST /api/v1/cases/{id}/actions/<action>/: every action's happy path through the API, a whole
journey carrying the version from answer to request, and the refusals (wrong state 400, guard 400,
role 403, stale 409, another shop 404, malformed body 400, every blocking phrase of the default pack),
each checking that nothing changed."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.workflow.table import ACTIONS, transitions_for
from policies import default_pack
from policies.loader import clear_policy_cache
from policies.models import ContactLimit
from tests.cases.api_cases_support import action_url, case_url, session_client, token_client
from tests.cases.workflow_factories import ACTING_ORDER, put_in_state, snapshot, triaged_case, valid_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(shop, make_user):
    return {role: make_user(role, shops=[shop]) for role in ACTING_ORDER}


@pytest.fixture
def open_hours(seeded):
    """The API acts at the real "now": no quiet hours, so contacts pass whatever time the suite runs."""
    ContactLimit.objects.update(quiet_start=dt.time(0, 0), quiet_end=dt.time(0, 0), min_minutes_between=0)
    clear_policy_cache()


def fresh_case(shop, **fields) -> Case:
    """A case triaged by the engine from a review received an hour ago (reply and appeal windows open)."""
    return triaged_case(shop, received_at=timezone.now() - dt.timedelta(hours=1), **fields)


# The first role of this order the row allows acts (a supervisor is the default pack's approver).
API_ACTING_ORDER = ("agent", "supervisor", "legal", "manager")


def first_row(action: str):
    """The action's first row, from "verified" where it may run there (offers need a verification)."""
    row = transitions_for(action)[0]
    return row, "verified" if "verified" in row.from_states else sorted(row.from_states)[0]


# --- happy paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_endpoint_moves_the_case_and_answers_the_new_case(open_hours, shop, people, action):
    row, state = first_row(action)
    case = put_in_state(fresh_case(shop), state, agent=people["agent"])
    actor = people[next(r for r in API_ACTING_ORDER if r in row.roles)]
    if action == "claim":
        Case.objects.filter(pk=case.pk).update(assignee=None)
        case.refresh_from_db()
    body = {"version": 3, **valid_data(action, case, actor)}

    response = session_client(actor).post(action_url(case, action), body, format="json")

    assert response.status_code == 200, response.json()
    answer = response.json()
    expected = row.to_state or state
    assert answer["id"] == case.pk and answer["status"] == expected and answer["version"] == 4
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (expected, 4)
    event = CaseEvent.objects.filter(case=case).latest("pk")
    assert (event.actor_id, event.from_status, event.to_status, event.version) == (
        actor.pk,
        state,
        expected,
        4,
    )
    assert answer["timeline"][-1]["id"] == event.pk
    assert isinstance(answer["allowed_actions"], list)


def test_a_whole_journey_through_the_api_carries_the_version(open_hours, shop, people):
    agent, supervisor = people["agent"], people["supervisor"]
    case = fresh_case(shop)
    options = {o["name"]: o for o in case.decision["compensation"]}
    steps = [
        (agent, "claim", {}),
        (agent, "record_contact", {"channel": "phone", "reached": True}),
        (agent, "verify", {"responsibility": "supplier", "note": "批次问题"}),
        (agent, "offer", {"option_id": options["全额退款，商品无需退回"]["option_id"]}),  # above the cap
        (supervisor, "approve", {"note": "同意"}),
        (agent, "buyer_accepts", {}),
        (agent, "public_reply", {"text": "亲，已为您全额退款，给您添麻烦了。"}),
        (agent, "resolve", {}),
    ]
    version = session_client(agent).get(case_url(case)).json()["version"]
    statuses = []
    for by, action, data in steps:
        response = session_client(by).post(
            action_url(case, action), {"version": version, **data}, format="json"
        )
        assert response.status_code == 200, (action, response.json())
        version = response.json()["version"]
        statuses.append(response.json()["status"])

    assert statuses == [
        "assigned",
        "waiting_buyer",
        "verified",
        "pending_approval",
        "offered",
        "agreed",
        "agreed",
        "resolved",
    ]
    final = session_client(agent).get(case_url(case)).json()
    assert (
        final["offers"][0]["status"] == "accepted"
        and final["offers"][0]["approved_by"]["id"] == supervisor.pk
    )
    assert final["replies"][-1]["text"] == "亲，已为您全额退款，给您添麻烦了。"
    assert [e["action"] for e in final["timeline"]] == [
        "claim",
        "record_contact",
        "verify",
        "request_approval",
        "approve",
        "buyer_accepts",
        "public_reply",
        "resolve",
    ]
    assert final["follow_ups"], "resolving schedules the follow-up plan"


def test_a_token_acts_on_its_shops_cases(open_hours, shop, people):
    case = fresh_case(shop)

    response = token_client(people["agent"], [shop]).post(
        action_url(case, "claim"), {"version": 1}, format="json"
    )

    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).assignee == people["agent"]


# --- refusals: the status, the code, and nothing changed -------------------------------------------


def refused(client, case, action, body, *, status: int, code: str) -> dict:
    before = snapshot(case.pk)
    response = client.post(action_url(case, action), body, format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert snapshot(case.pk) == before
    return response.json()


def test_wrong_state_is_400_and_changes_nothing(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "new", agent=people["agent"])
    body = refused(
        session_client(people["agent"]),
        case,
        "resolve",
        {"version": 3, "note": "x"},
        status=400,
        code="invalid_transition",
    )
    assert body["message"] == "案件当前状态为“新建(未分配)”，不能“解决”。"


def test_a_refusal_speaks_english_to_an_english_user(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "new", agent=people["agent"])
    client = session_client(people["agent"])

    response = client.post(
        action_url(case, "resolve"), {"version": 3}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400 and response.json()["code"] == "invalid_transition"
    assert response.json()["message"].startswith("The case is “") and response.json()["message"].endswith(
        "is not possible."
    )


def test_failed_guard_is_400_offer_before_verification(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    option = case.decision["compensation"][0]["option_id"]
    refused(
        session_client(people["agent"]),
        case,
        "offer",
        {"version": 3, "option_id": option},
        status=400,
        code="not_verified",
    )


def test_a_note_every_row_requires_is_a_field_of_the_body(open_hours, shop, people):
    """mark_malicious always needs a note: the body is refused as the web form refuses it."""
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    body = refused(
        session_client(people["agent"]),
        case,
        "mark_malicious",
        {"version": 3},
        status=400,
        code="invalid",
    )
    assert body["fields"] == {"note": ["请填写说明。"]}


def test_a_note_some_states_require_is_the_services_refusal(open_hours, shop, people):
    """Closing an unresolved case needs a note (a supervisor's); closing a resolved one does not."""
    case = put_in_state(fresh_case(shop), "in_progress", agent=people["agent"])
    refused(
        session_client(people["supervisor"]),
        case,
        "close",
        {"version": 3},
        status=400,
        code="note_required",
    )


def test_role_not_allowed_is_403(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "pending_approval", agent=people["agent"])
    refused(
        session_client(people["agent"]), case, "approve", {"version": 3}, status=403, code="role_not_allowed"
    )


def test_hr_finds_no_case_to_claim(open_hours, shop, make_user):
    hr = make_user("hr", shops=[shop])  # a member of the shop for payouts, no case role
    case = fresh_case(shop)
    refused(session_client(hr), case, "claim", {"version": 1}, status=404, code="not_found")


def test_legal_may_not_resolve(open_hours, shop, people, make_user):
    legal = make_user("legal", shops=[shop])
    case = put_in_state(fresh_case(shop), "verified", agent=people["agent"])
    refused(
        session_client(legal),
        case,
        "resolve",
        {"version": 3, "note": "已处理"},
        status=403,
        code="role_not_allowed",
    )


def test_another_agents_case_is_403(open_hours, shop, people, make_user):
    colleague = make_user("agent", shops=[shop])
    case = put_in_state(fresh_case(shop), "assigned", agent=people["agent"])
    refused(
        session_client(colleague),
        case,
        "record_contact",
        {"version": 3, "channel": "phone", "reached": True},
        status=403,
        code="not_assignee",
    )


def test_stale_version_is_409(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "assigned", agent=people["agent"])
    body = refused(
        session_client(people["agent"]),
        case,
        "record_contact",
        {"version": 2, "channel": "phone", "reached": True},
        status=409,
        code="stale",
    )
    assert "刷新" in body["message"]


def test_two_clients_with_the_same_version_one_wins_the_other_gets_409(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "assigned", agent=people["agent"])
    agent, supervisor = session_client(people["agent"]), session_client(people["supervisor"])

    first = agent.post(
        action_url(case, "record_contact"),
        {"version": 3, "channel": "phone", "reached": False},
        format="json",
    )
    second = supervisor.post(action_url(case, "close"), {"version": 3, "note": "重复"}, format="json")

    assert (first.status_code, second.status_code) == (200, 409)
    assert Case.objects.get(pk=case.pk).status == "waiting_buyer"


@pytest.mark.parametrize("where", ["other-shop", "missing"])
def test_a_case_out_of_reach_is_404_whatever_the_body(open_hours, shop, other_shop, people, where):
    case = fresh_case(other_shop) if where == "other-shop" else None
    case_id = case.pk if case else 987654
    before = snapshot(case_id) if case else None

    for body in ({"version": 1}, {}, {"version": "x"}):
        response = session_client(people["supervisor"]).post(
            action_url(case_id, "claim"), body, format="json"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    if case:
        assert snapshot(case_id) == before


def test_a_token_does_not_reach_another_shop_of_its_user(open_hours, shop, other_shop, make_user):
    user = make_user("supervisor", shops=[shop, other_shop])
    case = fresh_case(other_shop)
    refused(token_client(user, [shop]), case, "claim", {"version": 1}, status=404, code="not_found")


def test_malformed_body_is_400_with_the_fields(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "assigned", agent=people["agent"])
    body = refused(
        session_client(people["agent"]),
        case,
        "record_contact",
        {"channel": "pigeon", "reached": "maybe"},
        status=400,
        code="invalid",
    )
    assert set(body["fields"]) == {"version", "channel", "reached"}


def test_quiet_hours_are_explained_when_they_block(seeded, shop, people):
    local_now = timezone.localtime().time()
    start = (dt.datetime.combine(dt.date.today(), local_now) - dt.timedelta(hours=1)).time()
    end = (dt.datetime.combine(dt.date.today(), local_now) + dt.timedelta(hours=1)).time()
    ContactLimit.objects.update(quiet_start=start, quiet_end=end)
    clear_policy_cache()
    case = put_in_state(fresh_case(shop), "assigned", agent=people["agent"])
    body = refused(
        session_client(people["agent"]),
        case,
        "record_contact",
        {"version": 3, "channel": "phone", "reached": True},
        status=400,
        code="quiet_hours",
    )
    assert "免打扰" in body["message"]


# rule name → texts its patterns must catch (every keyword of the keyword rule, a sample per regex)
BLOCKING_SAMPLES = {
    "利诱好评：好评返现类用语": [*default_pack.COMPLIANCE_RULES[0]["patterns"].split("\n"), "好 评 返 现"],
    "利诱好评：评价词与利益词相邻": ["给个五星好评吧，好评后联系客服领取5元红包哦", "晒图五星评价可返5元"],
    "以评价为条件的补偿": ["您把评价删掉我们就给您退款"],
    "以评价为条件：只要/如果……评价": ["只要您给个好评，什么都好说"],
    "请买家修改、删除、撤回或追加评价": ["麻烦您删 评 一下", "能否修改一下您的评价", "麻烦您帮忙改成好评"],
    "站外引流：微信、QQ、群、公众号、链接": ["加我微信 wx_kefu88", "加扣扣 87654321"],
    "辱骂、轻视或威胁买家": ["你这种买家就是想白嫖，爱买不买"],
    "公开回复禁止手机号与身份证号": [
        "有问题请打13812345678",
        "电话138 1234 5678",
        "电话１３８１２３４５６７８",
    ],
    "公开回复禁止地址": ["浙江省杭州市", "杭州市西湖区", "文三路100号", "3号楼2单元", "5单元301", "1203室"],
}


def _blocks_on_taobao(rule: dict) -> bool:
    actions = dict(item.split(":") for item in rule.get("platform_actions", "").split(",") if item)
    return actions.get("taobao", rule["action"]) == "block"


def test_every_blocking_rule_of_the_default_pack_is_covered_here():
    blocking = {rule["name"] for rule in default_pack.COMPLIANCE_RULES if _blocks_on_taobao(rule)}
    assert blocking == set(BLOCKING_SAMPLES)


def test_every_blocking_phrase_is_refused_by_the_public_reply_endpoint(open_hours, shop, people):
    case = put_in_state(fresh_case(shop), "verified", agent=people["agent"])
    client = session_client(people["agent"])
    reasons = {rule["name"]: rule["reason"] for rule in default_pack.COMPLIANCE_RULES}
    for rule, samples in BLOCKING_SAMPLES.items():
        for sample in samples:
            text = f"亲，非常抱歉。{sample}"
            body = refused(
                client,
                case,
                "public_reply",
                {"version": 3, "text": text, "acknowledge_warnings": True},
                status=400,
                code="compliance_blocked",
            )
            assert reasons[rule] in body["message"], (sample, body["message"])
