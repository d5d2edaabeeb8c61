"""The queue page's cheap shape: deadlines from the running clocks only, the page's total
from the same filters in the page's one query, fragments that skip the navigation's queries, and
(on PostgreSQL) an index the planner takes for an agent's open cases and a shop's unassigned ones."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.queries import queue_for
from cases.queries.queue import URGENCY_BREACHED, URGENCY_NEAR, URGENCY_ON_TIME, queue_page
from cases.queries.rows import ROW_COLUMNS
from tests.cases.routing_support import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def agent(make_user, shop):
    return make_user("agent", shops=[shop])


def _rows(response) -> dict[int, dict]:
    return {row["id"]: row for row in response.context["rows"]}


def test_only_running_clocks_set_the_deadline_and_the_urgency(client, shop, agent):
    now = timezone.now()
    hours = dt.timedelta(hours=1)
    # First response long overdue but given: its clock stopped, the resolution clock (5 h) is what runs.
    responded = make_case(
        shop,
        assignee=agent,
        status="in_progress",
        first_response_due_at=now - 3 * hours,
        first_response_warn_at=now - 4 * hours,
        first_responded_at=now - 5 * hours,
        resolution_due_at=now + 5 * hours,
        resolution_warn_at=now + 4 * hours,
    )
    # The next-response clock has no stop column: set and past due, the case is breached.
    buyer_replied = make_case(
        shop,
        assignee=agent,
        status="waiting_buyer",
        next_response_due_at=now - hours,
        next_response_warn_at=now - 2 * hours,
        resolution_due_at=now + 9 * hours,
    )
    # The public-reply clock is past its warn time but not due: near breach, due at its own time.
    reply_soon = make_case(
        shop,
        assignee=agent,
        status="assigned",
        public_reply_due_at=now + hours,
        public_reply_warn_at=now - hours / 2,
        resolution_due_at=now + 2 * hours,
        resolution_warn_at=now + hours * 1.5,
    )
    # Replied in public already: that clock stopped too, and no other runs.
    replied = make_case(
        shop,
        assignee=agent,
        status="offered",
        public_reply_due_at=now - hours,
        public_reply_warn_at=now - 2 * hours,
        public_replied_at=now - 3 * hours,
    )
    client.force_login(agent)

    response = client.get(reverse("cases:queue"))

    assert [row["id"] for row in response.context["rows"]] == [
        buyer_replied.pk,
        reply_soon.pk,
        responded.pk,
        replied.pk,
    ]
    rows = _rows(response)
    assert [rows[c.pk]["urgency"] for c in (buyer_replied, reply_soon, responded, replied)] == [
        URGENCY_BREACHED,
        URGENCY_NEAR,
        URGENCY_ON_TIME,
        URGENCY_ON_TIME,
    ]
    assert rows[responded.pk]["next_due"] == responded.resolution_due_at
    assert rows[responded.pk]["next_warn"] == responded.resolution_warn_at
    assert rows[buyer_replied.pk]["next_due"] == buyer_replied.next_response_due_at
    assert rows[reply_soon.pk]["next_due"] == reply_soon.public_reply_due_at
    assert rows[replied.pk]["next_due"] is None and rows[replied.pk]["next_warn"] is None
    assert rows[reply_soon.pk]["urgency_label"] == "即将超时" and rows[replied.pk]["urgency_label"] == "正常"


def test_the_page_total_counts_every_matching_case_not_the_page(client, shop, agent):
    agent.max_open_cases = 500
    agent.save(update_fields=["max_open_cases"])
    now = timezone.now()
    for n in range(55):
        make_case(
            shop,
            assignee=agent,
            status="in_progress" if n % 5 == 0 else "assigned",
            first_response_due_at=now + dt.timedelta(minutes=n),
        )
    make_case(shop, assignee=agent, status="resolved")  # not open: not counted
    client.force_login(agent)

    second = client.get(reverse("cases:queue"), {"page": 2})
    filtered = client.get(reverse("cases:queue"), {"state": "in_progress"})
    past_the_end = client.get(reverse("cases:queue"), {"page": 9})

    page = second.context["page"]
    assert (page.number, page.paginator.count, page.paginator.num_pages, len(second.context["rows"])) == (
        2,
        55,
        2,
        5,
    )
    assert "共 55 个案件" in second.content.decode()
    assert (filtered.context["page"].paginator.count, len(filtered.context["rows"])) == (11, 11)
    assert past_the_end.context["page"].number == 2
    assert [row["id"] for row in past_the_end.context["rows"]] == [
        row["id"] for row in second.context["rows"]
    ]


def test_queue_page_answers_cases_or_the_chosen_columns(shop, agent):
    cases = [make_case(shop, assignee=agent, status="assigned") for _ in range(3)]
    queue = queue_for(agent, scope="mine")

    with CaptureQueriesContext(connection) as queries:
        as_models = queue_page(queue, 1, per_page=2)
        as_dicts = queue_page(queue, 2, per_page=2, columns=ROW_COLUMNS)

    assert len(queries) == 2  # one query per page, total included
    assert [case.pk for case in as_models] == [cases[0].pk, cases[1].pk]
    assert as_models.paginator.count == 3 and as_dicts.paginator.count == 3
    (row,) = as_dicts.object_list
    assert row["pk"] == cases[2].pk and row["review__order_no"] == cases[2].review.order_no
    assert set(row) == {*ROW_COLUMNS, "queue_total"}


def test_the_filter_bar_choices_cost_one_query(shop, other_shop, make_user, django_assert_num_queries):
    from cases.web.workspace import _filter_choices
    from policies.models import IssueType, SlaTier

    user = make_user("supervisor", shops=[shop, other_shop])
    retired = IssueType.objects.order_by("pk").first()
    IssueType.objects.filter(pk=retired.pk).update(active=False)

    with django_assert_num_queries(1):
        shops, issue_types, tiers, clients = _filter_choices(user)

    assert clients == []  # the shops belong to no client (the agency's own)

    assert [(s.pk, s.code, s.name) for s in shops] == [
        (other_shop.pk, "dy-main", "抖店旗舰店"),
        (shop.pk, "tb-main", "淘宝旗舰店"),
    ]
    expected_issues = IssueType.objects.filter(active=True).order_by("name").values_list("code", "name")
    assert issue_types == sorted(expected_issues, key=lambda row: row[1]) and issue_types
    assert retired.code not in [code for code, _name in issue_types]
    assert tiers == sorted(set(SlaTier.objects.filter(active=True).values_list("name", flat=True))) and tiers


def _nav_queries(queries) -> list[str]:
    """The navigation's own reads: the user's groups (roles) and permissions (the apps' links)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if "auth_group" in q["sql"] or "auth_permission" in q["sql"]
    ]


def _permission_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_fragments_do_not_pay_for_the_navigation(client, shop, agent):
    make_case(shop, status="new")  # unassigned: in the shop's queue
    client.force_login(agent)

    with CaptureQueriesContext(connection) as bell:
        assert client.get(reverse("cases:notification-bell")).status_code == 200
    with CaptureQueriesContext(connection) as results:
        fragment = client.get(
            reverse("cases:queue_shop"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-results"
        )
    with CaptureQueriesContext(connection) as full:
        page = client.get(reverse("cases:queue_shop"))

    assert _nav_queries(bell) == []
    assert _permission_queries(results) == []  # the view reads the roles itself (is the user an overseer?)
    assert "mainnav" not in fragment.content.decode() and "<table" in fragment.content.decode()
    # The whole page still reads the roles and permissions its navigation shows.
    assert _permission_queries(full) != []
    assert dict(page.context["nav_links"])["我的队列"] == reverse("cases:queue")
    assert "agent" in page.context["nav_roles"]


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        # A test database holds a handful of rows: forbid the sequential scan so the plan says
        # whether an index matches the query (the 1,000,000-case bench shows it is also chosen).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize("scope", ["mine", "shop"])
def test_the_queue_reads_open_cases_through_their_partial_index(shop, agent, scope):
    for status in ("assigned", "resolved", "closed", "new"):
        make_case(shop, assignee=None if status == "new" else agent, status=status)
    queue = queue_for(agent, scope=scope)

    with CaptureQueriesContext(connection) as queries:
        page = queue_page(queue, 1, columns=ROW_COLUMNS)
    (query,) = queries.captured_queries

    assert page.paginator.count == 1
    assert "case_open_assignee" in _plan(query["sql"], ())


@pytest.mark.parametrize("term", ["O-SEARCH-1", "S-SEARCH-1", "nick-search"])
def test_the_search_finds_a_case_by_order_sub_order_or_nick(client, make_user, shop, term):
    from cases.models import Review

    found = make_case(shop, assignee=None, status="new")
    Review.objects.filter(pk=found.review_id).update(
        order_no="O-SEARCH-1", sub_order_no="S-SEARCH-1", buyer_nick="nick-search"
    )
    make_case(shop, assignee=None, status="new")
    client.force_login(make_user("supervisor", shops=[shop]))

    page = client.get(reverse("cases:queue_shop"), {"q": term})

    assert [row["id"] for row in page.context["rows"]] == [found.pk]


@pytest.mark.postgres
def test_each_arm_of_the_search_has_its_own_index():
    """The search's OR over order number, sub-order number and nick is answered by three index lookups
    combined (BitmapOr) — at 1,000,000 cases the planner then joins the one or two reviews found to their
    cases (32 ms → 0.3 ms in bench/bench_queue.py) instead of reading every open case of the user's shops.
    An arm without an index would force a sequential scan of the reviews (forbidden here, so it shows)."""
    plan = _plan(
        "SELECT id FROM cases_review WHERE order_no = %s OR sub_order_no = %s OR buyer_nick = %s", ["x"] * 3
    )

    assert "BitmapOr" in plan and "Seq Scan" not in plan
    assert {"review_order_no", "review_sub_order_no", "review_buyer_nick"} <= set(plan.split())
