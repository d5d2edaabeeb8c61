from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    """Internal work orders: a case's question to the warehouse, logistics, finance or a supplier."""

    name = "workorders"
    verbose_name = _("内部工单")
    default_auto_field = "django.db.models.BigAutoField"
