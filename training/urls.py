from django.urls import path

from training import views
from training.surveys import views as survey_views

app_name = "training"
urlpatterns = [
    path("", views.my_scorecard, name="my_scorecard"),
    path("agents/<int:agent_id>/", views.agent_scorecard, name="agent_scorecard"),
    path("team/", views.team, name="team"),
    path("scores/entry/", views.score_entry, name="score_entry"),
    path("scores/import/", views.score_import, name="score_import"),
    path("scores/export/", views.score_export, name="score_export"),
    path("scores/export/job/", views.score_export_job, name="score_export_job"),
    path("qa/", views.qa_queue, name="qa_queue"),
    path("qa/cases/<int:case_id>/", views.qa_case, name="qa_case"),
    path("qa/cases/<int:case_id>/survey/", views.qa_survey, name="qa_survey"),
    path("cases/<int:case_id>/survey-link/", survey_views.issue_chat_link, name="survey_link"),
    path("qa/reviews/<int:review_id>/", views.qa_review, name="qa_review"),
    path("qa/reviews/<int:review_id>/dispute/", views.qa_dispute, name="qa_dispute"),
    path("qa/reviews/<int:review_id>/settle/", views.qa_settle, name="qa_settle"),
]
