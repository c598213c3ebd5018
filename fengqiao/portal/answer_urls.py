"""缴费人收取答复与回访 (issue 14): the payer's notices, electronic delivery and visit answer, under
/payer/ beside the status page (``fengqiao.portal.answers``)."""

from django.urls import path

from fengqiao.portal import answers

urlpatterns = [
    path("cases/<str:number>/documents/<int:document_id>/", answers.document, name="portal-document"),
    path("cases/<str:number>/consent/", answers.consent, name="portal-consent"),
    path("cases/<str:number>/decision/", answers.decision, name="portal-decision"),
    path("cases/<str:number>/visit/", answers.visit, name="portal-visit"),
]
