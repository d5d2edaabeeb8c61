"""The managers' policy tools (admin look, admin login): /policies/sandbox/, /policies/pack/{export,import}/."""

from django.contrib import admin
from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("sandbox/", admin.site.admin_view(views.sandbox), name="sandbox"),
    path("pack/export/", admin.site.admin_view(views.pack_export), name="pack_export"),
    path("pack/import/", admin.site.admin_view(views.pack_import), name="pack_import"),
    path("pack/export/job/", admin.site.admin_view(views.pack_export_job), name="pack_export_job"),
    path(
        "pack/import/jobs/<int:pk>/confirm/",
        admin.site.admin_view(views.pack_import_confirm_job),
        name="pack_import_confirm_job",
    ),
]
