from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"
    verbose_name = "激励与薪酬"
    default_auto_field = "django.db.models.BigAutoField"
