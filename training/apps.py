from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "培训与质检"
    default_auto_field = "django.db.models.BigAutoField"
