"""The work orders' API routes, included under /api/v1/ beside the cases API (no namespace, like it)."""

from django.urls import path

from workorders.api import CaseWorkOrdersView, WorkOrderAnswerView

urlpatterns = [
    path("cases/<int:case_id>/work-orders/", CaseWorkOrdersView.as_view(), name="api-case-work-orders"),
    path("work-orders/<int:pk>/answer/", WorkOrderAnswerView.as_view(), name="api-work-order-answer"),
]
