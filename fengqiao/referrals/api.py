"""REST API of 报送办理 under ``/api/v1/referrals/`` and ``/api/v1/discipline-transfers/``: the
desk list, a referral with the steps the caller may take, one endpoint per step (登记工单号,
派单, 指定承办, 退回理由不成立, 签收, 退回, 办理反馈, 移交纪委监委), and the discipline liaison's
list of transfers. Reads go through ``selectors``; writes through ``services`` (via the step
table in ``actions``); errors have the project's one shape, ``{"errors": {field: [..]}}``."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core.api import error_responses, form_errors
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import Serializer, StepView
from fengqiao.org.models import Staff
from fengqiao.referrals import actions, selectors, services
from fengqiao.referrals.models import DisciplineTransfer, Referral, ReferralKind, ReferralStatus, TransferGround

TAGS = ["referrals"]

ERROR_TEXT = {
    403: "可以查看但无权执行该步骤",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


def _choices(choices: Any) -> str:
    return "; ".join(f"`{v}` {label}" for v, label in choices)


class ReferralDocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="文号")
    pdf_url = serializers.CharField()


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(help_text="案件编号")
    status = serializers.CharField(help_text=_choices(ReferralStatus.choices))
    kind = serializers.CharField(help_text=_choices(ReferralKind.choices))
    work_order_number = serializers.CharField(help_text="12345工单号（未登记为空）")
    reason = serializers.CharField(help_text="职责不清的理由")
    receiving_department = serializers.CharField(help_text="受理部门代码")
    department = serializers.CharField(allow_null=True, help_text="承办部门代码")
    designated = serializers.BooleanField(help_text="指定承办（不得退回）")
    returns = serializers.IntegerField(help_text="退回次数")
    return_reason = serializers.CharField()
    return_rejected = serializers.BooleanField(help_text="热线办认定退回理由不成立")
    sign_due_on = serializers.DateField(allow_null=True)
    handle_due_on = serializers.DateField(allow_null=True)
    sent_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class ReferralDetailSerializer(ReferralSerializer):
    feedback_to_office = serializers.CharField()
    form_document = ReferralDocumentSerializer(allow_null=True)
    steps = serializers.ListField(child=serializers.CharField(), help_text="调用者现在可执行的步骤")
    refusal = serializers.CharField(allow_null=True, help_text=_choices(TransferGround.choices) + "；null 表示不构成")


def _pdf(case_number: str, document_id: int) -> str:
    return reverse("api-case-document-pdf", kwargs={"number": case_number, "document_id": document_id})


def _row(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "case": r.case.number,
        "status": r.status,
        "kind": r.kind,
        "work_order_number": r.work_order_number,
        "reason": r.reason,
        "receiving_department": r.case.receiving_department.code,
        "department": r.department.code if r.department else None,
        "designated": r.designated,
        "returns": r.returns,
        "return_reason": r.return_reason,
        "return_rejected": r.return_rejected,
        "sign_due_on": r.sign_due_on,
        "handle_due_on": r.handle_due_on,
        "sent_at": r.sent_at,
        "version": r.version,
    }


def _detail(r: Referral, user: Any) -> dict[str, Any]:
    doc = r.form_document
    return {
        **_row(r),
        "feedback_to_office": r.feedback_to_office,
        "form_document": {"id": doc.pk, "number": doc.number, "pdf_url": _pdf(r.case.number, doc.pk)} if doc else None,
        "steps": [s.name for s in actions.steps_for(user=user, referral=r)],
        "refusal": services.refusal_ground(r),
    }


class ReferralListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="报送单列表（热线办工作台 / 承办部门）",
        parameters=[OpenApiParameter("view", str, enum=list(selectors.DESK_VIEWS), description="默认 all")],
        responses={200: ReferralSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        view = request.query_params.get("view", "all")
        if view not in selectors.DESK_VIEWS:
            raise serializers.ValidationError({"view": [_("未知视图：%(v)s") % {"v": view}]})
        return Response([_row(r) for r in selectors.desk_list_for(user=user, view=view)[:500]])


class ReferralDetailView(APIView):
    @extend_schema(tags=TAGS, summary="报送单详情", responses={200: ReferralDetailSerializer, **_errors(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        user = request_staff(request)
        return Response(_detail(selectors.referral_get_for(user=user, pk=pk), user))


class ReferralStepVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="页面读取时报送单的 version（防止覆盖他人的更新）")


class ReferralWorkOrderRequestSerializer(ReferralStepVersionSerializer):
    work_order_number = serializers.CharField(max_length=40)


class ReferralDispatchRequestSerializer(ReferralStepVersionSerializer):
    department = serializers.CharField(help_text="承办部门代码")
    kind = serializers.CharField(required=False, help_text=_choices(ReferralKind.choices))


class ReferralReasonRequestSerializer(ReferralStepVersionSerializer):
    reason = serializers.CharField()


class ReferralRemedySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="救济途径")
    body = serializers.CharField(help_text="受理机关")
    deadline = serializers.CharField(help_text="期限")
    basis = serializers.CharField(required=False)


class ReferralFeedbackRequestSerializer(ReferralStepVersionSerializer):
    request = serializers.CharField(help_text="缴费人请求")
    facts_and_reasons = serializers.CharField()
    result = serializers.CharField(help_text="support / explain / reject（处理结论）")
    legal_basis = serializers.CharField()
    remedies = ReferralRemedySerializer(many=True)
    feedback_to_office = serializers.CharField(help_text="向12345热线办反馈的办理情况")


class DisciplineTransferRequestSerializer(ReferralStepVersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ReferralStep(StepView, abstract=True):
    # One step of the referral step table (``actions.STEPS``), named by ``step_name``: the
    # table's right, form and service, the API's body and answer (core.steps). No docstring:
    # the operations keep theirs empty.
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer: ClassVar[Serializer] = ReferralDetailSerializer
    step_name: ClassVar[str] = ""

    def fetch(self, staff: Staff, pk: int) -> Referral:
        return selectors.referral_get_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, referral: Referral) -> bool:
        step = actions.STEPS[self.step_name]
        if not step.may(staff, referral):
            raise PermissionDenied(_("您无权执行“%(s)s”。") % {"s": step.label})
        return True

    def validate(self, request: Request, staff: Staff, referral: Referral) -> dict[str, Any]:
        body = request.data
        if not hasattr(body, "get"):
            raise serializers.ValidationError({"non_field_errors": [_("请求体应为 JSON 对象。")]})
        data = {k: body.get(k) for k in body}
        if isinstance(data.get("remedies"), list):  # the form reads the remedies as the page's JSON text
            data["remedies"] = json.dumps(data["remedies"], ensure_ascii=False)
        form = actions.form_for(actions.STEPS[self.step_name], data, referral)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return form.cleaned_data

    def perform(self, staff: Staff, referral: Referral, data: dict[str, Any]) -> Any:
        return actions.STEPS[self.step_name].run(referral, staff, data)

    def respond(self, staff: Staff, referral: Referral, result: Any) -> dict[str, Any]:
        if isinstance(result, DisciplineTransfer):
            return _transfer(result)
        return _detail(selectors.referral_get_for(user=staff, pk=referral.pk), staff)


def _step_view(name: str, request_serializer: type[serializers.Serializer], summary: str) -> type[ReferralStep]:
    attrs: dict[str, Any] = {
        "step_name": name,
        "operation_id": f"referrals_{name}",
        "summary": summary,
        "request_serializer": request_serializer,
    }
    if name == "transfer":  # 移交纪委监委 makes a transfer: 201 with it
        attrs.update(response_serializer=DisciplineTransferSerializer, status_code=201)
    return type(f"Referral{name.title().replace('_', '')}View", (ReferralStep,), attrs)


class DisciplineTransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField()
    receiving_department = serializers.CharField()
    refusing_department = serializers.CharField()
    ground = serializers.CharField(help_text=_choices(TransferGround.choices))
    note = serializers.CharField()
    transferred_at = serializers.DateTimeField()
    transferred_by = serializers.CharField()
    letter = ReferralDocumentSerializer(allow_null=True, help_text="移交函")


def _transfer(t: DisciplineTransfer) -> dict[str, Any]:
    letter = t.letter
    return {
        "id": t.pk,
        "case": t.case.number,
        "receiving_department": t.case.receiving_department.code,
        "refusing_department": t.refusing_department.code,
        "ground": t.ground,
        "note": t.note,
        "transferred_at": t.transferred_at,
        "transferred_by": str(t.transferred_by),
        "letter": {"id": letter.pk, "number": letter.number, "pdf_url": _pdf(t.case.number, letter.pk)}
        if letter
        else None,
    }


class TransferListView(APIView):
    @extend_schema(
        tags=TAGS,
        summary="移交纪委监委的案件线索（纪委监委联络人）",
        responses={200: DisciplineTransferSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        return Response([_transfer(t) for t in selectors.transfer_list_for(user=user)[:500]])


class TransferDetailView(APIView):
    @extend_schema(
        tags=TAGS, summary="线索移交详情", responses={200: DisciplineTransferSerializer, **_errors(401, 404)}
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request_staff(request)
        return Response(_transfer(selectors.transfer_get_for(user=user, pk=pk)))


STEP_VIEWS = {
    "work_order": _step_view("work_order", ReferralWorkOrderRequestSerializer, "登记12345工单号（热线办）"),
    "dispatch": _step_view("dispatch", ReferralDispatchRequestSerializer, "派单 / 重新派单（热线办）"),
    "designate": _step_view("designate", ReferralDispatchRequestSerializer, "退回三次后指定承办部门（热线办）"),
    "reject_return": _step_view("reject_return", ReferralReasonRequestSerializer, "退回理由不成立，发回办理（热线办）"),
    "sign": _step_view("sign", ReferralStepVersionSerializer, "签收（承办部门）"),
    "return": _step_view("return", ReferralReasonRequestSerializer, "退回并说明理由（承办部门，1个工作日内）"),
    "feedback": _step_view(
        "feedback", ReferralFeedbackRequestSerializer, "办理反馈：形成处理意见并反馈热线办（承办部门）"
    ),
    "transfer": _step_view("transfer", DisciplineTransferRequestSerializer, "将案件线索移交纪委监委（受理部门）"),
}
