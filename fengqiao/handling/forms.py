"""Input of 调查处理, shared by the pages and the API: the form checks the shape, the service
checks what depends on the case's state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.handling.models import DecisionResult, LegalReviewConclusion
from fengqiao.handling.remedies import RemediesField
from fengqiao.org.models import Department, Jurisdiction


class VersionForm(forms.Form):
    """A step with nothing to fill in but the version of what the page showed."""

    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class TaskReturnForm(VersionForm):
    reason = forms.CharField(
        label=_("退回理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写明为何不属本部门职责及依据"),
    )


class DepartmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _departments(county: Jurisdiction | None, **filters: Any) -> Any:
    qs = Department.objects.filter(active=True, **filters).order_by("sort_order", "id")
    return qs.filter(jurisdiction=county) if county is not None else qs.none()


class RerouteForm(forms.Form):
    department = DepartmentField(label=_("改交部门"), queryset=Department.objects.none(), to_field_name="code")
    instructions = forms.CharField(label=_("办理要求"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, county: Jurisdiction | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(county)  # type: ignore[attr-defined]


class RouteForm(forms.Form):
    """交办联办部门: after the leader declined special handling the reviewer routes the matter."""

    lead_department = DepartmentField(label=_("牵头部门"), queryset=Department.objects.none(), to_field_name="code")
    co_departments = DepartmentsField(label=_("协办部门"), queryset=Department.objects.none(), to_field_name="code")

    def __init__(self, *args: Any, county: Jurisdiction | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_department"].queryset = _departments(county)  # type: ignore[attr-defined]
        self.fields["co_departments"].queryset = _departments(county)  # type: ignore[attr-defined]


class OpinionForm(VersionForm):
    """书面意见: the facts found, the opinion, its basis."""

    facts = forms.CharField(label=_("查明的事实"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    text = forms.CharField(label=_("意见"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}))
    basis = forms.CharField(label=_("依据"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SendBackForm(VersionForm):
    reason = forms.CharField(label=_("退回修改意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


RESULT_CHOICES = [("", _("请选择处理结论")), *DecisionResult.choices]


class DecisionForm(VersionForm):
    """处理意见: request, facts and reasons, result, legal basis, remedies. The result has no
    default: the department chooses it from the opinions (none is assumed). The remedies are
    the one remedy editor (``handling.remedies.RemediesField``): labelled rows on a page, a
    list of objects through the API."""

    request = forms.CharField(label=_("缴费人请求"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}))
    facts_and_reasons = forms.CharField(
        label=_("事实和理由"), max_length=50000, widget=forms.Textarea(attrs={"rows": 8})
    )
    result = forms.ChoiceField(
        label=_("处理结论"),
        choices=RESULT_CHOICES,
        error_messages={"required": _("请选择处理结论（支持 / 解释说明 / 不予支持）。")},
    )
    legal_basis = forms.CharField(label=_("法律依据"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))
    remedies = RemediesField(required=False)


class ForwardForm(forms.Form):
    note = forms.CharField(
        label=_("转报说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ApproveForm(forms.Form):
    """组长同意: the member units that take part. The page ticks the units the routing rules
    propose for the case (``selectors.special_units_proposed``); none ticked means the same."""

    member_units = DepartmentsField(
        label=_("参与专案处理的成员单位"),
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("已按转办规则勾选建议单位；不选则按转办规则确定"),
    )
    note = forms.CharField(
        label=_("审批意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, county: Jurisdiction | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member_units"].queryset = _departments(county, is_member_unit=True)  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("不同意的理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# --- 司法局法律审查 (legal_views) ---


class LegalReviewForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("审查结论"), choices=LegalReviewConclusion.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label=_("审查意见"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class LegalRequestForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=500)
