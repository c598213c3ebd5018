"""REST API of a case's dossier, under ``/api/v1/cases/{number}/dossier/``: the dossier (and
sealing it), its export package and its verification.

Reads go through ``case_get_for`` (a case the caller may not see is a 404), writes through
``services``; errors have the project's one shape, ``{"errors": {field: [..]}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.archive import permissions, selectors, services
from fengqiao.archive.models import Dossier
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import StepView
from fengqiao.documents.fonts import FontMissing
from fengqiao.org.models import Staff

TAGS = ["archive"]

ERROR_TEXT = {
    400: "不能归档：已归档、状态不符，或尚未回访/救济途径未终结",
    403: "无权归档或无权导出（归档包含个人信息明文），或导出未经信息发布审批",
    404: "案件不存在、无权查看或尚未归档（不作区分）",
    503: "服务器缺少生成PDF所需的字体",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


class DossierItemSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="卷内序号")
    kind = serializers.CharField(help_text="document / attachment / opinion / minutes / visit / remedy / timeline")
    title = serializers.CharField(help_text="题名")
    number = serializers.CharField(help_text="文号（文书）")
    responsible = serializers.CharField(help_text="责任者")
    date = serializers.DateField()
    path = serializers.CharField(help_text="导出包中的路径")
    size = serializers.IntegerField()
    sm3 = serializers.CharField(help_text="文件的SM3摘要（十六进制）")


class DossierSerializer(serializers.Serializer):
    case = serializers.CharField(help_text="案件编号")
    archive_number = serializers.CharField(help_text="档号（DA/T 22-2015）：全宗号-门类代码·年度-保管期限-机构-件号")
    retention = serializers.CharField(help_text="保管期限：Y / D30 / D10")
    year = serializers.IntegerField()
    title = serializers.CharField(help_text="案卷题名")
    sealed_at = serializers.DateTimeField()
    sealed_by = serializers.CharField()
    manifest_sm3 = serializers.CharField(help_text="manifest.json 的SM3摘要")
    items = DossierItemSerializer(many=True)


class VerifySerializer(serializers.Serializer):
    archive_number = serializers.CharField()
    ok = serializers.BooleanField(help_text="全部文件和清单与SM3摘要一致")
    problems = serializers.ListField(child=serializers.CharField(), help_text="发现的问题；为空表示完好")


def _represent(dossier: Dossier) -> dict[str, Any]:
    return {
        "case": dossier.case.number,
        "archive_number": dossier.archive_number,
        "retention": dossier.retention,
        "year": dossier.year,
        "title": dossier.title,
        "sealed_at": dossier.sealed_at,
        "sealed_by": str(dossier.sealed_by),
        "manifest_sm3": dossier.manifest_sm3,
        "items": [
            {
                "seq": i.seq,
                "kind": i.kind,
                "title": i.title,
                "number": i.number,
                "responsible": i.responsible,
                "date": i.day,
                "path": f"files/{i.filename}",
                "size": i.size,
                "sm3": i.sm3,
            }
            for i in selectors.dossier_items(dossier)
        ],
    }


def _dossier(request: Request, number: str) -> tuple[Staff, Case, Dossier]:
    staff = request_staff(request)
    case = case_selectors.case_get_for(user=staff, number=number)
    dossier = selectors.dossier_of(case)
    if dossier is None:
        raise Http404("not archived")
    return staff, case, dossier


class DossierView(StepView):
    """案卷 of one case, and sealing it (案卷归档, 四(七))."""

    operation_id = "cases_dossier_seal"
    summary = "封存归档"
    description = (
        "Seal the case's dossier: every issued document (DOCX and PDF), minutes, attachment, signed "
        "written opinion, follow-up visit record and the timeline, with the 案卷封面 and 卷内目录, are "
        "copied into the dossier with their SM3 digests; the manifest and its SM3 are written and the "
        "case moves to 已归档. Informed cases can be archived at once; others after a follow-up visit "
        "without objection, or once every remedy has ended without changing the decision."
    )
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer = DossierSerializer
    status_code = 201
    error_codes = (400, 401, 403, 404, 503)
    refusal = gettext_lazy("您无权归档该案件。")
    unavailable = (FontMissing,)

    @extend_schema(
        tags=TAGS,
        operation_id="cases_dossier_retrieve",
        summary="案卷",
        description="The sealed dossier of the case: archive number, retention, manifest SM3 and items.",
        responses={200: DossierSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        _staff, _case, dossier = _dossier(request, number)
        return Response(DossierSerializer(_represent(dossier)).data)

    def fetch(self, staff: Staff, number: str) -> Case:
        return case_selectors.case_get_for(user=staff, number=number)

    def allowed(self, staff: Staff, case: Case) -> bool:
        return permissions.may_seal(staff, case)

    def perform(self, staff: Staff, case: Case, data: dict[str, Any]) -> Dossier:
        return services.dossier_seal(case=case, actor=staff)

    def respond(self, staff: Staff, case: Case, dossier: Dossier) -> dict[str, Any]:
        return dict(DossierSerializer(_represent(dossier)).data)


class DossierExportView(APIView):
    """The export package of a sealed dossier: a ZIP with the files, manifest.json and manifest.xml."""

    @extend_schema(
        tags=TAGS,
        operation_id="cases_dossier_export",
        summary="下载归档包",
        description="A ZIP with `files/`, `manifest.json` (as sealed), `manifest.sm3`, `manifest.xml` (archive "
        "number, manifest SM3, and per item its path, title, SM3 and size) and `signature.json` (HMAC-SM3 with the "
        "county's package key over the three manifests, naming the key id). The package holds personal data: it "
        "needs the caller's approved, unexpired information release for this dossier (`POST /api/v1/releases/`, "
        "kind `dossier`; 五(三)), of which each export uses one; without one, 403 naming it. Recorded on the "
        "timeline and in the audit chain (a refusal as denied).",
        responses={
            (200, "application/zip"): OpenApiResponse(description="ZIP 归档包"),
            **_errors(401, 403, 404),
        },
    )
    def get(self, request: Request, number: str) -> HttpResponse:
        staff, case, dossier = _dossier(request, number)
        data = services.dossier_export_for(dossier=dossier, actor=staff)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="dossier-{case.number}.zip"'
        response["Cache-Control"] = "private, no-store"
        return response


class DossierVerifyView(APIView):
    """Verification of a sealed dossier against its manifest."""

    @extend_schema(
        tags=TAGS,
        operation_id="cases_dossier_verify",
        summary="校验案卷",
        description="Recompute the SM3 of every stored file and of the manifest and compare with the sealed "
        "manifest and with the manifest SM3 the audit chain recorded at sealing; `problems` lists what differs.",
        responses={200: VerifySerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        _staff, _case, dossier = _dossier(request, number)
        problems = services.dossier_verify(dossier)
        return Response(
            VerifySerializer({"archive_number": dossier.archive_number, "ok": not problems, "problems": problems}).data
        )
