"""Forms of online items: they parse input; the services check it (``errors_to_form``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.forms import CodeChoiceField, CodeMultipleChoiceField, IntakeForm, MultipleFileField
from fengqiao.cases.models import DisputeCategory, PayerKind
from fengqiao.cases.selectors import departments_of, townships_of
from fengqiao.cases.services import IntakeData, PayerData
from fengqiao.cases.states import IntakeOutcome
from fengqiao.core.forms import DateTimeInput
from fengqiao.core.identifiers import validate_mobile, validate_resident_id, validate_social_credit_code
from fengqiao.opinion.models import LinkHow, Platform, RiskLevel, StepKind
from fengqiao.opinion.services import ItemData
from fengqiao.org.models import Department, Jurisdiction, Staff


def _categories() -> CodeMultipleChoiceField:
    return CodeMultipleChoiceField(
        label=_("争议事项"),
        queryset=DisputeCategory.objects.filter(active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class _PagePart(forms.Form):
    """A form shown beside others on the item's page: its inputs get ids of their own
    (``ids``), so the page never repeats one; the field names, which the API posts too, stay."""

    ids = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.ids)
        super().__init__(*args, **kwargs)


class _CountyForm(_PagePart):
    def __init__(self, *args: Any, user: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        county = user.jurisdiction
        for name in ("responsible_department", "department"):
            if name in self.fields:
                self.fields[name].queryset = (  # type: ignore[attr-defined]
                    departments_of(county) if county is not None else Department.objects.none()
                )
        if "township" in self.fields:
            self.fields["township"].queryset = (  # type: ignore[attr-defined]
                townships_of(county) if county is not None else Jurisdiction.objects.none()
            )


class ItemForm(_CountyForm):
    """登记网络舆情: 平台、链接、发现时间、内容摘要、传播量、风险等级、争议事项、截图."""

    platform = forms.ChoiceField(label=_("平台"), choices=[("", "—"), *Platform.choices])
    url = forms.URLField(label=_("链接"), max_length=2000, assume_scheme="https")
    seen_at = forms.DateTimeField(label=_("发现时间"), widget=DateTimeInput())
    summary = forms.CharField(label=_("内容摘要"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    views = forms.IntegerField(label=_("浏览量"), min_value=0, max_value=2_000_000_000, required=False)
    reposts = forms.IntegerField(label=_("转发量"), min_value=0, max_value=2_000_000_000, required=False)
    risk = forms.ChoiceField(label=_("风险等级"), choices=[("", "—"), *RiskLevel.choices])
    categories = _categories()
    responsible_department = CodeChoiceField(
        label=_("责任部门"), queryset=Department.objects.none(), to_field_name="code", required=False
    )
    screenshots = MultipleFileField(label=_("截图"), required=False, help_text=_("PNG、JPG或PDF，逐个检查类型与大小"))

    def item_data(self) -> ItemData:
        d = self.cleaned_data
        return ItemData(
            platform=d["platform"],
            url=d["url"],
            seen_at=d["seen_at"],
            summary=d["summary"],
            risk=d["risk"],
            views=d.get("views"),
            reposts=d.get("reposts"),
            categories=list(d.get("categories") or []),
            responsible_department=d.get("responsible_department"),
            screenshots=list(d.get("screenshots") or []),
        )


class AssignForm(_CountyForm):
    ids = "assign_%s"
    department = CodeChoiceField(label=_("责任部门"), queryset=Department.objects.none(), to_field_name="code")
    risk = forms.ChoiceField(label=_("风险等级"), choices=RiskLevel.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class _IdentityChecks(_PagePart):
    """An ID number and a credit code, when given, checked as at the window."""

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "")
        return validate_resident_id(value) if value else ""

    def clean_credit_code(self) -> str:
        value = self.cleaned_data.get("credit_code", "")
        return validate_social_credit_code(value) if value else ""


class FindForm(_IdentityChecks):
    """查找关联案件: by number, by payer (blind index), or by the duplicate rules."""

    ids = "find_%s"

    how = forms.ChoiceField(
        label=_("查找方式"),
        choices=[
            (LinkHow.NUMBER.value, LinkHow.NUMBER.label),
            (LinkHow.PAYER.value, LinkHow.PAYER.label),
            (LinkHow.DUPLICATE.value, LinkHow.DUPLICATE.label),
        ],
        widget=forms.RadioSelect,
        initial=LinkHow.NUMBER,
    )
    number = forms.CharField(label=_("案件编号"), max_length=40, required=False)
    payer_kind = forms.ChoiceField(label=_("缴费人类型"), choices=PayerKind.choices, initial=PayerKind.PERSON)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=32, required=False)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=32, required=False)
    categories = _categories()


class LinkForm(forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=40)
    how = forms.ChoiceField(label=_("关联方式"), choices=[(c.value, c.label) for c in LinkHow if c != LinkHow.LEAD])


class LeadForm(_CountyForm, _IdentityChecks):
    """据此立案: the payer and the matter, registered at the studio for review (四(一))."""

    ids = "lead_%s"

    # The window's own fields (``cases.forms.IntakeForm``: a form copies its fields per instance);
    # the phone is optional here: a post seldom gives one.
    payer_kind = IntakeForm.base_fields["payer_kind"]
    payer_name = IntakeForm.base_fields["payer_name"]
    payer_group = IntakeForm.base_fields["payer_group"]
    id_number = IntakeForm.base_fields["id_number"]
    credit_code = IntakeForm.base_fields["credit_code"]
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    township = IntakeForm.base_fields["township"]
    categories = IntakeForm.base_fields["categories"]
    summary = IntakeForm.base_fields["summary"]

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return validate_mobile(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("payer_kind") == PayerKind.EMPLOYER
            and not data.get("credit_code")
            and "credit_code" not in self.errors
        ):
            self.add_error("credit_code", ValidationError(_("用人单位须填写统一社会信用代码。"), code="required"))
        return data

    def intake_data(self) -> IntakeData:
        d = self.cleaned_data
        person = d["payer_kind"] == PayerKind.PERSON
        return IntakeData(
            payer=PayerData(
                kind=d["payer_kind"],
                name=d["payer_name"].strip(),
                payer_group=d["payer_group"],
                id_number=d.get("id_number", "") if person else "",
                credit_code=d.get("credit_code", "") if not person else "",
                phone=d.get("phone", ""),
            ),
            channel="public_opinion",
            received_at=timezone.now(),
            township=d["township"],
            categories=list(d["categories"]),
            summary=d["summary"].strip(),
            outcome=IntakeOutcome.REVIEW,
            name_confirmed=True,
        )


class StepForm(_PagePart):
    ids = "step_%s"
    kind = forms.ChoiceField(label=_("环节"), choices=StepKind.choices)
    text = forms.CharField(label=_("处置情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CloseForm(_PagePart):
    ids = "close_%s"
    closing_summary = forms.CharField(label=_("办结情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ScreenshotForm(_PagePart):
    ids = "shot_%s"
    file = forms.FileField(label=_("截图"))
