from django.urls import path

from incentives import views

app_name = "incentives"
urlpatterns = [
    path("", views.my_statement, name="statement"),
    path("entries/<int:entry_id>/dispute/", views.entry_dispute, name="dispute"),
    path("redeem/", views.redeem, name="redeem"),
    path("redemptions/<int:redemption_id>/cancel/", views.redemption_cancel_view, name="redemption_cancel"),
    path("periods/", views.periods, name="periods"),
    path("periods/<int:period_id>/", views.period_detail, name="period"),
    path("periods/<int:period_id>/lock/", views.lock, name="lock"),
    path("payouts/<str:span>.<str:fmt>", views.payout_download, name="payout_download"),
    path("payouts/<str:span>.<str:fmt>/job/", views.payout_export_job, name="payout_export_job"),
    path("manage/", views.manage, name="manage"),
    path("disputes/<int:dispute_id>/resolve/", views.resolve, name="resolve"),
    path("redemptions/<int:redemption_id>/decide/", views.decide, name="decide"),
]
