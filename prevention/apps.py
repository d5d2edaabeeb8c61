from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreventionConfig(AppConfig):
    """Prevention before the review: orders and shipments, late-parcel tasks, risky-order flags."""

    name = "prevention"
    verbose_name = _("事前预防")
    default_auto_field = "django.db.models.BigAutoField"
