from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyStamp(models.Model):
    """ONE row (id 1): the version of the whole policy pack, for every process's policy cache.

    Database triggers (``policies.triggers``, installed by a migration on every policy table) bump it
    in the same transaction as any INSERT, UPDATE or DELETE of a rule or a child row — admin, import,
    API, shell, ``QuerySet.update`` or a data migration alike — so a process that compares the stamp
    sees every committed change on its next ``load_policy``. ``token`` is random on every bump: a
    rolled-back or flushed database never shows an old stamp again with other rows behind it.

    The model also carries the permission to change the global rules (a row with no shop, and the
    global-only models), which belongs to the pack as a whole rather than to one rule model.
    """

    version = models.BigIntegerField(_("版本"), default=0)
    token = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("规则包版本")
        verbose_name_plural = _("规则包版本")
        default_permissions = ()
        permissions = [("change_global_policy", _("可修改全局规则"))]

    def __str__(self) -> str:
        return f"{self.version}"
