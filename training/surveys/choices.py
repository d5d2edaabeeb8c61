from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveySource(models.TextChoices):
    """Who put the answer in: the buyer through the link, or a supervisor typing what the buyer said."""

    BUYER_LINK = "buyer_link", _("买家通过链接答复")
    AGENT_ENTRY = "agent_entry", _("人工录入")


class SurveyChannel(models.TextChoices):
    """How the link reached the buyer."""

    SMS = "sms", _("短信")
    CHAT = "chat", _("平台聊天(千牛/飞鸽等)")
