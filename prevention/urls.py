from django.urls import path

from prevention import views

app_name = "prevention"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("risky/", views.risky_orders, name="risky"),
    path("effect/", views.effect, name="effect"),
    path("import/", views.order_import, name="import"),
]
