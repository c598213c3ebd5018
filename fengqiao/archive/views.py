"""Staff pages of the archive: the 归档 section of the case page, sealing, the export package
and verification. The case comes through ``case_get_for`` (404 if the user may not see it);
views call a service and redirect; they never save a model."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fengqiao.archive import permissions, selectors, services
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases import workflow
from fengqiao.cases.models import Case
from fengqiao.core.auth import request_staff
from fengqiao.core.pages import Done, acting_on, post_step
from fengqiao.documents.fonts import FontMissing
from fengqiao.org.models import Staff
from fengqiao.releases import selectors as release_selectors
from fengqiao.releases import views as release_views
from fengqiao.releases.models import ReleaseKind
from fengqiao.releases.services import ReleaseRequired


def case_archive_context(*, user: Staff, case: Case) -> dict[str, Any]:
    """What the case page's 归档 section shows: the dossier and its items, or whether the user
    may seal it now (and if not, why)."""
    dossier = selectors.dossier_of(case)
    may_export = dossier is not None and permissions.may_export(user, case)
    step = workflow.TRANSITIONS["archive"]
    may_seal = dossier is None and case.state in step.sources and permissions.may_seal(user, case)
    blocker = None
    if may_seal:
        for guard in step.guards:
            blocker = guard(case, {})
            if blocker:
                break
    return {
        "dossier": dossier,
        "dossier_items": selectors.dossier_items(dossier) if dossier else [],
        "may_seal": may_seal and not blocker,
        "archive_blocker": blocker if may_seal else None,
        "may_export": may_export,
        # 五(三) 信息发布报批: the package leaves only under the exporter's approved release.
        "export_release": (
            release_selectors.usable_for(user=user, kind=ReleaseKind.DOSSIER, case=case) if may_export else None
        ),
        "release_request_url": release_views.request_url(kind=ReleaseKind.DOSSIER, case=case) if may_export else "",
    }


@login_required
@require_POST
def dossier_seal(request: HttpRequest, number: str) -> HttpResponse:
    """案卷归档 from the case page."""
    user, case = acting_on(request, case_selectors.case_get_for, permissions.may_seal, number=number)

    def write(d: dict[str, Any]) -> Done:
        try:
            dossier = services.dossier_seal(case=case, actor=user)
        except FontMissing as exc:
            raise ValidationError(str(exc)) from exc
        said = _("案件 %(c)s 已归档，档号%(n)s。") % {"c": case.number, "n": dossier.archive_number}
        return Done(said, "case-detail", number=case.number)

    return post_step(request, None, write, back=reverse("case-detail", args=[case.number]), joined=True)


@login_required
@require_GET
def dossier_export(request: HttpRequest, number: str) -> HttpResponse:
    """The export package (ZIP) of the case's sealed dossier — under an approved information
    release (五(三)); without one, the request form with the reason."""
    user = request_staff(request)
    case = case_selectors.case_get_for(user=user, number=number)
    dossier = selectors.dossier_of(case)
    if dossier is None:
        raise Http404("not archived")
    try:
        data = services.dossier_export_for(dossier=dossier, actor=user)
    except ReleaseRequired as exc:
        # Refused and recorded: the form of the request it needs, with the reason.
        messages.error(request, str(exc))
        return redirect(release_views.request_url(kind=ReleaseKind.DOSSIER, case=case))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="dossier-{case.number}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def dossier_verify(request: HttpRequest, number: str) -> HttpResponse:
    """Check the stored dossier against its manifest and report on the case page."""
    user = request_staff(request)
    case = case_selectors.case_get_for(user=user, number=number)
    dossier = selectors.dossier_of(case)
    if dossier is None:
        raise Http404("not archived")
    problems = services.dossier_verify(dossier)
    if problems:
        messages.error(request, _("校验未通过：") + "；".join(problems))
    else:
        messages.success(request, _("案件 %(c)s 的案卷校验通过：全部文件与清单的SM3摘要一致。") % {"c": case.number})
    return redirect("case-detail", number=case.number)
