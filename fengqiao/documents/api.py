"""REST API of a case's documents, under ``/api/v1/cases/{number}/documents/``: the list, issuing
(and correcting) one, and its DOCX and PDF files.

Reads go through ``selectors`` (a case or document the caller may not see is a 404), input
through the same form as the page, writes through ``services``; errors have the project's one
shape, ``{"errors": {field: [..]}}``.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases import selectors as case_selectors
from fengqiao.core.api import error_responses, form_errors
from fengqiao.core.auth import request_staff
from fengqiao.documents import permissions, registry, selectors, services
from fengqiao.documents.fonts import FontMissing
from fengqiao.documents.forms import IssueForm
from fengqiao.documents.models import IssuedDocument

TAGS = ["documents"]

ERROR_TEXT = {
    400: "输入有误：错误按字段列出（如 doc_type、replaces）",
    403: "无权出具，或该文书含个人信息明文而无权下载",
    404: "案件或文书不存在或无权查看（二者不作区分）",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    doc_type = serializers.CharField(help_text="文书类型代码，如 receipt_notice")
    title = serializers.CharField(help_text="题名")
    number = serializers.CharField(help_text="文号，如 奈争受告〔2026〕12号")
    version = serializers.IntegerField(help_text="版本；更正版沿用文号，版本加一")
    replaces = serializers.IntegerField(allow_null=True, help_text="被本版本更正的文书 id")
    superseded = serializers.BooleanField(help_text="已有更正版替代")
    issued_at = serializers.DateTimeField()
    issued_by = serializers.CharField()
    department = serializers.CharField(help_text="责任者（受理部门）")
    pages = serializers.IntegerField()
    personal_data = serializers.BooleanField(help_text="含个人信息明文：仅有权查看明文者可下载，下载留痕")
    docx_sm3 = serializers.CharField()
    pdf_sm3 = serializers.CharField()
    docx_url = serializers.CharField()
    pdf_url = serializers.CharField()


class IssueRequestSerializer(serializers.Serializer):
    doc_type = serializers.ChoiceField(
        choices=[(t.code, str(t.title)) for t in registry.for_subject(registry.SubjectKind.CASE)],
        required=False,
        help_text="新出具时必填；更正时可省略（取被更正文书的类型）",
    )
    replaces = serializers.IntegerField(required=False, help_text="更正时：被更正版本的 id（须为最新版本）")


def _represent(document: IssuedDocument, number: str) -> dict[str, Any]:
    def url(fmt: str) -> str:
        name = f"api-case-document-{fmt}"
        return reverse(name, kwargs={"number": number, "document_id": document.pk})

    return {
        "id": document.pk,
        "doc_type": document.doc_type,
        "title": document.title,
        "number": document.number,
        "version": document.version,
        "replaces": document.replaces_id,
        "superseded": bool(getattr(document, "superseded", False)),
        "issued_at": document.issued_at,
        "issued_by": str(document.issued_by or ""),
        "department": document.department.name,
        "pages": document.pages,
        "personal_data": document.personal_data,
        "docx_sm3": document.docx_sm3,
        "pdf_sm3": document.pdf_sm3,
        "docx_url": url("docx"),
        "pdf_url": url("pdf"),
    }


class CaseDocumentListView(APIView):
    """出具的文书 of one case, and issuing a new one (or a correction)."""

    @extend_schema(
        tags=TAGS,
        operation_id="cases_documents_list",
        summary="案件文书列表",
        description="Every version of every document issued for the case, oldest first; `superseded` marks "
        "a version a correction has replaced.",
        responses={200: DocumentSerializer(many=True), **_errors(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        staff = request_staff(request)
        case = case_selectors.case_get_for(user=staff, number=number)
        documents = selectors.documents_of(case=case)
        return Response(DocumentSerializer([_represent(d, case.number) for d in documents], many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="cases_documents_create",
        summary="出具文书",
        description=(
            "Issue a document of the case: it gets the next number (文号) of its type in the county and "
            "year, is rendered to DOCX and PDF (GB/T 9704), stored with SM3 digests and recorded on the "
            "timeline (201). The same type for the same version of the case is issued once: asking again "
            "returns the document already issued (200). With `replaces`, a correction: a new version under "
            "the same number; the old version stays unchanged. An archived case refuses (409). Types: "
            + "; ".join(f"`{t.code}` {t.title}" for t in registry.for_subject(registry.SubjectKind.CASE))
            + "."
        ),
        request=IssueRequestSerializer,
        responses={200: DocumentSerializer, 201: DocumentSerializer, **_errors(400, 401, 403, 404, 409, 503)},
        examples=[
            OpenApiExample("受理告知书", request_only=True, value={"doc_type": "receipt_notice"}),
            OpenApiExample("更正", request_only=True, value={"replaces": 12}),
        ],
    )
    def post(self, request: Request, number: str) -> Response:
        staff = request_staff(request)
        case = case_selectors.case_get_for(user=staff, number=number)
        data = request.data if isinstance(request.data, dict) else {}
        form = IssueForm(data=data, case=case)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        kind = registry.get(form.cleaned_data["doc_type"])
        if not permissions.may_issue(staff, case, kind):
            raise PermissionDenied(_("您无权出具该文书。"))
        try:
            document = services.document_issue(
                doc_type=kind.code, case=case, actor=staff, replaces=form.cleaned_data["replaces"]
            )
        except FontMissing as exc:
            return Response({"errors": {"detail": [str(exc)]}}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        existing = document.existing
        document = selectors.documents_of(case=case).get(pk=document.pk)
        # The same form for the same version of the case is issued once: asking again gives it back.
        code = status.HTTP_200_OK if existing else status.HTTP_201_CREATED
        return Response(DocumentSerializer(_represent(document, case.number)).data, status=code)


class _DocumentFileView(APIView):
    fmt = ""

    def get(self, request: Request, number: str, document_id: int) -> FileResponse:
        staff = request_staff(request)
        case, document = selectors.document_get_for(user=staff, number=number, document_id=document_id)
        with trail.denials(Action.DOWNLOAD, actor=staff, case=case, detail={"document": document.pk}):
            found = services.document_download(document=document, case=case, actor=staff, fmt=self.fmt)
        try:
            handle = found.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=found.filename, content_type=found.content_type)
        response["Cache-Control"] = "private, no-store"
        return response


class CaseDocumentDocxView(_DocumentFileView):
    """The DOCX of one issued document (official fonts named; opens in Word and WPS)."""

    fmt = "docx"

    @extend_schema(
        tags=TAGS,
        operation_id="cases_documents_docx",
        summary="下载文书 DOCX",
        responses={
            (200, services.CONTENT_TYPES["docx"]): OpenApiResponse(description="DOCX 文件"),
            **_errors(401, 403, 404),
        },
    )
    def get(self, request: Request, number: str, document_id: int) -> FileResponse:
        return super().get(request, number, document_id)


class CaseDocumentPdfView(_DocumentFileView):
    """The PDF of one issued document (fonts embedded; for printing)."""

    fmt = "pdf"

    @extend_schema(
        tags=TAGS,
        operation_id="cases_documents_pdf",
        summary="下载文书 PDF",
        responses={
            (200, services.CONTENT_TYPES["pdf"]): OpenApiResponse(description="PDF 文件"),
            **_errors(401, 403, 404),
        },
    )
    def get(self, request: Request, number: str, document_id: int) -> FileResponse:
        return super().get(request, number, document_id)
