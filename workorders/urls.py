from django.urls import path

from workorders import views

app_name = "workorders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("weekly/", views.weekly_page, name="weekly"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("files/<int:pk>/", views.attachment_download, name="attachment"),
    path("case/<int:case_id>/panel/", views.case_panel, name="case_panel"),
    path("case/<int:case_id>/raise/", views.raise_order, name="raise"),
    path("answer/<int:pk>/", views.external_answer, name="external_answer"),
]
