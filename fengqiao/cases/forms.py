"""Validation of what people enter: the intake registration (四(一)), review and routing
(四(二)), reveals. The pages and the API use the same forms, so an error reads the same in
both and always names its field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import (
    AttachmentKind,
    Case,
    Channel,
    DisputeCategory,
    PayerGroup,
    PayerKind,
)
from fengqiao.cases.selectors import cases_visible_to, departments_of, townships_of
from fengqiao.cases.services import IntakeData, PayerData, attachment_check
from fengqiao.cases.states import Classification, IntakeOutcome
from fengqiao.core import dates
from fengqiao.core.forms import DateTimeInput
from fengqiao.core.identifiers import (
    validate_mobile,
    validate_resident_id,
    validate_social_credit_code,
)
from fengqiao.core.setup_cache import setup_cached
from fengqiao.org.models import Department, Jurisdiction, Staff

MAX_ATTACHMENTS = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


#: The rows a choice field may take, by code, in the queryset's order (``core.setup_cache``).
Kept = Callable[[], dict[str, Any]]


class CodeChoiceField(forms.ModelChoiceField):
    """A choice by code whose error names the unknown value. With ``kept`` set, the code is
    looked up in the county's set-up kept per process (``core.setup_cache``: cleared at once by
    an administrator's edit in this process, within ``CACHE_SECONDS`` in another) instead of
    one query per validation."""

    default_error_messages = {"invalid_choice": _("“%(value)s”不是有效的选项。")}
    kept: Kept | None = None

    def label_from_instance(self, obj: Any) -> str:
        return str(getattr(obj, "name", obj))

    def to_python(self, value: Any) -> Any:
        if self.kept is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        found = self.kept().get(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return found


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several choices by code; with ``kept`` set, read from the kept set-up as
    ``CodeChoiceField`` does, and cleaned to a list in the queryset's order."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s”不是有效的选项。"),
        "invalid_pk_value": _("“%(pk)s”不是有效的选项。"),
    }
    kept: Kept | None = None

    def label_from_instance(self, obj: Any) -> str:
        return str(obj)

    def _check_values(self, value: Any) -> Any:
        if self.kept is None:
            return super()._check_values(value)  # type: ignore[misc]  # Django's, not in the stubs
        try:
            codes = frozenset(str(v) for v in value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        rows = self.kept()
        for code in codes:
            self.validate_no_null_characters(code)
        for v in value:
            if str(v) not in rows:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": v})
        return [row for code, row in rows.items() if code in codes]


class IntakeForm(forms.Form):
    """受理登记 (四(一)): 缴费人基本情况、来访时间、联系方式、事项所在辖区、反映主要事项."""

    payer_kind = forms.ChoiceField(label=_("缴费人类型"), choices=PayerKind.choices, initial=PayerKind.PERSON)
    payer_name = forms.CharField(label=_("姓名/单位名称"), max_length=128)
    payer_group = forms.ChoiceField(label=_("缴费人群体"), choices=PayerGroup.choices)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=32, required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=32, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)

    name_confirmed = forms.BooleanField(
        label=_("确认姓名（名称）不一致：核对证件后确属同一人（单位），本案按本次填写登记"),
        required=False,
    )

    other_kind = forms.ChoiceField(label=_("争议另一方"), choices=[("", _("无")), *PayerKind.choices], required=False)
    other_name = forms.CharField(label=_("另一方名称"), max_length=128, required=False)
    other_id_number = forms.CharField(label=_("另一方公民身份号码"), max_length=32, required=False)
    other_credit_code = forms.CharField(label=_("另一方统一社会信用代码"), max_length=32, required=False)

    channel = forms.ChoiceField(label=_("受理渠道"), choices=Channel.choices, initial=Channel.WINDOW)
    received_at = forms.DateTimeField(
        label=_("来访时间"),
        widget=DateTimeInput(),
    )
    township = CodeChoiceField(label=_("事项所在辖区"), queryset=Jurisdiction.objects.none(), to_field_name="code")
    categories = CodeMultipleChoiceField(
        label=_("争议事项"),
        queryset=DisputeCategory.objects.filter(active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("反映主要事项"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    claims = forms.CharField(
        label=_("争议诉求"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    disputed_amount = forms.DecimalField(
        label=_("争议金额（元）"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    outcome = forms.ChoiceField(
        label=_("受理结果"),
        choices=IntakeOutcome.choices,
        widget=forms.RadioSelect,
        initial=IntakeOutcome.REVIEW,
    )
    informed_department = CodeChoiceField(
        label=_("告知前往部门"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
    )
    informed_note = forms.CharField(
        label=_("告知内容"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    link_to = forms.CharField(label=_("关联案件编号"), required=False, help_text=_("多个编号用逗号分隔"))
    attachment_kind = forms.ChoiceField(
        label=_("材料类型"),
        choices=AttachmentKind.choices,
        initial=AttachmentKind.EVIDENCE,
        required=False,
    )
    attachments = MultipleFileField(label=_("附件"), required=False)

    def __init__(self, *args: Any, user: Staff, **kwargs: Any) -> None:
        county = user.jurisdiction
        bound = (args[0] if args else kwargs.get("data")) is not None or (
            (args[1] if len(args) > 1 else kwargs.get("files")) is not None
        )
        # A submitted form only validates: it reads its fields and never changes them, so it
        # uses the county's fields built once per process instead of Django's deep copy of the
        # 28 fields (widgets, choices, querysets) on every request (issue 12 §1). A form that
        # is shown gets its own copy (``live_validation`` changes the widgets).
        shared = _fields_of(county) if bound else None
        if shared is not None:
            self.base_fields = {}  # type: ignore[misc]  # this instance only: BaseForm.__init__ copies nothing
        super().__init__(*args, **kwargs)
        self.user = user
        if shared is not None:
            del self.base_fields
            self.fields = dict(shared)
            self._fields_shared = True
        else:
            _fields_configure(self.fields, county)
            self._fields_shared = False
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().strftime("%Y-%m-%d %H:%M"))
        self._linked: list[Case] = []

    def live_validation(self, url: str) -> IntakeForm:
        """Make every input check itself on change (htmx), so a wrong check character shows
        before the clerk submits."""
        if self._fields_shared:  # the widgets change: this form's own copy, not the shared one
            self.fields = copy.deepcopy(self.fields)
            self._bound_fields_cache.clear()  # type: ignore[attr-defined]  # bound to the old fields
            self._fields_shared = False
        for name, field in self.fields.items():
            if name in ("attachments",):
                continue
            field.widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "change",
                    "hx-target": f"#err-{name}",
                    "hx-include": "#intake-form",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                }
            )
        return self

    # -- one field at a time (the page validates as you type) --------------------------
    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "")
        return validate_resident_id(value, field_label=_("公民身份号码")) if value else ""

    def clean_credit_code(self) -> str:
        value = self.cleaned_data.get("credit_code", "")
        return validate_social_credit_code(value) if value else ""

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data.get("phone", ""))

    def clean_other_id_number(self) -> str:
        value = self.cleaned_data.get("other_id_number", "")
        return validate_resident_id(value, field_label=_("另一方公民身份号码")) if value else ""

    def clean_other_credit_code(self) -> str:
        value = self.cleaned_data.get("other_credit_code", "")
        return validate_social_credit_code(value, field_label=_("另一方统一社会信用代码")) if value else ""

    def clean_received_at(self) -> Any:
        value = self.cleaned_data["received_at"]
        try:  # the service's own bounds, checked early for the live validation of the page
            dates.received_at_check(value)
        except ValidationError as exc:
            raise ValidationError(exc.messages, code="bounds") from None
        return value

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_("一次最多上传 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS}, code="count")
        errors = []
        for upload in files:
            try:
                attachment_check(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return list(files)

    def clean_link_to(self) -> str:
        raw = self.cleaned_data.get("link_to", "")
        numbers = [n.strip() for n in raw.replace("，", ",").split(",") if n.strip()]
        if numbers:
            found = {c.number: c for c in cases_visible_to(self.user).filter(number__in=numbers)}
            missing = [n for n in numbers if n not in found]
            if missing:
                raise ValidationError(_("未找到案件：%(numbers)s") % {"numbers": "、".join(missing)}, code="not_found")
            self._linked = list(found.values())
        return raw

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("payer_kind")
        if kind == PayerKind.PERSON and not data.get("id_number") and "id_number" not in self.errors:
            self.add_error("id_number", ValidationError(_("个人缴费人须填写公民身份号码。"), code="required"))
        if kind == PayerKind.EMPLOYER:
            if not data.get("credit_code") and "credit_code" not in self.errors:
                self.add_error(
                    "credit_code",
                    ValidationError(_("用人单位须填写统一社会信用代码。"), code="required"),
                )
            data["payer_group"] = PayerGroup.EMPLOYER
        other = data.get("other_kind")
        if other:
            if not data.get("other_name"):
                self.add_error("other_name", ValidationError(_("请填写争议另一方名称。"), code="required"))
            if (
                other == PayerKind.EMPLOYER
                and not data.get("other_credit_code")
                and "other_credit_code" not in self.errors
            ):
                self.add_error(
                    "other_credit_code",
                    ValidationError(_("用人单位须填写统一社会信用代码。"), code="required"),
                )
        if data.get("outcome") == IntakeOutcome.INFORM and not data.get("informed_department"):
            self.add_error(
                "informed_department",
                ValidationError(_("不属本部门职责的，请选择告知缴费人前往的部门。"), code="required"),
            )
        if (
            data.get("outcome") == IntakeOutcome.INFORM
            and data.get("informed_department") is not None
            and data["informed_department"].pk == self.user.department_id
        ):
            self.add_error(
                "informed_department",
                ValidationError(_("告知前往的部门不能是本部门。"), code="own"),
            )
        return data

    def intake_data(self) -> IntakeData:
        """The validated registration, ready for ``case_register``."""
        d = self.cleaned_data
        payer = PayerData(
            kind=d["payer_kind"],
            name=d["payer_name"].strip(),
            payer_group=d["payer_group"],
            id_number=d.get("id_number", "") if d["payer_kind"] == PayerKind.PERSON else "",
            credit_code=d.get("credit_code", "") if d["payer_kind"] == PayerKind.EMPLOYER else "",
            phone=d["phone"],
            address=d.get("address", ""),
            contact_name=d.get("contact_name", ""),
        )
        other = None
        if d.get("other_kind"):
            other = PayerData(
                kind=d["other_kind"],
                name=d["other_name"].strip(),
                payer_group=PayerGroup.EMPLOYER if d["other_kind"] == PayerKind.EMPLOYER else PayerGroup.OTHER,
                id_number=d.get("other_id_number", "") if d["other_kind"] == PayerKind.PERSON else "",
                credit_code=d.get("other_credit_code", "") if d["other_kind"] == PayerKind.EMPLOYER else "",
            )
        kind = d.get("attachment_kind") or AttachmentKind.EVIDENCE
        return IntakeData(
            payer=payer,
            other_party=other,
            channel=d["channel"],
            received_at=d["received_at"],
            township=d["township"],
            categories=list(d["categories"]),
            summary=d["summary"].strip(),
            claims=d.get("claims", "").strip(),
            disputed_amount=d.get("disputed_amount"),
            outcome=d["outcome"],
            informed_department=d.get("informed_department"),
            informed_note=d.get("informed_note", "").strip(),
            link_to=self._linked,
            attachments=[(kind, f) for f in d.get("attachments", [])],
            name_confirmed=bool(d.get("name_confirmed")),
        )


def _fields_configure(fields: dict[str, forms.Field], county: Jurisdiction | None) -> None:
    """What depends on the clerk's county and the deployment: the townships and departments
    to choose from, and the earliest 来访时间 in the help text."""
    if county is not None:
        fields["township"].queryset = townships_of(county)  # type: ignore[attr-defined]
        fields["informed_department"].queryset = departments_of(county)  # type: ignore[attr-defined]
    fields["received_at"].help_text = _("不早于本机制施行之日（%(start)s），不晚于当前时间。") % {
        "start": dates.mechanism_start().isoformat()
    }


# The intake fields of each county, built once per process for submitted forms (read-only).
# The querysets are lazy: every validation still reads the townships, categories and
# departments as they are now, so a change in the admin counts at once.
_SHARED_FIELDS: dict[tuple[int | None, str, str | None], dict[str, forms.Field]] = {}


def _fields_of(county: Jurisdiction | None) -> dict[str, forms.Field]:
    key = (county.pk if county is not None else None, dates.mechanism_start().isoformat(), get_language())
    fields = _SHARED_FIELDS.get(key)
    if fields is None:
        fields = copy.deepcopy(IntakeForm.base_fields)
        _fields_configure(fields, county)
        # Validation reads the choices from the kept set-up, not one query per field.
        for name in ("township", "informed_department", "categories"):
            field = fields[name]
            assert isinstance(field, CodeChoiceField | CodeMultipleChoiceField)
            field.kept = _kept_codes((name, key[0]), field.queryset)
        _SHARED_FIELDS[key] = fields
    return fields


def _kept_codes(key: tuple[str, int | None], queryset: Any) -> Kept:
    """The rows of ``queryset`` by code, read once per process (``core.setup_cache``)."""
    return lambda: setup_cached(("intake", *key), lambda: {str(row.code): row for row in queryset.all()})


class ReviewForm(forms.Form):
    """审核转办 (四(二)): general / major / unclear, and the departments."""

    classification = forms.ChoiceField(label=_("事项分类"), choices=Classification.choices, widget=forms.RadioSelect)
    lead_department = CodeChoiceField(
        label=_("牵头部门"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
    )
    co_departments = CodeMultipleChoiceField(
        label=_("协办部门"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # A dispute filed online (channel 网上): the window's outcomes of 四(一) are chosen here.
    informed_department = CodeChoiceField(
        label=_("告知前往部门"), queryset=Department.objects.none(), to_field_name="code", required=False
    )
    informed_note = forms.CharField(
        label=_("告知内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = departments_of(case.jurisdiction)
        self.fields["lead_department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["co_departments"].queryset = departments  # type: ignore[attr-defined]
        self.online = case.channel == Channel.ONLINE
        if self.online:
            own, inform = IntakeOutcome.OWN, IntakeOutcome.INFORM
            self.fields["classification"].choices = [  # type: ignore[attr-defined]
                (own, IntakeOutcome(own).label),
                (inform, IntakeOutcome(inform).label),
                *Classification.choices,
            ]
            self.fields["informed_department"].queryset = departments  # type: ignore[attr-defined]
        else:
            del self.fields["informed_department"], self.fields["informed_note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("classification")
        if kind == Classification.GENERAL:
            lead = data.get("lead_department")
            if lead is None:
                self.add_error(
                    "lead_department",
                    ValidationError(_("一般事项请选择牵头部门。"), code="required"),
                )
            elif not [d for d in data.get("co_departments", []) if d != lead]:
                self.add_error(
                    "co_departments",
                    ValidationError(_("一般事项需两个及两个以上部门联合办理，请选择协办部门。"), code="required"),
                )
        elif kind == IntakeOutcome.INFORM and not data.get("informed_department"):
            self.add_error(
                "informed_department",
                ValidationError(_("不属本部门职责的，请选择告知缴费人前往的部门。"), code="required"),
            )
        elif kind in (Classification.MAJOR, Classification.UNCLEAR) and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                ValidationError(_("重大疑难事项请写明理由；职责不清的请写明情况。"), code="required"),
            )
        return data


class RevealForm(forms.Form):
    """查看明文: which item, of whom, and why."""

    party = forms.ChoiceField(label=_("对象"), choices=[("payer", _("缴费人")), ("other_party", _("争议另一方"))])
    field = forms.ChoiceField(
        label=_("字段"),
        choices=[
            ("id_number", _("公民身份号码")),
            ("phone", _("联系电话")),
            ("address", _("地址")),
        ],
    )
    reason = forms.CharField(
        label=_("查看理由"),
        min_length=4,
        max_length=255,
        error_messages={
            "required": _("请填写查看理由（至少4个字），查看明文须说明理由。"),
            "min_length": _("查看理由至少4个字。"),
        },
    )


class PartyCorrectionForm(forms.Form):
    """更正当事人信息: the corrected name and contact details, and why (recorded on the
    timeline of every open case of the person)."""

    name = forms.CharField(label=_("姓名/单位名称"), max_length=128)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=32, required=False)
    reason = forms.CharField(
        label=_("更正理由"),
        min_length=4,
        max_length=255,
        error_messages={
            "required": _("请填写更正理由（至少4个字），更正记入各案件办理记录。"),
            "min_length": _("更正理由至少4个字。"),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return validate_mobile(value) if value else ""


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并至案件编号"), max_length=40)
    reason = forms.CharField(label=_("合并理由"), max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LinkForm(forms.Form):
    other = forms.CharField(label=_("关联案件编号"), max_length=40)
    note = forms.CharField(label=_("说明"), max_length=255, required=False)


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("文件"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        attachment_check(upload)
        return upload
