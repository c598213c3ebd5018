"""Input of 报送办理, shared by the pages and the API: the form checks the shape, the service
checks what depends on the referral's state."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.handling.forms import RESULT_CHOICES
from fengqiao.handling.remedies import RemediesField
from fengqiao.handling.selectors import remedies_default
from fengqiao.org.models import Department, Jurisdiction
from fengqiao.referrals.models import ReferralKind


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class DepartmentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class WorkOrderForm(VersionForm):
    work_order_number = forms.CharField(label=_("12345工单号"), max_length=40)


class DispatchForm(VersionForm):
    department = DepartmentField(label=_("承办部门"), queryset=Department.objects.none(), to_field_name="code")
    kind = forms.ChoiceField(label=_("类别"), choices=ReferralKind.choices, required=False)

    def __init__(self, *args: Any, county: Jurisdiction | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Department.objects.filter(active=True).order_by("sort_order", "id")
        self.fields["department"].queryset = qs.filter(jurisdiction=county) if county else qs.none()  # type: ignore[attr-defined]


class ReasonForm(VersionForm):
    reason = forms.CharField(label=_("理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class TransferForm(VersionForm):
    note = forms.CharField(label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class FeedbackForm(VersionForm):
    """办理反馈: the answer to the payer (it becomes the 处理意见书) and to the hotline office."""

    request = forms.CharField(label=_("缴费人请求"), widget=forms.Textarea(attrs={"rows": 2}))
    facts_and_reasons = forms.CharField(label=_("事实和理由"), widget=forms.Textarea(attrs={"rows": 4}))
    result = forms.ChoiceField(
        label=_("处理结论"),
        choices=RESULT_CHOICES,
        error_messages={"required": _("请选择处理结论（支持 / 解释说明 / 不予支持）。")},
    )
    legal_basis = forms.CharField(label=_("法律依据"), widget=forms.Textarea(attrs={"rows": 2}))
    # The decision editor's remedy rows (handling.remedies): the same labelled editor and check.
    remedies = RemediesField()
    feedback_to_office = forms.CharField(label=_("向12345热线办反馈"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case is not None:  # the editor starts from the case's default remedies, as the decision's does
            self.fields["remedies"].initial = remedies_default(case=case)
