"""SLA events: the sweep's memory of which warnings and breaches it has already announced.

A row is inserted with ON CONFLICT DO NOTHING on (case, target, kind, due_at) and notifications are
created only for rows actually inserted, so a warning or a breach is announced once however often
the sweep runs, is retried, or runs in two clusters at once. ``due_at`` is in the key because the
next-response clock restarts each time the buyer answers: each deadline is its own event.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.notifications.choices import SlaEventKind, SlaTarget


class SlaEvent(models.Model):
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="sla_events", verbose_name=_("案件")
    )
    target = models.CharField(_("时效目标"), max_length=16, choices=SlaTarget.choices)
    kind = models.CharField(_("事件"), max_length=8, choices=SlaEventKind.choices)
    due_at = models.DateTimeField(_("截止时间"))
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("时效事件")
        verbose_name_plural = _("时效事件")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "target", "kind", "due_at"], name="uniq_sla_event"),
        ]

    def __str__(self):
        return f"#{self.case_id} {self.get_target_display()} {self.get_kind_display()}"
