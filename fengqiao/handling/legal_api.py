"""REST API of 司法局法律审查 (三(二)5), under ``/api/v1/``: the 司法局's queue, the reviews of a
decision and recording one, and the receiving department asking for one.

Thin like the pages (``legal_views``): a decision the caller may not see is a 404, every write
through ``legal``, errors in the one shape ``{"errors": {...}}``
(``fengqiao.core.api.exception_handler``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.steps import StepView
from fengqiao.handling import legal
from fengqiao.handling.legal_views import decision_for
from fengqiao.handling.models import Decision, LegalReview, LegalReviewConclusion
from fengqiao.org.models import Staff

# The endpoints were first listed with the follow-through's and keep its tag (the schema is
# what clients read).
TAGS = ["followthrough"]


class LegalReviewSerializer(serializers.ModelSerializer[LegalReview]):
    reviewer = serializers.CharField(source="reviewer.username")

    class Meta:
        model = LegalReview
        fields = ["id", "decision", "decision_version", "reviewer", "conclusion", "notes", "at"]


class LegalReviewRecordSerializer(serializers.Serializer):
    conclusion = serializers.ChoiceField(choices=LegalReviewConclusion.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True, help_text="审查的处理意见版本")


class LegalQueueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField(source="case.number")
    result = serializers.CharField()
    version = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class LegalRequestSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class LegalRequestResponseSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    task = serializers.IntegerField(allow_null=True)


# --- views ---------------------------------------------------------------------------------


class LegalQueueView(APIView):
    """司法局: the draft decisions waiting for a legal review."""

    @extend_schema(tags=TAGS, responses={200: LegalQueueSerializer(many=True), **error_responses(401, 403)})
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        if not legal.is_reviewer(user):
            raise PermissionDenied
        return Response(LegalQueueSerializer(legal.review_queue(user=user)[:100], many=True).data)


class DecisionLegalStep(StepView, abstract=True):
    # A step on the legal review of a decision the caller may see (core.steps); no docstring:
    # each step's own is its description.
    tags = TAGS
    status_code = 201

    def fetch(self, staff: Staff, pk: int) -> Decision:
        return decision_for(user=staff, pk=pk)


class DecisionLegalReviewsView(DecisionLegalStep):
    """法律审查 of a decision: the reviews, and 司法局 recording one."""

    request_serializer = LegalReviewRecordSerializer
    response_serializer = LegalReviewSerializer

    @extend_schema(tags=TAGS, responses={200: LegalReviewSerializer(many=True), **error_responses(401, 404)})
    def get(self, request: Request, pk: int) -> Response:
        decision = decision_for(user=request_staff(request), pk=pk)
        return Response(LegalReviewSerializer(legal.reviews_of(decision), many=True).data)

    def allowed(self, staff: Staff, decision: Decision) -> bool:
        return legal.is_reviewer(staff)

    def perform(self, staff: Staff, decision: Decision, d: dict[str, Any]) -> LegalReview:
        return legal.legal_review_record(
            decision=decision,
            reviewer=staff,
            conclusion=d["conclusion"],
            notes=d["notes"],
            expected_version=d.get("version"),
        )


class DecisionLegalRequestView(DecisionLegalStep):
    """申请司法局审查 a general matter's decision (gives the 司法局 a task)."""

    request_serializer = LegalRequestSerializer
    response_serializer = LegalRequestResponseSerializer

    def allowed(self, staff: Staff, decision: Decision) -> bool:
        return legal.may_request_review(staff, decision.case)

    def perform(self, staff: Staff, decision: Decision, d: dict[str, Any]) -> dict[str, Any]:
        event = legal.legal_review_request(decision=decision, actor=staff, note=d["note"])
        return {"event": event.pk, "task": event.data.get("task")}

    def respond(self, staff: Staff, decision: Decision, result: dict[str, Any]) -> dict[str, Any]:
        return result
