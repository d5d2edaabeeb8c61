from training.models.modules import ModuleRequirement, TrainingModule
from training.models.qa import QaItem, QaItemResult, QaReview, QaRubric
from training.models.scores import CertificationLapse, Score
from training.models.surveys import SatisfactionSurvey

__all__ = [
    "CertificationLapse",
    "ModuleRequirement",
    "QaItem",
    "QaItemResult",
    "QaReview",
    "QaRubric",
    "SatisfactionSurvey",
    "Score",
    "TrainingModule",
]
