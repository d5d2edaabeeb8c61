from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "评价与案件"
    default_auto_field = "django.db.models.BigAutoField"
