from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    """The knowledge base: product articles at hand on the case page, quick replies and the product exam."""

    name = "knowledge"
    verbose_name = _("知识库")
    default_auto_field = "django.db.models.BigAutoField"
