"""Input of 报送办理, shared by the pages and the API: the form checks the shape, the service
checks what depends on the referral's state."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.handling.models import DecisionResult
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
    result = forms.ChoiceField(label=_("处理结论"), choices=DecisionResult.choices)
    legal_basis = forms.CharField(label=_("法律依据"), widget=forms.Textarea(attrs={"rows": 2}))
    remedies = forms.CharField(
        label=_("救济途径"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一项：途径|受理机关|期限"),
    )
    feedback_to_office = forms.CharField(label=_("向12345热线办反馈"), widget=forms.Textarea(attrs={"rows": 2}))

    def clean_remedies(self) -> list[dict[str, str]]:
        raw = self.cleaned_data["remedies"]
        if isinstance(raw, list):
            return raw
        text = str(raw).strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise forms.ValidationError(_("救济途径格式有误。")) from None
            return list(value)
        rows = []
        for line in text.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not any(parts):
                continue
            if len(parts) < 3:
                raise forms.ValidationError(_("每项救济途径须写明途径、受理机关和期限，以“|”分隔。"))
            rows.append({"kind": parts[0], "body": parts[1], "deadline": parts[2]})
        return rows
