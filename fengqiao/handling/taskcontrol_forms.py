"""Input of 任务调度 (cancel, reassign, transfer) and 代签授权, shared by the pages and the API:
the form checks the shape, the service what depends on the task's state and the dates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.core.forms import DateInput
from fengqiao.handling.forms import DepartmentField, VersionForm
from fengqiao.org.models import Department, Staff


class ReasonField(forms.CharField):
    def __init__(self, label: Any, **kwargs: Any) -> None:
        super().__init__(label=label, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), **kwargs)


class TaskCancelForm(VersionForm):
    reason = ReasonField(_("撤销理由"))


class StaffField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name or obj.username}（{obj.title or obj.username}）"


class TaskReassignForm(VersionForm):
    assignee = StaffField(label=_("改派给"), queryset=Staff.objects.none(), to_field_name="username")
    reason = ReasonField(_("改派理由"))

    def __init__(self, *args: Any, department_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Everyone active in the department; the service says why someone cannot take it.
        self.fields["assignee"].queryset = (  # type: ignore[attr-defined]
            Staff.objects.filter(department_id=department_id, is_active=True).order_by("username")
            if department_id is not None
            else Staff.objects.none()
        )


class TaskTransferForm(VersionForm):
    department = DepartmentField(label=_("转交至"), queryset=Department.objects.none(), to_field_name="code")
    reason = ReasonField(_("转交理由"))
    instructions = forms.CharField(
        label=_("办理要求"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, targets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (  # type: ignore[attr-defined]
            targets if targets is not None else Department.objects.none()
        )


class DelegationForm(forms.Form):
    """代签授权: whom, from when to when, why."""

    deputy = StaffField(label=_("代签人"), queryset=Staff.objects.none(), to_field_name="username")
    starts_on = forms.DateField(label=_("起始日期"), widget=DateInput(), help_text=_("格式：YYYY-MM-DD"))
    ends_on = forms.DateField(label=_("截止日期"), widget=DateInput(), help_text=_("含当日"))
    reason = ReasonField(_("授权事由"))

    def __init__(self, *args: Any, deputies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = deputies if deputies is not None else Staff.objects.none()  # type: ignore[attr-defined]


class DelegationRevokeForm(VersionForm):
    reason = forms.CharField(
        label=_("撤销理由"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
