from django.urls import path

from cases.web import imports as intake_views

app_name = "cases"
urlpatterns: list = [
    path("import/", intake_views.upload, name="import-upload"),
    path("import/confirm/", intake_views.confirm, name="import-confirm"),
]

# The bell: notifications list, unread count, mark-as-read.
from cases.web import notifications as notification_views  # noqa: E402

urlpatterns += [
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/bell/", notification_views.notification_bell, name="notification-bell"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notification-read-all"),
    path("notifications/<int:pk>/read/", notification_views.notification_read, name="notification-read"),
    path("notifications/<int:pk>/open/", notification_views.notification_open, name="notification-open"),
]

# The agent workspace: queues, the case page and its actions, supervisor views.
from cases.web import home as ws_home  # noqa: E402
from cases.web import workspace as ws  # noqa: E402
from cases.web import workspace_actions as ws_actions  # noqa: E402
from cases.web import workspace_supervisor as ws_supervisor  # noqa: E402

urlpatterns += [
    path("queue/", ws.queue, {"scope": "mine"}, name="queue"),
    path("queue/shop/", ws.queue, {"scope": "shop"}, name="queue_shop"),
    path("queue/all/", ws.queue, {"scope": "all"}, name="queue_all"),
    path("queue/breached/", ws.queue, {"scope": "breached"}, name="queue_breached"),
    path("queue/next/", ws_home.next_case, name="next_case"),
    path("<int:pk>/", ws.case_detail, name="case_detail"),
    path("<int:pk>/act/<slug:action>/", ws_actions.case_action, name="case_action"),
    path("<int:pk>/compose/<slug:action>/check/", ws_actions.compose_check, name="compose_check"),
    path("<int:pk>/macro/<int:macro_id>/", ws_actions.apply_macro, name="case_macro"),
    path("<int:pk>/contact/reveal/", ws_actions.reveal_contact, name="reveal_contact"),
    path("<int:pk>/evidence/", ws_actions.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_id>/", ws.evidence_download, name="evidence_download"),
    path("<int:pk>/follow-ups/<int:task_id>/done/", ws_actions.follow_up_done, name="follow_up_done"),
    path("<int:pk>/reassign/", ws_supervisor.reassign, name="case_reassign"),
    path("<int:pk>/reassign/form/", ws_supervisor.reassign_form, name="case_reassign_form"),
    path("approvals/", ws_supervisor.approvals, name="approvals"),
    path("team/", ws_supervisor.team_load, name="team_load"),
    path("team/assign/", ws_supervisor.bulk_assign, name="bulk_assign"),
]

# Saved queue filters (each user's own) and the supervisor's bulk actions on queue rows.
from cases.web import bulk_actions as ws_bulk  # noqa: E402
from cases.web import saved_filters as ws_saved  # noqa: E402

urlpatterns += [
    path("queue/saved/", ws_saved.saved_filter_list, name="saved_filters"),
    path("queue/saved/new/", ws_saved.saved_filter_save, name="saved_filter_save"),
    path("queue/saved/<int:pk>/delete/", ws_saved.saved_filter_delete, name="saved_filter_delete"),
    path("queue/bulk/", ws_bulk.bulk_action, name="bulk_action"),
]
