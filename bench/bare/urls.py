"""The project's URLs plus ``/bench/bare/``: a Django view that does one INSERT into a table of
its own (``bench_bare``, made with raw SQL by the benchmark — no model is added to the apps)."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    """One INSERT of the posted body, nothing else: the floor of a write through Django."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_bare (payload) VALUES (%s)", [request.body.decode()[:200]])
    return HttpResponse("ok", status=201)


urlpatterns = [
    path("bench/bare/", bare_insert),
    path("", include("fengqiao.urls")),
]
