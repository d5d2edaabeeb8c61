"""A robot post that fails is retried with backoff (a django-q2 schedule), each try and the last error
recorded on its ``RobotPost`` row, at most NOTIFY_MAX_ATTEMPTS times; once the robot has taken it, it is
never posted again. Against a real HTTP server on 127.0.0.1 that fails, then succeeds."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import Schedule

from tests.cases.routing_support import RobotServer
from tests.workorders.support import department, open_case, raise_order
from workorders.choices import RobotPostStatus
from workorders.models import RobotPost
from workorders.robot import announce, post_send

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]
PATH = "/robot/send"
OK = (200, {"errcode": 0, "errmsg": "ok"})


@pytest.fixture
def robot():
    with RobotServer() as server:
        warehouse = department("warehouse")
        warehouse.robot_kind, warehouse.robot_webhook_url = (
            "dingtalk",
            f"{server.base_url}{PATH}?access_token=t",
        )
        warehouse.save()
        yield server


@pytest.fixture
def order(shop, make_user, robot):
    agent = make_user("agent", shops=[shop])
    return raise_order(open_case(shop, agent), agent)


def _retries(post_id: int):
    rows = Schedule.objects.filter(func="workorders.robot.post_send")
    return [row for row in rows if row.args.strip("(),").strip() == str(post_id)]


def test_a_failed_post_is_retried_later_and_sent_once(order, robot, django_capture_on_commit_callbacks):
    robot.responses[PATH] = (502, {"errcode": -1})
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert announce(order.pk) is False

    post = RobotPost.objects.get(work_order=order)
    assert (post.status, post.attempts, post.sent_at) == (RobotPostStatus.RETRYING, 1, None)
    assert "502" in post.last_error
    assert (
        before + dt.timedelta(seconds=30) <= post.next_attempt_at <= timezone.now() + dt.timedelta(seconds=30)
    )
    (retry,) = _retries(post.pk)
    assert retry.schedule_type == Schedule.ONCE and retry.next_run == post.next_attempt_at

    robot.responses[PATH] = OK
    assert post_send(post.pk) == RobotPostStatus.SENT
    post.refresh_from_db()
    assert (post.status, post.attempts, post.last_error, post.next_attempt_at) == (
        RobotPostStatus.SENT,
        2,
        "",
        None,
    )
    assert post.sent_at is not None and len(robot.requests) == 2

    # Sent: a late retry, a second announce of the same order post nothing more.
    assert post_send(post.pk) is None and announce(order.pk) is True
    assert len(robot.requests) == 2 and RobotPost.objects.count() == 1


def test_a_robots_own_error_code_is_a_failure_with_its_message(
    order, robot, django_capture_on_commit_callbacks
):
    robot.responses[PATH] = (200, {"errcode": 310000, "errmsg": "keywords not in content"})
    with django_capture_on_commit_callbacks(execute=True):
        assert announce(order.pk) is False

    post = RobotPost.objects.get(work_order=order)
    assert post.status == RobotPostStatus.RETRYING and post.attempts == 1
    assert "310000" in post.last_error and "keywords not in content" in post.last_error
    assert len(_retries(post.pk)) == 1


def test_the_attempts_are_bounded(order, robot, settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    robot.responses[PATH] = (500, {})
    with django_capture_on_commit_callbacks(execute=True):
        announce(order.pk)
    post = RobotPost.objects.get(work_order=order)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_send(post.pk) == RobotPostStatus.FAILED

    post.refresh_from_db()
    assert (post.attempts, post.next_attempt_at) == (2, None)
    assert len(_retries(post.pk)) == 1  # the first failure's retry only: the last one schedules nothing
    assert post_send(post.pk) is None and len(robot.requests) == 2
