from django.urls import path

from fengqiao.documents import views

# Mounted under /cases/<number>/documents/ (fengqiao/urls.py).
urlpatterns = [
    path("", views.document_issue, name="case-document-issue"),
    path("<int:document_id>/<str:fmt>/", views.document_download, name="case-document-download"),
]
