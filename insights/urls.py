from django.urls import path

from insights import views
from insights.attainment import views as attainment
from insights.health import views as health

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("export/job/", views.export_job, {"kind": "dashboard"}, name="dashboard_export_job"),
    path("weekly/job/", views.export_job, {"kind": "weekly"}, name="weekly_export_job"),
    path("weekly/", views.weekly, name="weekly"),
    path("weekly/report.xlsx", views.weekly_download, name="weekly_download"),
    path("reports/<int:pk>/download/", views.report_download, name="report_download"),
    path("unresolved/", views.unresolved, name="unresolved"),
    path("attainment/", attainment.attainment_page, name="attainment"),
    path("attainment/export.xlsx", attainment.attainment_export, name="attainment_export"),
    path("attainment/cases/", attainment.attainment_cases, name="attainment_cases"),
    path("health/", health.health, name="health"),
    path("health/import/", health.health_import, name="health_import"),
]
