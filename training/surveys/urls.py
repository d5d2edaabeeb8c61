"""The public survey link: ``/s/<token>/`` (short: it goes into an SMS)."""

from django.urls import path

from training.surveys import views

app_name = "surveys"
urlpatterns = [path("<str:token>/", views.answer, name="answer")]
