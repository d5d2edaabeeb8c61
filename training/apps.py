from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("培训与质检")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases.hooks import certification_checks
        from reviewdesk.choices import Role
        from reviewdesk.hooks import demo_builders, home_panels
        from reviewdesk.roles import extend_role_permissions
        from training.certification import certification_check
        from training.demo import build_training_demo, build_training_team
        from training.views import home_panel

        certification_checks.register(certification_check)
        demo_builders.register(build_training_team)
        demo_builders.register(build_training_demo)
        home_panels.register(home_panel)

        editable = ["trainingmodule", "modulerequirement", "qarubric", "qaitem"]
        crud = [f"training.{verb}_{m}" for m in editable for verb in ("view", "add", "change", "delete")]
        view_all = [f"training.view_{m}" for m in editable]
        # "Trainer" is a capability (enter/import scores), given to supervisors and managers.
        trainer = ["training.enter_scores", "training.view_score"]
        surveys = ["training.add_satisfactionsurvey", "training.view_satisfactionsurvey"]
        extend_role_permissions(
            {
                Role.AGENT: ["training.view_trainingmodule"],
                Role.SUPERVISOR: view_all
                + trainer
                + [
                    "training.add_qareview",
                    "training.view_qareview",
                    "training.settle_qareview",
                    "training.view_certificationlapse",
                    *surveys,
                ],
                Role.LEGAL: ["training.view_trainingmodule"],
                Role.MANAGER: crud
                + trainer
                + [
                    "training.export_scores",
                    "training.view_qareview",
                    "training.settle_qareview",
                    "training.view_certificationlapse",
                    *surveys,
                ],
                Role.HR: view_all
                + ["training.view_score", "training.export_scores", "training.view_certificationlapse"],
            }
        )
