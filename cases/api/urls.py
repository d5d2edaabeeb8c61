from django.urls import path

from cases.api.actions import action_urlpatterns
from cases.api.assign import CaseAssigneesView, CaseAssignView
from cases.api.cases import CaseDetailView, CaseListView, RevealContactView
from cases.api.compose import CaseComposeView
from cases.api.evidence import EvidenceDownloadView, EvidenceUploadView
from cases.api.jobs import ImportStartView, JobDetailView, JobDownloadView
from cases.api.views import ReviewIntakeView

urlpatterns: list = [
    path("reviews/", ReviewIntakeView.as_view(), name="api-reviews"),
    path("imports/", ImportStartView.as_view(), name="api-imports"),
    path("jobs/<int:pk>/", JobDetailView.as_view(), name="api-job"),
    path("jobs/<int:pk>/download/", JobDownloadView.as_view(), name="api-job-download"),
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<int:case_id>/", CaseDetailView.as_view(), name="api-case"),
    path("cases/<int:case_id>/compose/", CaseComposeView.as_view(), name="api-case-compose"),
    path("cases/<int:case_id>/reveal-contact/", RevealContactView.as_view(), name="api-case-reveal-contact"),
    path("cases/<int:case_id>/evidence/", EvidenceUploadView.as_view(), name="api-case-evidence"),
    path(
        "cases/<int:case_id>/evidence/<int:evidence_id>/",
        EvidenceDownloadView.as_view(),
        name="api-case-evidence-download",
    ),
    path("cases/<int:case_id>/assignees/", CaseAssigneesView.as_view(), name="api-case-assignees"),
    path("cases/<int:case_id>/assign/", CaseAssignView.as_view(), name="api-case-assign"),
    *action_urlpatterns(),
]
