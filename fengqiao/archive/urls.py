from django.urls import path

from fengqiao.archive import views

# Mounted under /archive/ (fengqiao/urls.py).
urlpatterns = [
    path("<str:number>/seal/", views.dossier_seal, name="archive-seal"),
    path("<str:number>/export/", views.dossier_export, name="archive-export"),
    path("<str:number>/verify/", views.dossier_verify, name="archive-verify"),
]
