from django.urls import path

from fengqiao.referrals import views

urlpatterns = [
    path("", views.desk, name="referral-desk"),
    path("transfers/", views.transfer_list, name="discipline-transfer-list"),
    path("<int:pk>/", views.referral_detail, name="referral-detail"),
    path("<int:pk>/<slug:step>/", views.referral_step, name="referral-step"),
]
