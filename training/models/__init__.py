from training.models.modules import ModuleRequirement, TrainingModule
from training.models.qa import QaItem, QaItemResult, QaReview, QaRubric
from training.models.scores import CertificationLapse, Score
from training.models.surveys import SatisfactionSurvey, SurveyInvitation

__all__ = [
    "CertificationLapse",
    "ModuleRequirement",
    "QaItem",
    "QaItemResult",
    "QaReview",
    "QaRubric",
    "SatisfactionSurvey",
    "Score",
    "SurveyInvitation",
    "TrainingModule",
]
