from django.urls import path

from connectors import views

app_name = "connectors"
urlpatterns = [
    path("cases/<int:case_id>/delivery/", views.case_delivery, name="case_delivery"),
]
