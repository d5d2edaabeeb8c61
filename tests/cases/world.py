"""Rows of the cases app for the access matrix's world (tests/hardening/access_support.py): in each shop a
case in progress and a resolved one worked by its agent (shop A also one pending approval), an evidence file,
a follow-up, a notification and a Feishu robot with a delivery; shop A's buyer and import batch; two API
tokens of the manager (one for each shop)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from cases.models import (
    ApiToken,
    Buyer,
    Delivery,
    Evidence,
    FollowUpTask,
    ImportBatch,
    Notification,
    NotificationChannel,
)
from cases.models.intake import hash_token_key
from tests.cases.workflow_factories import put_in_state, triaged_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def case_rows(a, b, users) -> dict:
    """``case_a``/``case_b`` in progress, ``pending_a`` waiting for approval, ``resolved_a``/``resolved_b``."""
    received = timezone.now() - dt.timedelta(hours=1)
    agent_a, agent_b = users["agent_a"], users["agent_b"]
    return {
        "case_a": put_in_state(triaged_case(a, received_at=received), "in_progress", agent=agent_a),
        "case_b": put_in_state(triaged_case(b, received_at=received), "in_progress", agent=agent_b),
        "pending_a": put_in_state(
            triaged_case(a, received_at=received, amount="2999.00"), "pending_approval", agent=agent_a
        ),
        "resolved_a": put_in_state(triaged_case(a, received_at=received), "resolved", agent=agent_a),
        "resolved_b": put_in_state(triaged_case(b, received_at=received), "resolved", agent=agent_b),
    }


def evidence_row(case, by) -> Evidence:
    evidence = Evidence(
        case=case,
        original_name="聊天截图.png",
        kind="image",
        size=len(PNG),
        content_type="image/png",
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    evidence.file.save("x.png", ContentFile(PNG), save=False)
    evidence.save()
    return evidence


def follow_up_row(case) -> FollowUpTask:
    return FollowUpTask.objects.create(
        case=case,
        step_ref=1,
        name="关怀回访",
        channel="private_message",
        due_at=timezone.now() - dt.timedelta(hours=1),
    )


def notification_row(user, case) -> Notification:
    return Notification.objects.create(
        user=user,
        shop=case.shop,
        kind="case_opened",
        title=f"新案件 #{case.pk}",
        url=f"/cases/{case.pk}/",
        dedupe_key=f"am:{user.pk}:{case.pk}",
    )


def robot_rows(shop) -> tuple[NotificationChannel, Delivery]:
    """A Feishu robot of the shop and one delivery it sent (cases.admin_notifications)."""
    channel = NotificationChannel.objects.create(
        shop=shop,
        kind="feishu",
        name=f"{shop.code}群",
        secret="robot-secret",
        webhook_url=f"https://open.feishu.cn/open-apis/bot/v2/hook/{shop.code}-token",
    )
    delivery = Delivery.objects.create(
        channel=channel,
        shop=shop,
        kind="new_case",
        dedupe_key=f"am:{shop.pk}",
        message={"title": "t", "lines": [], "url": ""},
    )
    return channel, delivery


def intake_rows(a, b, manager) -> dict:
    """Shop A's ``buyer_a`` and ``import_batch_a``; the manager's ``token_b`` (shop B, with its key
    ``token_b_key``) and ``token_a`` (shop A)."""
    buyer = Buyer.objects.filter(shop=a).first() or Buyer.objects.create(
        platform="taobao", shop=a, nick="买家A"
    )
    batch = ImportBatch.objects.create(shop=a, source="file", status="done", file_name="a.xlsx")
    key = ApiToken.new_key()
    token_b = ApiToken.objects.create(
        name="b-sync", user=manager, prefix=key[:8], key_hash=hash_token_key(key)
    )
    token_b.shops.set([b])
    token_a = ApiToken.objects.create(name="a-sync", user=manager, prefix="rd_aaaaa", key_hash="a" * 64)
    token_a.shops.set([a])
    return {
        "buyer_a": buyer,
        "import_batch_a": batch,
        "token_b": token_b,
        "token_a": token_a,
        "token_b_key": key,
    }
