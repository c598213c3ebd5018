"""Forms of the 延期 and 调解 pages (the API validates with its serializers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core.forms import DateInput, DateTimeInput
from fengqiao.handling.followthrough.mediation import mediation_divisions
from fengqiao.handling.models import (
    OPEN_TASK_STATUSES,
    DecisionResult,
    MediationResult,
    Task,
)
from fengqiao.org.models import Division, Staff


class ExtensionRequestForm(forms.Form):
    task = forms.ModelChoiceField(
        label=_("延期事项"), queryset=Task.objects.none(), required=False, empty_label=_("案件当前环节")
    )
    new_due_on = forms.DateField(
        label=_("延期至"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "重大疑难事项的案件期限按规定延长30日，无需填写。其他事项须为工作日，"
            "最迟为原期限延长30日（信访工作条例第三十四条）。"
        ),
    )
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = Task.objects.filter(  # type: ignore[attr-defined]
            case=case, status__in=OPEN_TASK_STATUSES
        ).select_related("department", "case")


class ExtensionDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批结果"),
        choices=[("1", _("批准延期")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    payer_told_how = forms.CharField(
        label=_("告知缴费人方式"), required=False, max_length=64, help_text=_("如：书面告知、电话告知；默认书面告知")
    )


class MediationOpenForm(forms.Form):
    division = forms.ModelChoiceField(
        label=_("调解机构"), queryset=Division.objects.none(), required=False, empty_label=_("本部门组织")
    )
    mediator = forms.ModelChoiceField(label=_("调解员"), queryset=Staff.objects.none())
    held_at = forms.DateTimeField(label=_("调解时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("地点"), max_length=128, required=False)
    parties = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("调解记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ids = [d.pk for d in mediation_divisions(case.jurisdiction_id)]
        self.fields["division"].queryset = Division.objects.filter(pk__in=ids).select_related(  # type: ignore[attr-defined]
            "department"
        )
        self.fields["mediator"].queryset = Staff.objects.filter(  # type: ignore[attr-defined]
            department__jurisdiction_id=case.jurisdiction_id, is_active=True
        ).order_by("department__sort_order", "username")


class MediationResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("调解结果"),
        choices=[
            (MediationResult.AGREEMENT, MediationResult.AGREEMENT.label),
            (
                MediationResult.NO_AGREEMENT,
                MediationResult.NO_AGREEMENT.label,
            ),
        ],
        widget=forms.RadioSelect,
    )
    agreement = forms.CharField(label=_("协议内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decision_result = forms.ChoiceField(
        label=_("处理结论"), choices=[("", "—"), *DecisionResult.choices], required=False
    )
    legal_basis = forms.CharField(label=_("法律依据"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(label=_("调解记录"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
