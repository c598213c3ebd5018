"""REST API of 结果反馈 (四(四)), 跟踪回访 (四(五)) and the remedies of a payer who objects,
under ``/api/v1/``.

Thin like the pages: a case is fetched with ``case_get_for`` and a visit or a remedy through
its case (one the caller may not see is a 404, exactly like one that does not exist); writes
need ``may_follow_up`` (the receiving department or the group office, else 403) and go
through ``services``, which take the workflow step the record implies. Errors have the one
shape ``{"errors": {field: [..]}}`` (``fengqiao.core.api.exception_handler``): bad input is a
400 keyed by field, a stale ``version`` or a step the state no longer allows a 409.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases import selectors as case_selectors
from fengqiao.cases.models import Case
from fengqiao.cases.permissions import may_reveal
from fengqiao.cases.serializers import InlineChoiceField
from fengqiao.cases.states import CaseState
from fengqiao.core import calendar
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.identifiers import mask_contact
from fengqiao.core.steps import StepView
from fengqiao.documents.fonts import FontMissing
from fengqiao.followup import permissions, selectors, services
from fengqiao.followup.models import (
    STAFF_VISIT_METHODS,
    Delivery,
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    RemedyOutcome,
    RemedyStatus,
    Satisfaction,
    Visit,
    VisitMethod,
)
from fengqiao.org.models import Staff

TAGS = ["followup"]

ERROR_TEXT = {
    403: "可以查看该案件，但无权办理结果反馈与回访（限受理部门或领导小组办公室）",
    404: "案件、回访或救济途径不存在或无权查看（二者不作区分）",
    409: "案件已被他人更新（errors.version），或当前状态不能执行该步骤（如回访已记录、救济途径已终结）",
    503: "服务器缺少生成送达回证所需的字体（errors.detail 写明字体和软件包）；未作任何记录",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


# --- serializers -----------------------------------------------------------------------------


class DeliverySerializer(serializers.Serializer):
    """结果反馈: the decision notice delivered to one party, with its 送达回证."""

    id = serializers.IntegerField()
    decision = serializers.IntegerField(source="decision_id", help_text="送达的处理意见")
    recipient = InlineChoiceField(choices=Recipient.choices, help_text="受送达人")
    recipient_name = serializers.CharField()
    method = InlineChoiceField(choices=DeliveryMethod.choices, help_text="送达方式")
    address = serializers.SerializerMethodField(
        help_text="送达地址、手机号码或邮箱，脱敏后的值（五(三)）；明文只能经 deliveries/{id}/reveal/ 查看并留痕"
    )
    delivered_at = serializers.DateTimeField()
    receipt_reference = serializers.CharField(help_text="送达回证编号或邮件单号等外部编号")
    receipt_document = serializers.IntegerField(
        source="receipt_document_id",
        allow_null=True,
        help_text="出具的送达回证（文书编号，见 cases/{number}/documents/{id}/pdf/）",
    )
    notes = serializers.CharField()
    recorded_by = serializers.CharField(
        source="recorded_by.username", allow_null=True, help_text="记录人；缴费人网上签收的为 null"
    )
    recorded_at = serializers.DateTimeField()

    def get_address(self, delivery: Delivery) -> str:
        # Masked for everyone, as on the page: a plain read is a recorded reveal (五(三)).
        return mask_contact(delivery.address)


class VisitSerializer(serializers.Serializer):
    """跟踪回访: scheduled, then done and recorded (method, satisfaction, objection)."""

    id = serializers.IntegerField()
    party = InlineChoiceField(choices=Recipient.choices, help_text="回访对象：缴费人或争议另一方（四(五)）")
    scheduled_on = serializers.DateField(help_text="计划回访日期")
    scheduled_provisional = serializers.BooleanField(help_text="日期按暂定的节假日安排计算")
    done_at = serializers.DateTimeField(allow_null=True, help_text="回访时间；未回访为 null")
    method = InlineChoiceField(choices=VisitMethod.choices, allow_blank=True, help_text="回访方式；未回访为空")
    satisfaction = InlineChoiceField(choices=Satisfaction.choices, allow_blank=True, help_text="满意度；未回访为空")
    objects_to_decision = serializers.BooleanField(
        help_text="回访对象对处理意见有异议（仅缴费人的异议转入救济途径跟踪）"
    )
    notes = serializers.CharField()
    by = serializers.CharField(source="by.username", allow_null=True, help_text="回访人")


class FollowUpRemedySerializer(serializers.Serializer):
    """救济途径: what the objecting payer did, its statutory deadline and outcome."""

    id = serializers.IntegerField()
    kind = InlineChoiceField(choices=RemedyKind.choices, help_text="救济途径")
    body = serializers.CharField(help_text="受理机关")
    filed_on = serializers.DateField(help_text="申请/起诉日期")
    deadline_start = serializers.DateField(help_text="法定期限起算日")
    statutory_deadline = serializers.DateField(help_text="法定期限届满日（末日为节假日的顺延）")
    deadline_provisional = serializers.BooleanField(help_text="期限按暂定的节假日安排计算")
    filed_in_time = serializers.BooleanField(help_text="在法定期限内提出")
    previous = serializers.IntegerField(source="previous_id", allow_null=True, help_text="前一救济途径")
    status = InlineChoiceField(choices=RemedyStatus.choices)
    outcome = InlineChoiceField(choices=RemedyOutcome.choices, allow_blank=True, help_text="结果；未终结为空")
    outcome_on = serializers.DateField(allow_null=True)
    next_check_on = serializers.DateField(allow_null=True, help_text="下次跟踪日期")
    window_ends_on = serializers.DateField(
        allow_null=True,
        help_text="终结后可提起后续救济的期限届满日（如复议维持后15日内起诉）；未届满前案件不归档",
    )
    window_provisional = serializers.BooleanField(help_text="后续救济期限按暂定的节假日安排计算")
    notes = serializers.CharField()


class FollowUpSerializer(serializers.Serializer):
    case = serializers.CharField(help_text="案件编号")
    state = serializers.ChoiceField(choices=CaseState.choices)
    version = serializers.IntegerField(help_text="结果反馈时回传，防止覆盖他人的更新")
    deliveries = DeliverySerializer(many=True)
    visits = VisitSerializer(many=True)
    remedies = FollowUpRemedySerializer(many=True)
    archive_blocker = serializers.CharField(allow_null=True, help_text="尚不能归档的原因；为 null 表示可以归档")
    may_follow_up = serializers.BooleanField(help_text="当前用户可以办理结果反馈、回访和救济途径")


class DeliveryRecordSerializer(serializers.Serializer):
    recipient = InlineChoiceField(choices=Recipient.choices)
    method = InlineChoiceField(choices=DeliveryMethod.choices)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True, help_text="默认为当前时间")
    recipient_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=120)
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    receipt_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    send_message = serializers.BooleanField(required=False, default=False, help_text="短信或电子邮件送达时发出通知")
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="读取时的 version；已被他人更新则 409"
    )


class VisitScheduleSerializer(serializers.Serializer):
    party = InlineChoiceField(
        choices=Recipient.choices, required=False, default=Recipient.PAYER, help_text="回访对象，默认为缴费人"
    )
    scheduled_on = serializers.DateField(required=False, allow_null=True, help_text="默认为回访时限的最后一日")


class VisitRecordSerializer(serializers.Serializer):
    method = InlineChoiceField(choices=STAFF_VISIT_METHODS, help_text="回访方式（缴费人网上答复只由缴费人本人提交）")
    satisfaction = InlineChoiceField(choices=Satisfaction.choices)
    objects_to_decision = serializers.BooleanField(help_text="有异议则转入救济途径跟踪")
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    done_at = serializers.DateTimeField(required=False, allow_null=True, help_text="默认为当前时间")


class RemedyRecordSerializer(serializers.Serializer):
    kind = InlineChoiceField(choices=RemedyKind.choices)
    body = serializers.CharField(max_length=120, help_text="受理机关")
    filed_on = serializers.DateField()
    previous = serializers.IntegerField(
        required=False, allow_null=True, help_text="本案已终结的前一救济途径（调解→仲裁，复议→诉讼）"
    )
    next_check_on = serializers.DateField(required=False, allow_null=True, help_text="默认为申请后30日")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RemedyCheckSerializer(serializers.Serializer):
    next_check_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RemedyOutcomeSerializer(serializers.Serializer):
    outcome = InlineChoiceField(choices=RemedyOutcome.choices, help_text="变更/撤销处理意见的，案件重新办理")
    outcome_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class WorkCaseSerializer(serializers.Serializer):
    case = serializers.CharField(source="number")
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_changed_at = serializers.DateTimeField()
    due_on = serializers.DateField(allow_null=True)


class WorkVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    party = InlineChoiceField(choices=Recipient.choices)
    scheduled_on = serializers.DateField()
    scheduled_provisional = serializers.BooleanField()


class WorkRemedySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    kind = InlineChoiceField(choices=RemedyKind.choices)
    body = serializers.CharField()
    statutory_deadline = serializers.DateField()
    next_check_on = serializers.DateField()


class FollowUpWorkSerializer(serializers.Serializer):
    today = serializers.DateField()
    to_notify = WorkCaseSerializer(many=True, help_text="已形成处理意见、尚未向缴费人反馈")
    to_notify_other = WorkCaseSerializer(many=True, help_text="已向缴费人反馈、尚未向争议另一方反馈")
    to_visit_other = WorkCaseSerializer(many=True, help_text="已向争议另一方反馈、尚未安排对其回访")
    visits = WorkVisitSerializer(many=True, help_text="7日内到期或已逾期的回访")
    remedies = WorkRemedySerializer(many=True, help_text="到了跟踪日期的救济途径")
    ready = WorkCaseSerializer(many=True, help_text="可以归档")


# --- steps (core.steps) ----------------------------------------------------------------------


class FollowUpStep(StepView, abstract=True):
    # A record of follow-up on a case, or on a visit or a remedy through its case: 404 when the
    # caller may not see the case, 403 when it is not theirs to follow up (``may_follow_up``:
    # the receiving department or the group office). No docstring: each step's is its description.
    tags = TAGS
    error_texts = ERROR_TEXT
    refusal = gettext_lazy("您无权办理该案件的结果反馈与回访。")

    def allowed(self, staff: Staff, obj: Any) -> bool:  # a Case, a Visit or a Remedy
        return permissions.may_follow_up(staff, obj if isinstance(obj, Case) else obj.case)


class CaseStep(FollowUpStep, abstract=True):
    status_code = 201

    def fetch(self, staff: Staff, number: str, **kwargs: Any) -> Case:
        return case_selectors.case_get_for(user=staff, number=number)


class VisitStep(FollowUpStep, abstract=True):
    response_serializer = VisitSerializer

    def fetch(self, staff: Staff, pk: int) -> Visit:
        return selectors.visit_for(user=staff, pk=pk)


class RemedyStep(FollowUpStep, abstract=True):
    response_serializer = FollowUpRemedySerializer

    def fetch(self, staff: Staff, pk: int) -> Remedy:
        return selectors.remedy_for(user=staff, pk=pk)


# --- views -----------------------------------------------------------------------------------


class CaseFollowUpView(APIView):
    """结果反馈与回访 of a case: deliveries, visits, remedies and whether it may be archived."""

    @extend_schema(
        tags=TAGS,
        operation_id="cases_followup_retrieve",
        summary="结果反馈与跟踪回访",
        description="The case's deliveries of the decision notice (四(四)), follow-up visits (四(五)) and the "
        "remedies of an objecting payer with their statutory deadlines; `archive_blocker` says why the case "
        "cannot be archived yet (null: it can), `may_follow_up` whether the caller may record here.",
        responses={200: FollowUpSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, number: str) -> Response:
        staff = request_staff(request)
        case = case_selectors.case_get_for(user=staff, number=number)
        data = {
            "case": case.number,
            "state": case.state,
            "version": case.version,
            "deliveries": selectors.deliveries_of(case),
            "visits": selectors.visits_of(case),
            "remedies": selectors.remedies_of(case),
            "archive_blocker": selectors.archive_blocker(case),
            "may_follow_up": permissions.may_follow_up(staff, case),
        }
        return Response(FollowUpSerializer(data).data)


class CaseDeliveriesView(CaseStep):
    """结果反馈 (四(四)): record the delivery of the decision notice."""

    operation_id = "cases_deliveries_create"
    summary = "记录结果反馈（送达）"
    description = (
        "Record the delivery of the issued decision notice to the payer or the other party, with "
        "the method and 送达回证. The payer's delivery moves the case to 跟踪回访 and schedules the visit "
        "within the follow-up limit; send the case `version` you read (409 if someone changed it since). "
        "Each delivery issues its 送达回证 (`receipt_document`). With `send_message` an SMS or e-mail goes "
        "out to `address`."
    )
    request_serializer = DeliveryRecordSerializer
    response_serializer = DeliverySerializer
    error_codes = (400, 401, 403, 404, 409, 503)
    unavailable = (FontMissing,)

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> Delivery:
        return services.feedback_record(
            case=case,
            actor=staff,
            recipient=d["recipient"],
            method=d["method"],
            delivered_at=d.get("delivered_at"),
            recipient_name=d["recipient_name"],
            address=d["address"],
            receipt_reference=d["receipt_reference"],
            notes=d["notes"],
            send_message=d["send_message"],
            expected_version=d.get("version"),
        )


class DeliveryRevealSerializer(serializers.Serializer):
    reason = serializers.CharField(min_length=4, max_length=255, help_text="查看理由（至少4个字），记入查看记录")


class DeliveryRevealResponseSerializer(serializers.Serializer):
    delivery = serializers.IntegerField()
    address = serializers.CharField(help_text="送达地址、手机号码或邮箱的明文")


class CaseDeliveryRevealView(CaseStep):
    """查看明文 of a delivery's address or number (五(三)): recorded like the case's reveals."""

    operation_id = "cases_deliveries_reveal"
    summary = "查看送达地址/号码明文"
    description = (
        "The plain delivery address, mobile number or mailbox, for a stated `reason`, to whoever "
        "may reveal the case's personal data (a role and a case that both allow it); every reveal writes a "
        "reveal record and a timeline event. Elsewhere the API shows it masked."
    )
    request_serializer = DeliveryRevealSerializer
    response_serializer = DeliveryRevealResponseSerializer
    status_code = 200
    error_codes = (400, 401, 403, 404)
    refusal = gettext_lazy("您无权查看明文。")

    def fetch(self, staff: Staff, number: str, **kwargs: Any) -> Case:
        case = super().fetch(staff, number)
        if not case.deliveries.filter(pk=self.kwargs["pk"]).exists():
            raise Http404
        return case

    def around(self, staff: Staff, case: Case) -> contextlib.AbstractContextManager[None]:
        # A refusal is recorded as denied, outside the reveal's rolled-back transaction
        # (docs/audit.md); it comes before the body is read.
        return trail.denials(Action.REVEAL, actor=staff, case=case, detail={"fields": ["delivery_address"]})

    def allowed(self, staff: Staff, case: Case) -> bool:
        return may_reveal(staff, case)

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> str:
        return services.delivery_address_reveal(
            case=case, actor=staff, delivery_id=self.kwargs["pk"], reason=d["reason"]
        )

    def respond(self, staff: Staff, case: Case, address: str) -> dict[str, Any]:
        return {"delivery": self.kwargs["pk"], "address": address}


class CaseVisitsView(CaseStep):
    """安排跟踪回访 (四(五))."""

    operation_id = "cases_visits_create"
    summary = "安排跟踪回访"
    description = (
        "Schedule a further visit of a case in 跟踪回访 or 救济途径跟踪 to `party` (the payer, or the "
        "other party of the dispute: 四(五) 对被反馈的争议双方进行跟踪回访), on `scheduled_on` or by default within "
        "the follow-up limit."
    )
    request_serializer = VisitScheduleSerializer
    response_serializer = VisitSerializer

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> Visit:
        return services.visit_schedule(
            case=case, actor=staff, scheduled_on=d.get("scheduled_on"), party=d.get("party") or Recipient.PAYER
        )


class VisitRecordView(VisitStep):
    """记录回访 (四(五))."""

    operation_id = "visits_record"
    summary = "记录跟踪回访"
    description = (
        "Record a scheduled visit to the payer or the other party: method, satisfaction, whether "
        "the party objects, notes. The payer's objection moves the case to 救济途径跟踪; the other party's is "
        "recorded. A visit is "
        "recorded once (409 the second time)."
    )
    request_serializer = VisitRecordSerializer

    def perform(self, staff: Staff, visit: Visit, d: dict[str, Any]) -> Visit:
        return services.visit_record(
            visit=visit,
            actor=staff,
            method=d["method"],
            satisfaction=d["satisfaction"],
            objects_to_decision=d["objects_to_decision"],
            notes=d["notes"],
            done_at=d.get("done_at"),
        )


class CaseRemediesView(CaseStep):
    """记录救济途径: the remedy an objecting payer took."""

    operation_id = "cases_remedies_create"
    summary = "记录救济途径"
    description = (
        "Record the remedy the objecting payer took (mediation, reconsideration, arbitration, "
        "litigation) with its body and filing date. The statutory deadline is computed: reconsideration 60 "
        "days and litigation 6 months from knowing the decision, litigation 15 days after a reconsideration "
        "decision (`previous`), arbitration 1 year; a last day on a holiday moves to the next working day."
    )
    request_serializer = RemedyRecordSerializer
    response_serializer = FollowUpRemedySerializer

    def perform(self, staff: Staff, case: Case, d: dict[str, Any]) -> Remedy:
        previous = None
        if d.get("previous") is not None:
            previous = Remedy.objects.filter(pk=d["previous"], case=case).first()
            if previous is None:
                raise serializers.ValidationError({"previous": [_("前一救济途径不属于本案。")]})
        return services.remedy_record(
            case=case,
            actor=staff,
            kind=d["kind"],
            body=d["body"],
            filed_on=d["filed_on"],
            previous=previous,
            next_check_on=d.get("next_check_on"),
            notes=d["notes"],
        )


class RemedyCheckView(RemedyStep):
    """跟踪救济进展."""

    operation_id = "remedies_check"
    summary = "跟踪救济进展"
    description = "Note the progress of a pending remedy and set the next check date (after today)."
    request_serializer = RemedyCheckSerializer

    def perform(self, staff: Staff, remedy: Remedy, d: dict[str, Any]) -> Remedy:
        return services.remedy_check(remedy=remedy, actor=staff, next_check_on=d["next_check_on"], notes=d["notes"])


class RemedyOutcomeView(RemedyStep):
    """记录救济结果."""

    operation_id = "remedies_outcome"
    summary = "记录救济结果"
    description = (
        "The remedy ends with its outcome. An outcome that changes the decision reopens handling "
        "(joint handling, or own handling for a case handled at intake) and a new decision follows; when "
        "every remedy has ended and none changed the decision, the case may be archived."
    )
    request_serializer = RemedyOutcomeSerializer

    def perform(self, staff: Staff, remedy: Remedy, d: dict[str, Any]) -> Remedy:
        return services.remedy_outcome(
            remedy=remedy, actor=staff, outcome=d["outcome"], outcome_on=d["outcome_on"], notes=d["notes"]
        )


class FollowUpWorkView(APIView):
    """结果反馈与回访 worklist of the caller."""

    @extend_schema(
        tags=TAGS,
        operation_id="followup_work",
        summary="结果反馈与回访待办",
        description="What the caller has to do today: decisions to deliver to the payer (and to the other party of "
        "the dispute), visits due within 7 "
        "days or overdue, remedies whose check date has come, and cases ready to archive (each list at most "
        "100 rows, oldest first). Empty for whoever records none.",
        responses={200: FollowUpWorkSerializer, **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        staff = request_staff(request)
        work = selectors.follow_up_work(user=staff, today=calendar.local_day(timezone.now()))
        return Response(FollowUpWorkSerializer(work).data)
