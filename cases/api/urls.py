from django.urls import path

from cases.api.views import ReviewIntakeView

urlpatterns: list = [
    path("reviews/", ReviewIntakeView.as_view(), name="api-reviews"),
]
