"""Choices of the connectors app, named once (conventions rule 8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectorState(models.TextChoices):
    """A connector's health. OK: the last call answered. BACKING_OFF: the platform said "too many
    calls" (TOP code 7) and no call is made before ``backoff_until``. REAUTH: the seller's authorisation
    is missing, expired or revoked (TOP 26/27): nothing works until a manager enters a new session key.
    FAILING: several pulls in a row failed for another reason (signature, clock, network, the gateway)."""

    OK = "ok", _("正常")
    BACKING_OFF = "backing_off", _("限流退避中")
    REAUTH = "reauth", _("需要重新授权")
    FAILING = "failing", _("连续失败")


class SignMethod(models.TextChoices):
    MD5 = "md5", "md5"
    HMAC = "hmac", "hmac (HMAC-MD5)"
    HMAC_SHA256 = "hmac-sha256", "hmac-sha256"


class OutboxState(models.TextChoices):
    """A queued public reply. SENDING is written (and committed) before the platform is called, so a
    worker killed during the call leaves SENDING behind: like AMBIGUOUS, it is read back before any retry."""

    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    AMBIGUOUS = "ambiguous", _("结果未知，待核对")
    DELIVERED = "delivered", _("已送达平台")
    FAILED = "failed", _("发送失败")
