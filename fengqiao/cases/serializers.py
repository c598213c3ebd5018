"""What the API shows of a case, and the request bodies it documents.

Output only: every input is validated by the forms in ``fengqiao.cases.forms`` (shared with
the pages, so an error reads the same in both); the request serializers here describe those
bodies in the OpenAPI schema and check query parameters.

Personal data is never shown in plain text (五(三)): a person's ID number and a phone number
appear masked; the plaintext is only given by the reveal endpoint, which records the reveal.
An employer's unified social credit code is public registration data and is shown as it is.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fengqiao.cases import workflow
from fengqiao.cases.models import (
    Attachment,
    AttachmentKind,
    Case,
    CaseEvent,
    CaseParty,
    Channel,
    DisputeCategory,
    PayerGroup,
    PayerKind,
)
from fengqiao.cases.selectors import WORKBENCH_VIEWS
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.core.auth import request_staff
from fengqiao.core.identifiers import mask_mobile, mask_resident_id

# --- Small pieces ---------------------------------------------------------------------------


class InlineChoiceField(serializers.ChoiceField):
    """A choice field whose enum stays inline in the OpenAPI schema.

    drf-spectacular turns every enum into a component named after the field. Two choice sets
    are called ``kind`` here (a payer's and an attachment's), and one set has several names
    (``kind``, ``payer_kind``, ``other_kind``), which named components cannot express without
    collisions; these fields describe their values where they stand instead."""


class InlineChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = InlineChoiceField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field: InlineChoiceField = self.target
        values: list[Any] = list(field.choices)
        if field.allow_blank:
            values.append("")
        labels = "; ".join(f"{value} = {label}" for value, label in field.choices.items())
        # allOf with a sibling key keeps the enum out of the component pass (which only looks
        # at bare "enum" keys); the field's help text, if any, replaces the outer description.
        return {"allOf": [{"type": "string", "enum": values, "description": labels}], "description": labels}


class CategorySerializer(serializers.ModelSerializer[DisputeCategory]):
    """争议事项 (三(三))."""

    class Meta:
        model = DisputeCategory
        fields = ["code", "name", "description"]


class CalledField(serializers.CharField):
    """A string read by calling the object's method named by ``source`` (``get_state_display``,
    ``__str__``). DRF's own lookup inspects the method's signature on every row to decide whether
    to call it: 200 ``inspect.signature`` per API page of 50 cases, a fifth of its time."""

    def get_attribute(self, instance: Any) -> Any:
        return getattr(instance, str(self.source))()


class LabelField(serializers.CharField):
    """The label of a choice field's value (``source`` is the field), read from the choices
    given once: Django's ``get_state_display`` rebuilds and hashes every lazy label of the
    field on each call (25 translations per row for the state)."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        self.labels = dict(choices)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return str(self.labels.get(value, value))


class CodeNameSerializer(serializers.Serializer):
    """A township or a department: its code and name."""

    code = serializers.CharField()
    name = serializers.CharField()


class StaffBriefSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = CalledField(source="__str__")


def masked_id(payer: CaseParty) -> str:
    """A person's ID number masked; an employer's credit code (public data) as it is."""
    if payer.kind == PayerKind.EMPLOYER:
        return payer.credit_code
    return mask_resident_id(payer.id_number) if payer.id_number else ""


class PayerSerializer(serializers.Serializer):
    """A party of a case as registered on it (``CaseParty``) as the API shows them: name,
    kind, group and masked identifiers only."""

    name = serializers.CharField()
    kind = InlineChoiceField(choices=PayerKind.choices)
    kind_label = LabelField(PayerKind.choices, source="kind")
    payer_group = serializers.ChoiceField(choices=PayerGroup.choices)
    id_masked = serializers.SerializerMethodField(help_text="公民身份号码（脱敏）或统一社会信用代码")
    phone_masked = serializers.SerializerMethodField(help_text="联系电话（脱敏）")

    def get_id_masked(self, payer: CaseParty) -> str:
        return masked_id(payer)

    def get_phone_masked(self, payer: CaseParty) -> str:
        return mask_mobile(payer.phone) if payer.phone else ""


# --- A case -----------------------------------------------------------------------------------


class CaseListSerializer(serializers.Serializer):
    """One row of the workbench list."""

    number = serializers.CharField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = LabelField(CaseState.choices, source="state")
    channel = serializers.ChoiceField(choices=Channel.choices)
    channel_label = LabelField(Channel.choices, source="channel")
    received_at = serializers.DateTimeField()
    township = CodeNameSerializer()
    receiving_department = CodeNameSerializer()
    owner = StaffBriefSerializer(help_text="首问责任人")
    payer = PayerSerializer()
    categories = serializers.SerializerMethodField()
    due_on = serializers.DateField(allow_null=True, help_text="当前环节办理期限")
    due_provisional = serializers.BooleanField(help_text="期限暂定（节假日安排尚未公布）")
    overdue = serializers.SerializerMethodField(help_text="办理中且已超过当前环节期限")
    version = serializers.IntegerField(help_text="审核转办等操作时回传，防止覆盖他人的更新")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_categories(self, case: Case) -> list[str]:
        # Sorted in Python so the prefetched rows are used (no query per row).
        return sorted(c.code for c in case.categories.all())

    def get_overdue(self, case: Case) -> bool:
        return case.is_open and case.due_on is not None and case.due_on < timezone.localdate()


class DepartmentRoleSerializer(serializers.Serializer):
    code = serializers.CharField(source="department.code")
    name = serializers.CharField(source="department.name")
    role = serializers.CharField(help_text="receiving / lead / co")
    role_label = CalledField(source="get_role_display")


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    kind = InlineChoiceField(choices=AttachmentKind.choices)
    kind_label = CalledField(source="get_kind_display")
    content_type = serializers.CharField()
    sm3 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(help_text="下载地址（令牌或登录会话，需可查看该案件）")

    def get_download_url(self, attachment: Attachment) -> str:
        # ``attachment.case`` is the prefetching case itself: no query.
        return reverse("api-case-attachment", args=[attachment.case.number, attachment.token])


class EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    kind = serializers.CharField()
    kind_label = CalledField(source="get_kind_display")
    summary = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()

    def get_actor(self, event: CaseEvent) -> str | None:
        return str(event.actor) if event.actor is not None else None


class ActionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, not Field.label
    section = serializers.CharField()


class CaseDetailSerializer(CaseListSerializer):
    """A case as its page shows it, with the steps the requesting user may take now.

    Needs ``context["request"]`` and ``context["timeline"]`` (``selectors.case_timeline``)."""

    summary = serializers.CharField()
    claims = serializers.CharField()
    disputed_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    intake_outcome = serializers.ChoiceField(choices=IntakeOutcome.choices)
    intake_outcome_label = CalledField(source="get_intake_outcome_display")
    classification = serializers.ChoiceField(choices=Classification.choices, allow_blank=True)
    classification_reason = serializers.CharField()
    informed_department = CodeNameSerializer(allow_null=True)
    informed_note = serializers.CharField()
    other_party = PayerSerializer(allow_null=True)
    departments = DepartmentRoleSerializer(source="involvements", many=True)
    attachments = AttachmentSerializer(many=True)
    links = serializers.SerializerMethodField(help_text="关联案件编号")
    merged_into = serializers.CharField(source="merged_into.number", allow_null=True, help_text="合并至案件编号")
    timeline = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text="当前用户现在可执行的步骤")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_links(self, case: Case) -> list[str]:
        numbers = {link.other.number for link in case.links_out.all()}
        numbers |= {link.case.number for link in case.links_in.all()}
        return sorted(numbers)

    @extend_schema_field(EventSerializer(many=True))
    def get_timeline(self, case: Case) -> Any:
        return EventSerializer(self.context["timeline"], many=True).data

    @extend_schema_field(ActionSerializer(many=True))
    def get_allowed_actions(self, case: Case) -> list[dict[str, str]]:
        actor = request_staff(self.context["request"])
        return [
            {"name": t.name, "label": str(t.label), "section": t.section}
            for t in workflow.allowed_transitions(case=case, actor=actor)
        ]


_DATETIME = serializers.DateTimeField()
_AMOUNT = serializers.DecimalField(max_digits=14, decimal_places=2)


def case_detail_data(case: Case, *, actor: Any, timeline: list[CaseEvent]) -> dict[str, Any]:
    """``CaseDetailSerializer(case).data`` written out by hand, for the 201 of a registration:
    the same keys and values (``test_intake_cost`` compares the two for every outcome), without
    building some fifty serializer fields per request — a fifth of a registration's time went
    to the serializer. ``case`` carries the rows it wrote (``written_rows``) as ``case_register``
    returns it; without them the relations are read."""
    written: dict[str, list[Any]] = getattr(case, "written_rows", {})

    def rows(name: str) -> list[Any]:
        return written[name] if name in written else list(getattr(case, name).all())

    def code_name(obj: Any) -> dict[str, str] | None:
        return None if obj is None else {"code": str(obj.code), "name": str(obj.name)}

    def party(p: CaseParty | None) -> dict[str, Any] | None:
        if p is None:
            return None
        return {
            "name": str(p.name),
            "kind": p.kind,
            "kind_label": str(p.get_kind_display()),
            "payer_group": p.payer_group,
            "id_masked": masked_id(p),
            "phone_masked": mask_mobile(p.phone) if p.phone else "",
        }

    def at(value: Any) -> Any:
        return None if value is None else _DATETIME.to_representation(value)

    links = {link.other.number for link in rows("links_out")} | {link.case.number for link in rows("links_in")}
    return {
        "number": str(case.number),
        "state": str(case.state),
        "state_label": str(case.get_state_display()),
        "channel": str(case.channel),
        "channel_label": str(case.get_channel_display()),
        "received_at": at(case.received_at),
        "township": code_name(case.township),
        "receiving_department": code_name(case.receiving_department),
        "owner": {"username": str(case.owner.username), "name": str(case.owner)},
        "payer": party(case.payer),
        "categories": sorted(c.code for c in rows("categories")),
        "due_on": case.due_on.isoformat() if case.due_on else None,
        "due_provisional": bool(case.due_provisional),
        "overdue": case.is_open and case.due_on is not None and case.due_on < timezone.localdate(),
        "version": int(case.version),
        "summary": str(case.summary),
        "claims": str(case.claims),
        "disputed_amount": None if case.disputed_amount is None else _AMOUNT.to_representation(case.disputed_amount),
        "intake_outcome": str(case.intake_outcome),
        "intake_outcome_label": str(case.get_intake_outcome_display()),
        "classification": str(case.classification),
        "classification_reason": str(case.classification_reason),
        "informed_department": code_name(case.informed_department),
        "informed_note": str(case.informed_note),
        "other_party": party(case.other_party),
        "departments": [
            {
                "code": str(d.department.code),
                "name": str(d.department.name),
                "role": str(d.role),
                "role_label": str(d.get_role_display()),
            }
            for d in rows("involvements")
        ],
        "attachments": [
            {
                "name": str(a.original_name),
                "size": int(a.size),
                "kind": str(a.kind),
                "kind_label": str(a.get_kind_display()),
                "content_type": str(a.content_type),
                "sm3": str(a.sm3),
                "uploaded_at": at(a.uploaded_at),
                "download_url": reverse("api-case-attachment", args=[case.number, a.token]),
            }
            for a in rows("attachments")
        ],
        "links": sorted(links),
        "merged_into": case.merged_into.number if case.merged_into is not None else None,
        "timeline": [
            {
                "at": at(e.at),
                "actor": str(e.actor) if e.actor is not None else None,
                "kind": str(e.kind),
                "kind_label": str(e.get_kind_display()),
                "summary": str(e.summary),
                "from_state": str(e.from_state),
                "to_state": str(e.to_state),
            }
            for e in timeline
        ],
        "allowed_actions": [
            {"name": t.name, "label": str(t.label), "section": t.section}
            for t in workflow.allowed_transitions(case=case, actor=actor)
        ],
    }


# --- Routing (四(二)) ---------------------------------------------------------------------------


class RoutingProposalSerializer(serializers.Serializer):
    lead = CodeNameSerializer(allow_null=True, help_text="规则建议的牵头部门")
    co = CodeNameSerializer(many=True, help_text="规则建议的协办部门")
    bases = serializers.ListField(child=serializers.CharField(), help_text="依据（三(二) 部门职责）")


class RoutingSerializer(serializers.Serializer):
    """What the reviewer sees before routing: the rules' proposal and the departments."""

    number = serializers.CharField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    version = serializers.IntegerField()
    proposal = RoutingProposalSerializer()
    departments = CodeNameSerializer(many=True, help_text="本旗县可选的部门")
    classifications = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


# --- Request bodies (documented here, validated by the forms) -------------------------------


class IntakeRequestSerializer(serializers.Serializer):
    """受理登记 (四(一)) — the fields of ``forms.IntakeForm``."""

    payer_kind = InlineChoiceField(choices=PayerKind.choices)
    payer_name = serializers.CharField(max_length=128)
    payer_group = serializers.ChoiceField(choices=PayerGroup.choices)
    id_number = serializers.CharField(required=False, help_text="公民身份号码（个人必填）")
    credit_code = serializers.CharField(required=False, help_text="统一社会信用代码（用人单位必填）")
    contact_name = serializers.CharField(required=False)
    phone = serializers.CharField(help_text="手机号码")
    address = serializers.CharField(required=False)
    name_confirmed = serializers.BooleanField(
        required=False,
        help_text="已登记的公民身份号码（统一社会信用代码）与本次填写的姓名（名称）不一致时，核对证件后确认"
        "（否则 400，errors.payer_name / other_name 给出已登记姓名的脱敏形式）；本案按本次填写登记，其他案件不变",
    )
    other_kind = InlineChoiceField(choices=PayerKind.choices, required=False, help_text="争议另一方类型")
    other_name = serializers.CharField(required=False)
    other_id_number = serializers.CharField(required=False)
    other_credit_code = serializers.CharField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices)
    received_at = serializers.DateTimeField(
        help_text="来访时间（ISO 8601）；不得晚于当前时间，"
        "不得早于本机制施行之日（FENGQIAO_MECHANISM_START，默认2024-09-11）"
    )
    township = serializers.CharField(help_text="事项所在辖区（乡镇代码）")
    categories = serializers.ListField(child=serializers.CharField(), help_text="争议事项编号")
    summary = serializers.CharField(max_length=4000)
    claims = serializers.CharField(required=False, max_length=4000)
    disputed_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    outcome = InlineChoiceField(choices=IntakeOutcome.choices, help_text="受理结果")
    informed_department = serializers.CharField(required=False, help_text="告知前往部门代码（outcome=inform 时必填）")
    informed_note = serializers.CharField(required=False)
    link_to = serializers.ListField(child=serializers.CharField(), required=False, help_text="关联案件编号")
    attachment_kind = InlineChoiceField(choices=AttachmentKind.choices, required=False)


class IntakeMultipartSerializer(IntakeRequestSerializer):
    """The same, as ``multipart/form-data`` with files (repeat ``attachments``)."""

    attachments = serializers.ListField(child=serializers.FileField(), required=False)


class ReviewRequestSerializer(serializers.Serializer):
    """审核转办 (四(二)) — the fields of ``forms.ReviewForm``."""

    classification = serializers.ChoiceField(choices=Classification.choices)
    lead_department = serializers.CharField(required=False, help_text="牵头部门代码（一般事项必填）")
    co_departments = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="协办部门代码（一般事项至少一个）"
    )
    reason = serializers.CharField(required=False, help_text="理由（重大疑难、职责不清必填）")
    version = serializers.IntegerField(required=False, help_text="读取案件时的 version；已被他人更新则 409")


class RevealRequestSerializer(serializers.Serializer):
    party = serializers.ChoiceField(choices=[("payer", "缴费人"), ("other_party", "争议另一方")])
    field = serializers.ChoiceField(choices=[("id_number", "公民身份号码"), ("phone", "联系电话"), ("address", "地址")])
    reason = serializers.CharField(min_length=4, max_length=255)


class PartyCorrectionRequestSerializer(serializers.Serializer):
    """更正当事人信息 — the fields of ``forms.PartyCorrectionForm``."""

    name = serializers.CharField(max_length=128, help_text="姓名/单位名称")
    phone = serializers.CharField(required=False, allow_blank=True, help_text="手机号码")
    address = serializers.CharField(required=False, allow_blank=True)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(min_length=4, max_length=255, help_text="更正理由（记入各案件办理记录）")
    version = serializers.IntegerField(required=False, help_text="读取案件时的 version；已被他人更新则 409")


class PartyCorrectionResponseSerializer(serializers.Serializer):
    cases = serializers.ListField(child=serializers.CharField(), help_text="已更正的未办结案件编号（调用者可见的）")
    others = serializers.IntegerField(help_text="另有调用者不可见的未办结案件一并更正的件数")


class RevealResponseSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="明文；本次查看已记录")


# --- Query parameters ----------------------------------------------------------------------------


class CaseListQuerySerializer(serializers.Serializer):
    """Filters of the case list (the workbench's)."""

    view = serializers.ChoiceField(choices=[(v, v) for v in WORKBENCH_VIEWS], required=False, default="all")
    state = serializers.ChoiceField(choices=CaseState.choices, required=False)
    category = serializers.CharField(required=False, help_text="争议事项编号")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    township = serializers.CharField(required=False, help_text="乡镇代码")
    q = serializers.CharField(
        required=False,
        help_text="精确查找：案件编号、当事人全名（与登记一致）、公民身份号码、手机号码或统一社会信用代码",
    )
    received_from = serializers.DateField(required=False, help_text="受理日期起（含）")
    received_to = serializers.DateField(required=False, help_text="受理日期止（含）")


class DuplicateQuerySerializer(serializers.Serializer):
    kind = InlineChoiceField(choices=PayerKind.choices)
    id_number = serializers.CharField(required=False, help_text="公民身份号码（个人）")
    credit_code = serializers.CharField(required=False, help_text="统一社会信用代码（用人单位）")
    categories = serializers.CharField(required=False, help_text="争议事项编号，逗号分隔")
