"""REST API of the 12345 platform (四(八)): work orders in; status reports out (a callback).

Errors have the one shape ``{"errors": {field: [..]}}`` (``fengqiao.core.api.exception_handler``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiCallback, OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases.models import PayerGroup
from fengqiao.cases.serializers import InlineChoiceField
from fengqiao.core.api import ErrorSerializer
from fengqiao.core.auth import request_staff
from fengqiao.core.parsers import JSONParser
from fengqiao.integrations import hotline
from fengqiao.integrations.models import WorkOrderKind

TAGS = ["12345"]


class WorkOrderRequestSerializer(serializers.Serializer):
    """A work order as the 12345 platform sends it."""

    work_order_number = serializers.CharField(max_length=64, help_text="12345工单编号（同一编号重复发送只登记一次）")
    received_at = serializers.DateTimeField(help_text="平台受理时间（ISO 8601，含时区）")
    kind = InlineChoiceField(choices=WorkOrderKind.choices, help_text="complaint 投诉 / consultation 咨询")
    caller_name = serializers.CharField(max_length=128, required=False, help_text="来电人姓名")
    id_number = serializers.CharField(max_length=32, required=False, help_text="公民身份号码（校验码须正确）")
    phone = serializers.CharField(max_length=20, required=False, help_text="手机号码")
    township = serializers.CharField(max_length=16, required=False, help_text="事项所在苏木乡镇的区划代码")
    categories = serializers.ListField(
        child=serializers.CharField(max_length=8), required=False, help_text="争议事项类别编号"
    )
    summary = serializers.CharField(max_length=4000, required=False, help_text="反映主要事项")
    claims = serializers.CharField(max_length=4000, required=False, allow_blank=True, help_text="诉求")
    payer_group = serializers.ChoiceField(
        choices=PayerGroup.choices, required=False, help_text="缴费人群体；缺省为其他"
    )
    case_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="已有案件编号：给出时工单关联到该案件，不新建案件（其余来电人字段可省略）",
    )


class WorkOrderResponseSerializer(serializers.Serializer):
    work_order_number = serializers.CharField()
    case_number = serializers.CharField()
    state = serializers.CharField(help_text="案件当前状态")
    linked = serializers.BooleanField(help_text="true：关联到已有案件")
    created = serializers.BooleanField(help_text="false：该工单编号此前已接收，返回原案件")


class StatusReportSerializer(serializers.Serializer):
    """The body of a status report (``X-Fengqiao-Event: case.status_changed``)."""

    event = serializers.CharField(help_text="case.status_changed")
    work_order_number = serializers.CharField()
    case_number = serializers.CharField()
    event_id = serializers.IntegerField(help_text="办理记录编号；同一案件按此递增的顺序送达")
    at = serializers.DateTimeField()
    from_state = serializers.CharField(allow_blank=True)
    to_state = serializers.CharField()
    state_label = serializers.CharField()
    summary = serializers.CharField()


STATUS_CALLBACK = OpenApiCallback(
    name="status_report",
    path="https://12345.example.org/configured-endpoint",
    decorator=extend_schema(
        summary="案件状态回报（出站 Webhook）",
        description=(
            "Every status change of a case that came from (or was linked to) a work order is POSTed, through the "
            "outbox, to the URL of the endpoint named `12345` (configured in the admin). Headers: "
            "`X-Fengqiao-Event` (case.status_changed), `X-Fengqiao-Delivery` (the idempotency key "
            "`case-<id>-event-<id>`: drop a key you have accepted before), `X-Fengqiao-Timestamp` (Unix seconds), "
            "`X-Fengqiao-Signature: hmac-sm3=<hex>` — HMAC-SM3 with the endpoint's secret over "
            "`<timestamp>.<raw body>`. Any 2xx answer is delivery; anything else (or no answer within the "
            "timeout) is retried after 1, 2, 4 … minutes, at most an hour apart. The reports of one case arrive "
            "in the order of event_id."
        ),
        request=StatusReportSerializer,
        responses={200: OpenApiResponse(description="已接收（任何 2xx）")},
    ),
)


class WorkOrderReceiveView(APIView):
    """12345工单接收 (四(八)): the platform's account (hotline office) sends a work order."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=TAGS,
        operation_id="hotline_work_orders_create",
        summary="接收12345工单",
        description=(
            "Registers the work order as a case (channel 12345, awaiting review), or links it to the case named "
            "by `case_number`. Idempotent on the work-order number: the same number again answers 200 with the "
            "case it became. Callers: staff of the hotline office (or the group office) with an API token. "
            "The case's status changes are then reported back (see the callback)."
        ),
        request=WorkOrderRequestSerializer,
        responses={
            201: WorkOrderResponseSerializer,
            200: OpenApiResponse(WorkOrderResponseSerializer, description="该工单编号已接收过：返回原案件"),
            400: OpenApiResponse(ErrorSerializer, description="输入有误：错误按字段列出"),
            401: OpenApiResponse(ErrorSerializer, description="未登录或令牌无效"),
            403: OpenApiResponse(ErrorSerializer, description="无权接收工单"),
        },
        callbacks=[STATUS_CALLBACK],
        examples=[
            OpenApiExample(
                "投诉工单",
                request_only=True,
                value={
                    "work_order_number": "GD20260213000123",
                    "received_at": "2026-02-13T09:30:00+08:00",
                    "kind": "complaint",
                    "caller_name": "张三",
                    "id_number": "150525198503150013",
                    "phone": "13812345678",
                    "township": "150525100",
                    "categories": ["04"],
                    "summary": "对灵活就业人员养老保险缴费金额有异议",
                    "claims": "按实际收入核定缴费基数",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        staff = request_staff(request)
        if not hotline.may_receive_work_orders(staff):
            raise PermissionDenied(_("您无权接收12345工单。"))
        envelope = WorkOrderRequestSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(request.data)
        data.update(
            {
                "work_order_number": envelope.validated_data["work_order_number"],
                "received_at": envelope.validated_data["received_at"],
                "kind": envelope.validated_data["kind"],
            }
        )
        try:
            received = hotline.work_order_receive(actor=staff, data=data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        work_order = received.work_order
        body = WorkOrderResponseSerializer(
            {
                "work_order_number": work_order.number,
                "case_number": work_order.case.number,
                "state": work_order.case.state,
                "linked": work_order.linked,
                "created": received.created,
            }
        ).data
        return Response(body, status=status.HTTP_201_CREATED if received.created else status.HTTP_200_OK)
