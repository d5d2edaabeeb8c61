from django.urls import path

from cases.views import intake as intake_views

app_name = "cases"
urlpatterns: list = [
    path("import/", intake_views.upload, name="import-upload"),
    path("import/confirm/", intake_views.confirm, name="import-confirm"),
]

# The bell (C2): notifications list, unread count, mark-as-read.
from cases.views import notifications as notification_views  # noqa: E402

urlpatterns += [
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/bell/", notification_views.notification_bell, name="notification-bell"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", notification_views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", notification_views.notification_open, name="notification-open"),
]
