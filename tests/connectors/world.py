"""Rows of the connectors app for the access matrix's world (tests/hardening/access_support.py): shop A
connected (no network: nothing is pulled) and one public reply of case A in its outbox."""

from django.utils import timezone

from cases.models import Reply
from connectors.models import Connector, OutboxReply
from connectors.platforms import default_api


def connector_rows(shop, case, agent):
    connector = Connector.objects.create(
        shop=shop,
        platform="taobao",
        gateway_url="https://eco.taobao.com/router/rest",
        api=default_api("taobao"),
        app_key="world-key",
        app_secret="world-secret",
        session_key="world-session",
    )
    reply = Reply.objects.create(
        case=case, channel="public_reply", text="亲，已为您处理。", by=agent, at=timezone.now()
    )
    outbox = OutboxReply.objects.create(
        connector=connector,
        shop=shop,
        case=case,
        reply=reply,
        target="1",
        order_no="1",
        text=reply.text,
        created_at=timezone.now(),
    )
    return connector, outbox
