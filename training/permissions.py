"""What each role may do with training, scores and QA reviews (reviewdesk.roles merges every app's table).

"Trainer" is a capability (enter and import scores), given to supervisors and managers.
"""

from reviewdesk.choices import Role
from reviewdesk.roles import crud_permissions, view_permissions

_EDITABLE = ["trainingmodule", "modulerequirement", "qarubric", "qaitem"]
_TRAINER = ["training.enter_scores", "training.view_score"]
_SURVEYS = ["training.add_satisfactionsurvey", "training.view_satisfactionsurvey"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.AGENT: ["training.view_trainingmodule"],
    Role.SUPERVISOR: view_permissions("training", _EDITABLE)
    + _TRAINER
    + [
        "training.add_qareview",
        "training.view_qareview",
        "training.settle_qareview",
        "training.view_certificationlapse",
        *_SURVEYS,
    ],
    Role.LEGAL: ["training.view_trainingmodule"],
    Role.MANAGER: crud_permissions("training", _EDITABLE)
    + _TRAINER
    + [
        "training.export_scores",
        "training.view_qareview",
        "training.settle_qareview",
        "training.view_certificationlapse",
        *_SURVEYS,
    ],
    Role.HR: view_permissions("training", _EDITABLE)
    + ["training.view_score", "training.export_scores", "training.view_certificationlapse"],
}
