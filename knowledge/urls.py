from django.urls import path

from knowledge import exam_views, views

app_name = "knowledge"

urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_edit, name="create"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/approve/", views.article_approve, name="approve"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("cases/<int:case_id>/panel/", views.case_panel, name="case_panel"),
    path("<int:pk>/use/<int:case_id>/", views.article_use, name="use"),
    path("replies/<int:pk>/promote/", views.reply_promote, name="promote"),
    path("exam/", exam_views.exam_home, name="exam_home"),
    path("exam/lines/<int:pk>/start/", exam_views.exam_begin, name="exam_start"),
    path("exam/<int:pk>/", exam_views.exam_attempt, name="exam_attempt"),
]
