from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("培训与质检")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.hooks import certification_checks
        from reviewdesk.hooks import demo_builders, home_panels
        from reviewdesk.roles import register_role_permissions
        from training.certification import certification_check
        from training.demo import build_training_demo, build_training_team
        from training.permissions import ROLE_PERMISSIONS
        from training.views import home_panel

        certification_checks.register(certification_check)
        demo_builders.register(build_training_team)
        demo_builders.register(build_training_demo)
        home_panels.register(home_panel)
        from reviewdesk.hooks import case_panels
        from training.surveys.panel import survey_panel

        case_panels.register(survey_panel)

        register_role_permissions("training", ROLE_PERMISSIONS)
        from reviewdesk.hooks import nav_links
        from training.home import nav_link

        nav_links.register(nav_link)
        from jobs import registry as job_kinds
        from jobs.choices import JobKind
        from training.jobs import may_export, may_import

        job_kinds.register(JobKind.SCORE_IMPORT, "training.jobs", may_start=may_import)
        job_kinds.register(JobKind.SCORE_EXPORT, "training.jobs", may_start=may_export)
