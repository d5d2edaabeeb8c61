from django.urls import path

from outreach import views, web

app_name = "outreach"

urlpatterns = [
    path("case/<int:case_id>/sms/", web.case_sms, name="case_sms"),
    path("case/<int:case_id>/sms/panel/", web.case_sms_panel, name="case_sms_panel"),
    path("tencent/<int:account_id>/<str:token>/status/", views.tencent_status, name="tencent_status"),
    path("tencent/<int:account_id>/<str:token>/reply/", views.tencent_reply, name="tencent_reply"),
]
