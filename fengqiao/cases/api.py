"""REST API of 四(一) 一站受理 and 四(二) 审核转办, under ``/api/v1/``.

The endpoints are thin: reads go through ``selectors`` (a case the caller may not see is a
404, exactly like one that does not exist), input through the same forms as the pages, and
every write through ``services``. Errors have one shape, ``{"errors": {field: [..]}}``
(``fengqiao.core.api.exception_handler``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases import permissions, selectors, services
from fengqiao.cases.forms import IntakeForm, PartyCorrectionForm, RevealForm, ReviewForm
from fengqiao.cases.models import Case, CaseDepartment, CaseLink, DisputeCategory
from fengqiao.cases.serializers import (
    CaseDetailSerializer,
    CaseListQuerySerializer,
    CaseListSerializer,
    CategorySerializer,
    DuplicateQuerySerializer,
    IntakeMultipartSerializer,
    IntakeRequestSerializer,
    PartyCorrectionRequestSerializer,
    PartyCorrectionResponseSerializer,
    RevealRequestSerializer,
    RevealResponseSerializer,
    ReviewRequestSerializer,
    RoutingSerializer,
    case_detail_data,
)
from fengqiao.cases.states import Classification
from fengqiao.core.api import error_responses, form_errors
from fengqiao.core.auth import request_staff
from fengqiao.core.identifiers import validate_resident_id, validate_social_credit_code
from fengqiao.core.paging import KeysetPagination
from fengqiao.core.parsers import JSONParser
from fengqiao.core.steps import StepView, form_data
from fengqiao.org.models import Staff

TAGS = ["cases"]

ERROR_TEXT = {
    403: "无权执行",
    404: "案件不存在或无权查看（二者不作区分）",
    409: "案件已被他人更新（errors.version）或当前状态不能执行该步骤",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


def _invalid(errors: dict[str, Any]) -> serializers.ValidationError:
    return serializers.ValidationError(errors)


def _detail(request: Request, case: Case) -> dict[str, Any]:
    """The detail representation, with everything it shows fetched in a fixed number of queries."""
    prefetch_related_objects(
        [case],
        "categories",
        Prefetch(
            "involvements",
            queryset=CaseDepartment.objects.select_related("department").order_by("id"),
        ),
        "attachments",
        Prefetch("links_out", queryset=CaseLink.objects.select_related("other")),
        Prefetch("links_in", queryset=CaseLink.objects.select_related("case")),
    )
    context = {"request": request, "timeline": list(selectors.case_timeline(case=case))}
    return CaseDetailSerializer(case, context=context).data


def _case_for(request: Request, number: str) -> tuple[Staff, Case]:
    staff = request_staff(request)
    return staff, selectors.case_get_for(user=staff, number=number)


class CategoryListView(APIView):
    """争议事项 (三(三)): the active dispute categories, in their order."""

    @extend_schema(tags=TAGS, responses={200: CategorySerializer(many=True), **_errors(401)})
    def get(self, request: Request) -> Response:
        categories = DisputeCategory.objects.filter(active=True).order_by("sort_order", "code")
        return Response(CategorySerializer(categories, many=True).data)


class StaffTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, reading the member of staff with their department and its
    county in the same query (every case endpoint needs both: one query instead of three).
    The OpenAPI schema describes it as DRF's ``tokenAuth``, which it is."""

    # drf-spectacular: the same security scheme as DRF's class, not a second one.
    _spectacular_annotation = {"suppress_collision_warning": True}

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:
            token = Token.objects.select_related("user__department__jurisdiction").get(key=key)
        except Token.DoesNotExist:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class CaseListView(GenericAPIView[Case]):
    """The cases the caller may see (the workbench), and 受理登记 of a new one."""

    authentication_classes = [StaffTokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    serializer_class = CaseListSerializer
    pagination_class = KeysetPagination

    @extend_schema(
        tags=TAGS,
        operation_id="cases_list",
        summary="案件列表",
        description=(
            "The cases the caller may see, newest first (due date first for due_soon and overdue). "
            "`q` finds exact matches only: a case number, a party's full name as registered, an ID "
            "number, a mobile number or a credit code. Pages follow `next` (a keyset cursor: page 200 "
            "costs what page 1 does); `count` stops at 10,001 (`count_capped`). "
            "A bad parameter is answered with 400 naming it."
        ),
        parameters=[CaseListQuerySerializer],
        responses={200: CaseListSerializer(many=True), **_errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        query = CaseListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = selectors.CaseFilter(**{k: v for k, v in query.validated_data.items() if v not in (None, "")})
        cases = selectors.case_list_for(user=staff, filters=filters)
        page = self.paginate_queryset(cases)
        rows = CaseListSerializer(page if page is not None else cases, many=True).data
        return self.get_paginated_response(rows) if page is not None else Response(rows)

    @extend_schema(
        tags=TAGS,
        operation_id="cases_create",
        summary="受理登记（四(一)）",
        description=(
            "Register a dispute at the window (一站受理). JSON, or multipart/form-data with `attachments` "
            "(repeat the field; repeat `categories` too). The caller becomes the first receiver. "
            "`outcome`: own (本部门办理), inform (告知去向, needs `informed_department`), review (待审核转办)."
        ),
        request={
            "application/json": IntakeRequestSerializer,
            "multipart/form-data": IntakeMultipartSerializer,
        },
        responses={201: CaseDetailSerializer, **_errors(400, 401, 403)},
        examples=[
            OpenApiExample(
                "个人缴费人，登记后审核转办",
                request_only=True,
                media_type="application/json",
                value={
                    "payer_kind": "person",
                    "payer_name": "张三",
                    "payer_group": "flexible",
                    "id_number": "150525198503150013",
                    "phone": "13812345678",
                    "channel": "window",
                    "received_at": "2026-02-13T10:00:00+08:00",
                    "township": "150525100",
                    "categories": ["04"],
                    "summary": "对缴费金额有异议",
                    "outcome": "review",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        staff = request_staff(request)
        if not permissions.may_register(staff):
            raise PermissionDenied(_("您无权受理登记争议事项。"))
        data = form_data(request, lists=("categories",), joined=("link_to",))
        form = IntakeForm(data=data, files=request.FILES, user=staff)
        if not form.is_valid():
            raise _invalid(form_errors(form))
        case = services.case_register(actor=staff, data=form.intake_data())
        # Built from what the registration wrote (the case carries its categories, departments,
        # attachments, links and events): nothing is read back. Every role that may register sees
        # the case — its department is the receiving one (selectors.cases_visible_to).
        data = case_detail_data(case, actor=staff, timeline=case.written_rows["events"])
        return Response(data, status=status.HTTP_201_CREATED)


class CaseDetailView(APIView):
    """One case, if the caller may see it."""

    @extend_schema(tags=TAGS, summary="案件详情", responses={200: CaseDetailSerializer, **_errors(401, 404)})
    def get(self, request: Request, number: str) -> Response:
        staff = request_staff(request)
        with trail.case_view_guard(number=number, actor=staff, via="api"):
            case = selectors.case_get_for(user=staff, number=number)
        trail.case_viewed(case=case, actor=staff, via="api")
        return Response(_detail(request, case))


def _routing(case: Case) -> dict[str, Any]:
    proposal = selectors.routing_propose(case=case)
    return {
        "number": case.number,
        "state": case.state,
        "version": case.version,
        "proposal": {"lead": proposal.lead, "co": proposal.co, "bases": proposal.bases},
        "departments": list(selectors.departments_of(case.jurisdiction)),
        "classifications": [{"value": v, "label": str(label)} for v, label in Classification.choices],
    }


class CaseStep(StepView, abstract=True):
    # A step on one case the caller may see (core.steps): 404 otherwise. No docstring: each
    # step's own is its description.
    tags = TAGS
    error_texts = ERROR_TEXT

    def fetch(self, staff: Staff, number: str, **kwargs: Any) -> Case:
        return selectors.case_get_for(user=staff, number=number)


class CaseRoutingView(CaseStep):
    """审核转办 (四(二)): the rules' proposal, and the reviewer's decision."""

    operation_id = "cases_routing_create"
    summary = "审核转办（四(二)）"
    description = (
        "general: `lead_department` and at least one of `co_departments` → 联合办理; "
        "major: `reason` → 报组长同意; unclear: `reason` → 报送旗政府办 (四(八)). "
        "Send the `version` you read: if someone changed the case since, 409 with `errors.version`."
    )
    request_serializer = ReviewRequestSerializer
    response_serializer = CaseDetailSerializer
    form_class = ReviewForm
    form_lists = ("co_departments",)
    refusal = gettext_lazy("您无权审核转办该案件。")

    @extend_schema(
        tags=TAGS,
        operation_id="cases_routing_retrieve",
        summary="转办建议",
        description="The departments the routing rules propose for the case, and those to choose from.",
        responses={200: RoutingSerializer, **_errors(401, 403, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        _staff, case = self.acting_on(request, number=number)
        return Response(RoutingSerializer(_routing(case)).data)

    def allowed(self, staff: Staff, case: Case) -> bool:
        return permissions.may_review(staff, case)

    def form_kwargs(self, staff: Staff, case: Case) -> dict[str, Any]:
        return {"case": case}

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> Case:
        services.case_review(
            case=case,
            actor=staff,
            classification=d["classification"],
            lead_department=d.get("lead_department"),
            co_departments=list(d.get("co_departments") or []),
            reason=d.get("reason") or "",
            expected_version=d.get("version"),
        )
        return selectors.case_get_for(user=staff, number=case.number)

    def respond(self, staff: Staff, case: Case, result: Case) -> dict[str, Any]:
        return _detail(self.request, result)


class CaseRevealView(CaseStep):
    """查看明文 (五(三)): one item of personal data in plain text, for a stated reason."""

    summary = "查看明文"
    description = "Every reveal is recorded (who, when, which case, what, why) and shown in the timeline."
    request_serializer = RevealRequestSerializer
    response_serializer = RevealResponseSerializer
    error_codes = (400, 401, 403, 404)
    form_class = RevealForm
    response_headers = {"Cache-Control": "no-store"}

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> dict[str, str]:
        # who may reveal what the service says; a refusal is recorded, outside its rolled-back transaction
        with trail.denials(Action.REVEAL, actor=staff, case=case, detail={"fields": [d["field"]]}):
            value = services.personal_data_reveal(
                case=case, actor=staff, party=d["party"], field=d["field"], reason=d["reason"]
            )
        return {"value": value}


class CasePartyCorrectionView(CaseStep):
    """更正当事人信息: a person's corrected name or contact details, as a recorded step."""

    summary = "更正当事人信息"
    description = (
        "The identity and every open case of the person take the correction, each with a 信息变更 "
        "event giving the reason; closed cases keep what they registered and a sealed (archived) case is never "
        "touched — a correction started from one answers 409. `party` is `payer` or `other_party`."
    )
    request_serializer = PartyCorrectionRequestSerializer
    response_serializer = PartyCorrectionResponseSerializer
    form_class = PartyCorrectionForm

    def fetch(self, staff: Staff, number: str, party: str = "", **kwargs: Any) -> Case:
        case = super().fetch(staff, number)
        if party not in ("payer", "other_party"):
            raise Http404
        return case

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> dict[str, Any]:
        changed = services.party_correct(
            case=case,
            party=self.kwargs["party"],
            actor=staff,
            name=d["name"],
            phone=d["phone"],
            address=d["address"],
            contact_name=d["contact_name"],
            reason=d["reason"],
            expected_version=d["version"],
        )
        visible = set(
            selectors.cases_visible_to(staff).filter(pk__in=[c.pk for c in changed]).values_list("number", flat=True)
        )
        numbers = [c.number for c in changed if c.number in visible]
        return {"cases": numbers, "others": len(changed) - len(numbers)}

    def respond(self, staff: Staff, case: Case, result: dict[str, Any]) -> dict[str, Any]:
        return result


class DuplicateListView(APIView):
    """疑似重复: other cases of the same payer in the same or related categories (the intake
    clerk's live check). Only cases the caller may see.

    A POST with a JSON body, not a GET: the ID number in a query string lands in the access
    logs of every proxy on the way (五(三), issue 13 §2). It reads; it writes nothing."""

    @extend_schema(
        tags=TAGS,
        operation_id="cases_duplicates_list",
        summary="疑似重复案件",
        description="The payer's ID number or credit code travels in the JSON body, never in the URL "
        "(access logs keep URLs). Nothing is written.",
        request=DuplicateQuerySerializer,
        responses={200: CaseListSerializer(many=True), **_errors(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        staff = request_staff(request)
        # the intake's check, as on the page (views.case_intake_duplicates): for those who register
        if not permissions.may_register(staff):
            raise PermissionDenied(_("您无权受理登记争议事项。"))
        query = DuplicateQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        errors: dict[str, list[Any]] = {}
        checked = {"id_number": "", "credit_code": ""}
        for name, check in (("id_number", validate_resident_id), ("credit_code", validate_social_credit_code)):
            if q.get(name):
                try:
                    checked[name] = check(q[name])
                except DjangoValidationError as exc:
                    errors[name] = exc.messages
        codes = [c.strip() for c in (q.get("categories") or "").split(",") if c.strip()]
        categories = list(DisputeCategory.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {c.code for c in categories})
        if unknown:
            errors["categories"] = [_("“%(value)s”不是有效的选项。") % {"value": "、".join(unknown)}]
        if errors:
            raise _invalid(errors)
        cases = selectors.duplicates_find(
            user=staff,
            kind=q["kind"],
            id_number=checked["id_number"],
            credit_code=checked["credit_code"],
            categories=categories,
        )
        return Response(CaseListSerializer(cases, many=True).data)


class CaseAttachmentDownloadView(APIView):
    """Download one attachment of a case the caller may see (token or session)."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="附件文件"), **_errors(401, 404)}
    )
    def get(self, request: Request, number: str, token: str) -> FileResponse:
        staff, case = _case_for(request, number)
        attachment = case.attachments.filter(token=token).first()
        if attachment is None:
            raise Http404
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        trail.attachment_downloaded(case=case, actor=staff, attachment=attachment)
        return FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )
