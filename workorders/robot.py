"""The department's group robot: a new work order is posted to the group, @-mentioning its members; the
weekly Top-3 report with the work orders behind its top issues too (``workorders.weekly``).

Feishu and DingTalk custom robots both @ a person: Feishu in a rich-text post by user id (``{"tag": "at",
"user_id": …}``), DingTalk by mobile number or user id (``"at": {"atMobiles": […], "atUserIds": […]}``,
the text naming ``@<mobile>``). The signing and the POST are the shop channels' own
(``cases.notifications``: ``feishu_sign``, ``dingtalk_url``, ``post_json`` through the one outbound
client), so a robot URL is checked like every other destination. The message carries the department,
the request type, the due time and the link to the order; never the buyer's data (the question is the
agent's text, masked like every notification's free text).

Every message is a ``RobotPost`` row named by its key (``order:<id>``, ``weekly:…``), so it is posted
once: ``post_send`` locks the row (``SKIP LOCKED`` where the database has it), posts, and records the
outcome in the same transaction; a row already sent is never posted again. A failure (the robot
unreachable, an HTTP error, a robot's own error code) is recorded (attempts, the short reason) and the
post is tried again by a django-q2 schedule after the shop channels' backoff (30 s, 1 min, 2 min …,
``cases.notifications.delivery.backoff_delay``), up to ``NOTIFY_MAX_ATTEMPTS`` tries; then it is
FAILED and stays in the admin's list. The order stands whatever the robot does; the sweep still warns
in the bell.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.notifications.delivery import backoff_delay, max_attempts
from cases.notifications.dingtalk import dingtalk_url
from cases.notifications.feishu import feishu_sign
from cases.notifications.http import DeliveryError, post_json, robot_message
from cases.notifications.messages import absolute_url
from reviewdesk.pii import mask_free_text
from workorders.choices import RobotKind, RobotPostStatus
from workorders.models import Department, DepartmentMember, ExternalLink, RobotPost, WorkOrder
from workorders.queries import external_path
from workorders.services import link_token

logger = logging.getLogger(__name__)
QUESTION_CHARS = 120


def _mentions(order: WorkOrder) -> tuple[list[str], list[str]]:
    """(user ids, mobiles) to @: the department's members (an id when set, else the mobile)."""
    ids, mobiles = [], []
    for member in DepartmentMember.objects.filter(department_id=order.department_id).order_by("pk"):
        if member.robot_user_id:
            ids.append(member.robot_user_id)
        elif member.mobile:
            mobiles.append(member.mobile)
    if order.contact_id and order.contact.mobile:
        mobiles.append(order.contact.mobile)
    return ids, mobiles


def _lines(order: WorkOrder) -> tuple[str, list[str], str]:
    question = mask_free_text(order.question)
    if len(question) > QUESTION_CHARS:
        question = question[:QUESTION_CHARS] + "…"
    title = _("【内部工单】%(department)s · %(type)s · 案件 #%(case)s") % {
        "department": order.department.name,
        "type": order.request_type.name,
        "case": order.case_id,
    }
    due = timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M")
    lines = [_("问题：%(question)s") % {"question": question}, _("答复截止：%(due)s") % {"due": due}]
    url = absolute_url(reverse("workorders:detail", kwargs={"pk": order.pk}))
    link = (
        ExternalLink.objects.filter(work_order=order, used_at__isnull=True).first()
        if order.contact_id
        else None
    )
    if link is not None:  # the outside party has no account: the group gets its answer link
        url = absolute_url(external_path(order.pk, link_token(link)))
    return title, lines, url


def feishu_payload(order: WorkOrder, *, secret: str, timestamp: int) -> dict:
    title, lines, url = _lines(order)
    ids, mobiles = _mentions(order)
    content = [[{"tag": "text", "text": line}] for line in lines]
    mention = [{"tag": "at", "user_id": user_id} for user_id in ids]
    if mobiles:  # a Feishu robot @s by id only; a mobile is written out so the person finds it
        mention.append({"tag": "text", "text": " ".join(f"@{m}" for m in mobiles)})
    if mention:
        content.append(mention)
    content.append([{"tag": "a", "text": _("查看工单"), "href": url}])
    payload: dict = {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": content}}}}
    if secret:
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, secret), **payload}
    return payload


def dingtalk_payload(order: WorkOrder) -> dict:
    title, lines, url = _lines(order)
    ids, mobiles = _mentions(order)
    body = [f"#### {title}", ""] + [f"- {line}" for line in lines]
    at = " ".join([*(f"@{m}" for m in mobiles), *(f"@{i}" for i in ids)])
    if at:
        body += ["", at]
    body += ["", f"[{_('查看工单')}]({url})"]
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": "\n".join(body)},
        "at": {"atMobiles": mobiles, "atUserIds": ids, "isAtAll": False},
    }


def weekly_feishu_payload(post: RobotPost, *, secret: str, timestamp: int) -> dict:
    content = [[{"tag": "text", "text": line}] for line in post.lines]
    content.append([{"tag": "a", "text": _("查看工单"), "href": absolute_url(post.path)}])
    payload: dict = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": post.title, "content": content}}},
    }
    if secret:
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(timestamp, secret), **payload}
    return payload


def weekly_dingtalk_payload(post: RobotPost) -> dict:
    body = [f"#### {post.title}", ""] + [f"- {line}" for line in post.lines]
    body += ["", f"[{_('查看工单')}]({absolute_url(post.path)})"]
    return {"msgtype": "markdown", "markdown": {"title": post.title, "text": "\n".join(body)}}


def _post(department: Department, post: RobotPost) -> None:
    """One POST of ``post`` to the department's robot; raises DeliveryError unless the robot took it."""
    now = time.time()
    order = post.work_order
    with translation.override(settings.LANGUAGE_CODE):  # a group reads the site's language
        if department.robot_kind == RobotKind.FEISHU:
            payload = (
                feishu_payload(order, secret=department.robot_secret, timestamp=int(now))
                if order is not None
                else weekly_feishu_payload(post, secret=department.robot_secret, timestamp=int(now))
            )
            _status, data = post_json(department.robot_webhook_url, payload)
            code, message = (
                data.get("code", data.get("StatusCode")),
                data.get("msg", data.get("StatusMessage")),
            )
        else:
            url = dingtalk_url(
                department.robot_webhook_url, secret=department.robot_secret, timestamp_ms=int(now * 1000)
            )
            payload = dingtalk_payload(order) if order is not None else weekly_dingtalk_payload(post)
            _status, data = post_json(url, payload)
            code, message = data.get("errcode"), data.get("errmsg")
    if code != 0:
        raise DeliveryError(
            _("机器人返回错误 %(code)s：%(message)s") % {"code": code, "message": robot_message(message)}
        )


def _schedule_retry(post_id: int, at: dt.datetime) -> None:
    from django_q.models import Schedule
    from django_q.tasks import schedule

    schedule("workorders.robot.post_send", post_id, schedule_type=Schedule.ONCE, next_run=at)


def post_send(post_id: int, *, now: dt.datetime | None = None) -> str | None:
    """Try one robot post if it is still to be sent and nobody else holds it; returns its new status
    (None: already sent or failed, or being sent by another worker)."""
    with transaction.atomic():
        rows = RobotPost.objects.select_related(
            "department", "work_order__department", "work_order__request_type", "work_order__contact"
        ).filter(pk=post_id, status__in=(RobotPostStatus.PENDING, RobotPostStatus.RETRYING))
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        post = rows.first()
        if post is None:
            return None
        department = post.department
        post.attempts += 1
        at = now or timezone.now()
        try:
            if not department.robot_kind or not department.robot_webhook_url:
                raise DeliveryError(_("部门已不再设置群机器人，未发送。"))
            _post(department, post)
        except DeliveryError as exc:
            post.last_error = str(exc)[:300]
            if post.attempts >= max_attempts() or not department.robot_kind:
                post.status, post.next_attempt_at = RobotPostStatus.FAILED, None
            else:
                post.status, post.next_attempt_at = (
                    RobotPostStatus.RETRYING,
                    at + backoff_delay(post.attempts),
                )
                retry_at = post.next_attempt_at
                transaction.on_commit(lambda: _schedule_retry(post.pk, retry_at))
            logger.warning(
                "robot post %s (%s) failed, attempt %s: %s", post.pk, department.code, post.attempts, exc
            )
        else:
            post.status, post.sent_at, post.next_attempt_at, post.last_error = (
                RobotPostStatus.SENT,
                at,
                None,
                "",
            )
        post.save(update_fields=["attempts", "status", "next_attempt_at", "last_error", "sent_at"])
        return post.status


def has_robot(department: Department) -> bool:
    return bool(department.robot_kind and department.robot_webhook_url)


def announce(order_id: int) -> bool:
    """Post the new order to its department's group (if it has a robot), once. True when the robot has
    taken it (now or before); a failure is retried (``post_send``)."""
    order = WorkOrder.objects.select_related("department").filter(pk=order_id).first()
    if order is None or not has_robot(order.department):
        return False
    post, _created = RobotPost.objects.get_or_create(
        key=f"order:{order.pk}",
        defaults={"department": order.department, "work_order": order, "created_at": timezone.now()},
    )
    post_send(post.pk)
    return RobotPost.objects.filter(pk=post.pk, status=RobotPostStatus.SENT).exists()
