"""The cases app's panels of the home page (``reviewdesk.hooks.home_panels``) and "start my next case".

* ``agent_panel``: for who answers buyers (agent, legal): my cases due within 30 minutes, breached,
  waiting for the buyer, follow-ups due today, my offers awaiting approval, each linking to the queue
  behind it, the most urgent rows, and the "开始下一个案件" button;
* ``team_panel``: for a supervisor: the team board (load per agent, breaches, approvals waiting,
  unassigned with routing's reasons), linking to the team page, the breached queue and the approvals;
* ``next_case``: POST: open the next case of the user's queue, claiming one when their own is empty
  (``cases.workflow.next_case``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.choices import CaseStatus
from cases.queries.home import agent_numbers, agent_urgent, team_board
from cases.workflow.next_case import case_claim_next
from reviewdesk.choices import Role
from reviewdesk.roles import user_roles, works_cases

ANSWERING_ROLES = {str(Role.AGENT), str(Role.LEGAL)}


def answers_buyers(user) -> bool:
    """Who has a queue of their own to work: an agent or legal (not HR, a clerk, a client's staff)."""
    return works_cases(user) and bool(user_roles(user) & ANSWERING_ROLES)


def _queue(name: str = "cases:queue", **filters) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(filters)}" if filters else url


def agent_panel(request: HttpRequest) -> dict | None:
    user = request.user
    if not user.is_authenticated or not answers_buyers(user):
        return None
    now = timezone.now()
    numbers = agent_numbers(user, now=now)
    mine = _queue()
    tiles = [
        ("soon", _("30分钟内到期"), numbers["soon"], mine, "warn"),
        ("breached", _("已超时"), numbers["breached"], mine, "bad"),
        ("waiting", _("等待买家回复"), numbers["waiting"], _queue(state=CaseStatus.WAITING_BUYER), ""),
        ("follow_ups", _("今天到期的回访"), numbers["follow_ups"], f"{mine}#due-follow-ups", "warn"),
        (
            "approvals",
            _("我的方案待审批"),
            numbers["approvals"],
            _queue(state=CaseStatus.PENDING_APPROVAL),
            "",
        ),
    ]
    return {
        "title": _("我的工作"),
        "template": "cases/_home_agent.html",
        "order": 10,
        "context": {
            "tiles": [
                {"key": key, "label": label, "n": n, "url": url, "tone": tone if n else ""}
                for key, label, n, url, tone in tiles
            ],
            "urgent": agent_urgent(user, now=now),
            "queue_url": mine,
            "now": now,
        },
    }


def team_panel(request: HttpRequest) -> dict | None:
    user = request.user
    if not user.is_authenticated or str(Role.SUPERVISOR) not in user_roles(user):
        return None
    now = timezone.now()
    board = team_board(user, now=now)
    counts = board["counts"]
    tiles = [
        ("breached", _("已超时"), counts["breached"], reverse("cases:queue_breached"), "bad"),
        ("unassigned", _("待分配"), counts["unassigned"], reverse("cases:queue_shop"), "warn"),
        ("approvals", _("待我审批"), counts["approvals"], reverse("cases:approvals"), "warn"),
    ]
    team_url = reverse("cases:team_load")
    for member in board["members"]:
        member["url"] = _queue("cases:queue_all", assignee=member["id"])
    return {
        "title": _("团队看板"),
        "template": "cases/_home_team.html",
        "order": 10,
        "wide": True,
        "context": {
            "tiles": [
                {"key": key, "label": label, "n": n, "url": url, "tone": tone if n else ""}
                for key, label, n, url, tone in tiles
            ],
            "members": board["members"],
            "unassigned": board["unassigned"],
            "unassigned_total": counts["unassigned"],
            "team_url": team_url,
            "shop_queue_url": reverse("cases:queue_shop"),
            "now": now,
        },
    }


@login_required
@require_POST
def next_case(request: HttpRequest) -> HttpResponse:
    """The home's "开始下一个案件": the next case of the user's own queue, or one claimed from the shop's
    unassigned queue (``case_claim_next``); nothing to do → back home with a message."""
    if not answers_buyers(request.user):
        raise PermissionDenied(_("你的角色不处理案件，没有案件队列。"))
    outcome = case_claim_next(by=request.user)
    if outcome.case_id is None:
        if outcome.refusals:
            messages.warning(request, _("没有认领到案件：%(why)s") % {"why": outcome.refusals[-1]})
        else:
            messages.info(request, _("你的队列和店铺待分配队列都没有案件了。"))
        return redirect("home")
    if outcome.claimed:
        messages.success(request, _("已认领案件 #%(id)s。") % {"id": outcome.case_id})
    return redirect("cases:case_detail", pk=outcome.case_id)
