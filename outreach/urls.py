from django.urls import path

from outreach import views

app_name = "outreach"

urlpatterns = [
    path("tencent/<int:account_id>/<str:token>/status/", views.tencent_status, name="tencent_status"),
    path("tencent/<int:account_id>/<str:token>/reply/", views.tencent_reply, name="tencent_reply"),
]
