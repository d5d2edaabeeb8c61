"""The department's group robot: a new work order is posted to the group, @-mentioning its members.

Feishu and DingTalk custom robots both @ a person: Feishu in a rich-text post by user id (``{"tag": "at",
"user_id": …}``), DingTalk by mobile number or user id (``"at": {"atMobiles": […], "atUserIds": […]}``,
the text naming ``@<mobile>``). The signing and the POST are the shop channels' own
(``cases.notifications``: ``feishu_sign``, ``dingtalk_url``, ``post_json`` through the one outbound
client), so a robot URL is checked like every other destination. The message carries the department,
the request type, the due time and the link to the order; never the buyer's data (the question is the
agent's text, masked like every notification's free text).

``announce`` runs on the cluster after the order's commit; a robot that refuses is logged (the order
stands, the sweep still warns in the bell).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.notifications.dingtalk import dingtalk_url
from cases.notifications.feishu import feishu_sign
from cases.notifications.http import DeliveryError, post_json
from cases.notifications.messages import absolute_url
from reviewdesk.pii import mask_free_text
from workorders.choices import RobotKind
from workorders.models import DepartmentMember, ExternalLink, WorkOrder
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


def announce(order_id: int) -> bool:
    """Post the new order to its department's group (if it has a robot). True when the robot took it."""
    order = (
        WorkOrder.objects.select_related("department", "request_type", "contact").filter(pk=order_id).first()
    )
    if order is None or not order.department.robot_kind or not order.department.robot_webhook_url:
        return False
    department = order.department
    now = time.time()
    try:
        with translation.override(settings.LANGUAGE_CODE):  # a group reads the site's language
            if department.robot_kind == RobotKind.FEISHU:
                payload = feishu_payload(order, secret=department.robot_secret, timestamp=int(now))
                _status, data = post_json(department.robot_webhook_url, payload)
                ok = data.get("code", data.get("StatusCode")) == 0
            else:
                url = dingtalk_url(
                    department.robot_webhook_url, secret=department.robot_secret, timestamp_ms=int(now * 1000)
                )
                _status, data = post_json(url, dingtalk_payload(order))
                ok = data.get("errcode") == 0
    except DeliveryError as exc:
        logger.warning("work order %s: the %s robot refused: %s", order.pk, department.code, exc)
        return False
    if not ok:
        logger.warning("work order %s: the %s robot answered an error", order.pk, department.code)
    return ok
