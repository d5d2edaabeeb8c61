"""Email through Django's configured backend (SMTP in production, locmem in tests)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from cases.notifications.http import DeliveryError
from cases.notifications.messages import Message


def email_send(*, recipients: list[str], message: Message) -> None:
    if not recipients:
        raise DeliveryError("没有可用的收件邮箱(收件人未填写邮箱)。")
    body = "\n".join((*message.lines, "", message.url)).strip()
    mail = EmailMessage(
        subject=message.title, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients
    )
    try:
        mail.send(fail_silently=False)
    except Exception as exc:  # smtplib and socket errors differ by backend; all mean "not sent"
        raise DeliveryError(f"邮件发送失败：{exc}")
