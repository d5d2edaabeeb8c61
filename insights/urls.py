from django.urls import path

from insights import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("weekly/", views.weekly, name="weekly"),
    path("weekly/report.xlsx", views.weekly_download, name="weekly_download"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("unresolved/", views.unresolved, name="unresolved"),
]
