"""REST API of online items (三(二)9, issue 15), under ``/api/v1/opinion/items/``: the list
and recording, one item, the case search and links, the lead case, the responsible department,
the response steps, the closing and screenshots. Reads are scoped (an item one may not read is
a 404); input is parsed by the pages' forms and written through ``services``; errors have the
project's one shape, ``{"errors": {field: [..]}}``."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fengqiao.cases.models import Case
from fengqiao.cases.services import mask_name
from fengqiao.core.api import error_responses
from fengqiao.core.auth import request_staff
from fengqiao.core.parsers import JSONParser
from fengqiao.core.steps import Serializer, StepView
from fengqiao.opinion import forms, permissions, selectors, services
from fengqiao.opinion.models import ItemStatus, LinkHow, OnlineItem, Platform, RiskLevel, StepKind
from fengqiao.org.models import Staff

TAGS = ["opinion"]
PLATFORM_HELP = "平台：" + "；".join(f"{v} {label}" for v, label in Platform.choices)
RISK_HELP = "风险等级：" + "；".join(f"{v} {label}" for v, label in RiskLevel.choices)
STATUS_HELP = "状态：" + "；".join(f"{v} {label}" for v, label in ItemStatus.choices)
PAYER_KIND_HELP = "person 个人；employer 用人单位"
PLATFORM_PATTERN = r"^(" + "|".join(Platform.values) + ")$"
HOW_HELP = "关联方式：" + "；".join(f"{v} {label}" for v, label in LinkHow.choices)
STEP_HELP = "环节：" + "；".join(f"{v} {label}" for v, label in StepKind.choices)

ERROR_TEXT = {
    400: "输入有误：错误按字段列出（如链接格式、发现时间晚于现在、截图类型不允许、身份证号码有误）",
    403: "可以查看但无权执行（登记、关联、立案、办结须网信办或领导小组办公室；处置步骤须责任部门）",
    404: "舆情不存在或无权查看（二者不作区分）",
    409: "已被他人更新，或舆情已办结",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return error_responses(*codes, overrides=ERROR_TEXT)


class ItemLinkedCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    how = serializers.CharField(help_text=HOW_HELP)
    state = serializers.CharField()
    linked_at = serializers.DateTimeField()


class ItemStepOutSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=STEP_HELP)
    text = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()


class ItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="舆情编号")
    platform = serializers.CharField(help_text=PLATFORM_HELP)
    url = serializers.CharField()
    seen_at = serializers.DateTimeField()
    summary = serializers.CharField(help_text="内容摘要；无查看明文权限者身份证号码、手机号码已脱敏")
    views = serializers.IntegerField(allow_null=True)
    reposts = serializers.IntegerField(allow_null=True)
    risk = serializers.CharField(help_text=RISK_HELP)
    categories = serializers.ListField(child=serializers.CharField(), help_text="争议事项代码")
    responsible_department = serializers.CharField(allow_null=True, help_text="责任部门代码")
    response_due_on = serializers.DateField(allow_null=True, help_text="回应期限")
    status = serializers.CharField(help_text=STATUS_HELP)
    version = serializers.IntegerField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closing_summary = serializers.CharField()
    cases = ItemLinkedCaseSerializer(many=True)
    steps = ItemStepOutSerializer(many=True, required=False)


class ItemInputSerializer(serializers.Serializer):
    platform = serializers.RegexField(
        r"^(weibo|wechat|douyin|kuaishou|toutiao|forum|news|short_video|other)$", max_length=16, help_text=PLATFORM_HELP
    )
    url = serializers.URLField(max_length=2000)
    seen_at = serializers.DateTimeField()
    summary = serializers.CharField(max_length=4000)
    views = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    reposts = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    risk = serializers.RegexField(r"^(low|medium|high)$", max_length=8, help_text=RISK_HELP)
    categories = serializers.ListField(child=serializers.CharField(), required=False, help_text="争议事项代码")
    responsible_department = serializers.CharField(required=False, allow_blank=True, help_text="责任部门代码")


class ItemMultipartSerializer(ItemInputSerializer):
    screenshots = serializers.ListField(child=serializers.FileField(), required=False, help_text="截图（可重复）")


class ItemCaseSearchInputSerializer(serializers.Serializer):
    how = serializers.RegexField(r"^(number|payer|duplicate)$", max_length=16, help_text=HOW_HELP)
    number = serializers.CharField(required=False, allow_blank=True)
    payer_kind = serializers.RegexField(
        r"^(person|employer)$", max_length=16, required=False, help_text="person 个人；employer 用人单位"
    )
    id_number = serializers.CharField(required=False, allow_blank=True)
    credit_code = serializers.CharField(required=False, allow_blank=True)
    categories = serializers.ListField(child=serializers.CharField(), required=False)


class ItemCaseCandidateSerializer(serializers.Serializer):
    number = serializers.CharField()
    payer = serializers.CharField(help_text="缴费人（脱敏）")
    state = serializers.CharField()
    received_at = serializers.DateTimeField()


class ItemLinkInputSerializer(serializers.Serializer):
    number = serializers.CharField()
    how = serializers.RegexField(r"^(number|payer|duplicate)$", max_length=16, help_text=HOW_HELP)


class ItemLeadInputSerializer(serializers.Serializer):
    payer_kind = serializers.RegexField(
        r"^(person|employer)$", max_length=16, help_text="person 个人；employer 用人单位"
    )
    payer_name = serializers.CharField()
    payer_group = serializers.CharField()
    id_number = serializers.CharField(required=False, allow_blank=True)
    credit_code = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    township = serializers.CharField(help_text="事项所在辖区代码")
    categories = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()


class ItemLeadCaseSerializer(serializers.Serializer):
    number = serializers.CharField(help_text="新立案件编号")
    owner = serializers.CharField(help_text="首问责任人")
    receiving_department = serializers.CharField()


class ItemAssignInputSerializer(serializers.Serializer):
    department = serializers.CharField(help_text="责任部门代码")
    risk = serializers.RegexField(r"^(low|medium|high)$", max_length=8, help_text=RISK_HELP)
    version = serializers.IntegerField(required=False)


class ItemStepInputSerializer(serializers.Serializer):
    kind = serializers.RegexField(r"^(verify|respond|dispose)$", max_length=16, help_text=STEP_HELP)
    text = serializers.CharField()
    version = serializers.IntegerField(required=False)


class ItemCloseInputSerializer(serializers.Serializer):
    closing_summary = serializers.CharField()
    version = serializers.IntegerField(required=False)


class ItemScreenshotInputSerializer(serializers.Serializer):
    file = serializers.FileField()


def _represent(item: OnlineItem, user: Staff, *, steps: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.pk,
        "number": item.number,
        "platform": item.platform,
        "url": item.url,
        "seen_at": item.seen_at,
        "summary": selectors.summary_for(user=user, item=item),
        "views": item.views,
        "reposts": item.reposts,
        "risk": item.risk,
        "categories": [c.code for c in item.categories.all()],
        "responsible_department": item.responsible_department.code if item.responsible_department else None,
        "response_due_on": item.response_due_on,
        "status": item.status,
        "version": item.version,
        "closed_at": item.closed_at,
        "closing_summary": item.closing_summary,
        "cases": [
            {"number": link.case.number, "how": link.how, "state": link.case.state, "linked_at": link.linked_at}
            for link in item.case_links.all()
        ],
    }
    if steps:
        data["steps"] = [
            {"kind": s.kind, "text": s.text, "at": s.at, "actor": str(s.actor)}
            for s in item.steps.select_related("actor")
        ]
    return data


def _reread(user: Staff, pk: int) -> dict[str, Any]:
    item = selectors.item_list_for(user=user).get(pk=pk)
    return dict(ItemSerializer(_represent(item, user, steps=True)).data)


class OpinionStep(StepView, abstract=True):
    # A step on online items (core.steps): the body is read by the pages' forms (JSON, or
    # multipart for screenshots), the answer is the item as read again. No docstring: each
    # step's own is its description.
    tags = TAGS
    error_texts = ERROR_TEXT
    response_serializer: ClassVar[Serializer] = ItemSerializer
    form_lists = ("categories",)

    def respond(self, staff: Staff, item: Any, result: Any) -> Any:
        return _reread(staff, item.pk)


class ItemListView(OpinionStep):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    operation_id = "opinion_items_create"
    summary = "登记网络舆情"
    description = (
        "The 网信办 or the group office records an item (JSON, or multipart/form-data with "
        "`screenshots` repeated). A high-risk item alerts the group office and the leader at once."
    )
    request_media = {"application/json": ItemInputSerializer, "multipart/form-data": ItemMultipartSerializer}
    status_code = 201
    error_codes = (400, 401, 403)
    form_class = forms.ItemForm
    refusal = "您无权登记网络舆情。"

    @extend_schema(
        tags=TAGS,
        operation_id="opinion_items_list",
        summary="网络舆情列表",
        description=f"The items the caller may read, newest seen first, at most {selectors.LIST_LIMIT}.",
        parameters=[
            OpenApiParameter("status", str, enum=ItemStatus.values, required=False),
            OpenApiParameter("risk", str, enum=RiskLevel.values, required=False),
            OpenApiParameter("platform", str, enum=Platform.values, required=False),
        ],
        responses={200: ItemSerializer(many=True), **_errors(401)},
    )
    def get(self, request: Request) -> Response:
        user = request_staff(request)
        q = request.query_params
        filters = selectors.ItemFilter(
            status=q.get("status", "") if q.get("status") in ItemStatus.values else "",
            risk=q.get("risk", "") if q.get("risk") in RiskLevel.values else "",
            platform=q.get("platform", "") if q.get("platform") in Platform.values else "",
        )
        items = selectors.item_list_for(user=user, filters=filters)[: selectors.LIST_LIMIT]
        return Response(ItemSerializer([_represent(i, user) for i in items], many=True).data)

    def allowed(self, staff: Staff, item: None) -> bool:
        return permissions.may_record(staff)

    def form_kwargs(self, staff: Staff, item: None) -> dict[str, Any]:
        return {"user": staff}

    def cleaned(self, form: forms.ItemForm) -> Any:
        return form.item_data()

    def perform(self, staff: Staff, item: None, data: Any) -> OnlineItem:
        return services.item_record(actor=staff, data=data)

    def respond(self, staff: Staff, item: None, result: OnlineItem) -> Any:
        return _reread(staff, result.pk)


class ItemDetailView(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="opinion_items_retrieve",
        summary="网络舆情",
        responses={200: ItemSerializer, **_errors(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        user = request_staff(request)
        selectors.item_get_for(user=user, pk=pk)
        return Response(_reread(user, pk))


class ItemStep(OpinionStep, abstract=True):
    # A step of the 网信办 or the group office on one item (``may_manage``).
    refusal = "您无权办理该舆情。"

    def fetch(self, staff: Staff, pk: int) -> OnlineItem:
        return selectors.item_get_for(user=staff, pk=pk)

    def allowed(self, staff: Staff, item: OnlineItem) -> bool:
        return permissions.may_manage(staff, item)


class ItemCaseSearchView(ItemStep):
    operation_id = "opinion_items_case_search"
    summary = "查找关联案件"
    description = (
        "By number, by payer (ID number through the blind index, or credit code), or by the "
        "duplicate rules (the payer's open cases in the same or related categories). Changes nothing; a POST "
        "so an ID number never travels in a URL."
    )
    request_serializer = ItemCaseSearchInputSerializer
    response_serializer = ItemCaseCandidateSerializer(many=True)
    error_codes = (400, 401, 403, 404)
    form_class = forms.FindForm

    def perform(self, staff: Staff, item: OnlineItem, d: dict[str, Any]) -> list[Case]:
        county = item.jurisdiction
        if d["how"] == LinkHow.NUMBER:
            return services.cases_by_number(county=county, number=d["number"])
        if d["how"] == LinkHow.PAYER:
            return services.cases_by_payer(
                county=county, kind=d["payer_kind"], id_number=d["id_number"], credit_code=d["credit_code"]
            )
        return services.cases_by_duplicate_rules(
            county=county,
            kind=d["payer_kind"],
            id_number=d["id_number"],
            credit_code=d["credit_code"],
            categories=list(d["categories"]),
        )

    def respond(self, staff: Staff, item: OnlineItem, found: list[Case]) -> Any:
        rows = [
            {"number": c.number, "payer": mask_name(c.payer.name), "state": c.state, "received_at": c.received_at}
            for c in found
        ]
        return ItemCaseCandidateSerializer(rows, many=True).data


class ItemLinkView(ItemStep):
    operation_id = "opinion_items_link"
    summary = "关联案件"
    request_serializer = ItemLinkInputSerializer
    error_codes = (400, 401, 403, 404)
    form_class = forms.LinkForm

    def perform(self, staff: Staff, item: OnlineItem, d: dict[str, Any]) -> None:
        case = Case.objects.filter(jurisdiction=item.jurisdiction, number=d["number"].strip()).first()
        if case is None:
            raise serializers.ValidationError({"number": ["没有该编号的案件。"]})
        services.item_link(item=item, actor=staff, case=case, how=d["how"])


class ItemLeadView(ItemStep):
    operation_id = "opinion_items_lead_case"
    summary = "据此立案"
    description = (
        "A 舆情线索 case registered at the studio for review and routing (四(一)(二)) through the "
        "window's checks; its first receiver is the caller when an intake clerk, else the online intake "
        "department's clerk on duty."
    )
    request_serializer = ItemLeadInputSerializer
    response_serializer = ItemLeadCaseSerializer
    status_code = 201
    form_class = forms.LeadForm

    def form_kwargs(self, staff: Staff, item: OnlineItem) -> dict[str, Any]:
        return {"user": staff}

    def cleaned(self, form: forms.LeadForm) -> Any:
        return form.intake_data()

    def perform(self, staff: Staff, item: OnlineItem, data: Any) -> dict[str, str]:
        case = services.lead_case_open(item=item, actor=staff, data=data)
        return {"number": case.number, "owner": str(case.owner), "receiving_department": case.receiving_department.name}

    def respond(self, staff: Staff, item: OnlineItem, body: dict[str, str]) -> Any:
        return ItemLeadCaseSerializer(body).data


class ItemAssignView(ItemStep):
    operation_id = "opinion_items_assign"
    summary = "确定责任部门和风险等级"
    description = "The response deadline runs from today by the risk level (TimeLimit opinion_response_*)."
    request_serializer = ItemAssignInputSerializer
    form_class = forms.AssignForm

    def form_kwargs(self, staff: Staff, item: OnlineItem) -> dict[str, Any]:
        return {"user": staff}

    def perform(self, staff: Staff, item: OnlineItem, d: dict[str, Any]) -> None:
        services.item_assign(
            item=item, actor=staff, department=d["department"], risk=d["risk"], expected_version=d.get("version")
        )


class ItemStepView(ItemStep):
    operation_id = "opinion_items_step"
    summary = "记录处置步骤（核实、回应、处置）"
    request_serializer = ItemStepInputSerializer
    form_class = forms.StepForm
    refusal = "您无权记录该舆情的处置情况。"

    def allowed(self, staff: Staff, item: OnlineItem) -> bool:
        return permissions.may_respond(staff, item)

    def perform(self, staff: Staff, item: OnlineItem, d: dict[str, Any]) -> None:
        services.step_record(item=item, actor=staff, kind=d["kind"], text=d["text"], expected_version=d.get("version"))


class ItemCloseView(ItemStep):
    operation_id = "opinion_items_close"
    summary = "办结"
    request_serializer = ItemCloseInputSerializer
    form_class = forms.CloseForm

    def perform(self, staff: Staff, item: OnlineItem, d: dict[str, Any]) -> None:
        services.item_close(item=item, actor=staff, summary=d["closing_summary"], expected_version=d.get("version"))


class ItemScreenshotView(ItemStep):
    parser_classes = [MultiPartParser, FormParser]
    operation_id = "opinion_items_screenshot"
    summary = "上传截图"
    description = "Checked as a case attachment is (type, content, size); stored encrypted."
    request_media = {"multipart/form-data": ItemScreenshotInputSerializer}
    error_codes = (400, 401, 403, 404)
    form_class = forms.ScreenshotForm

    def perform(self, staff: Staff, item: OnlineItem, d: dict[str, Any]) -> None:
        services.screenshot_add(item=item, actor=staff, upload=d["file"])
