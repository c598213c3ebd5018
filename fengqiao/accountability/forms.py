"""Input of the accountability pages, parsed into what the services take. A case is named by
its number among the cases of the county, an online item by its number; the person is picked
among the staff of the department named (checked by the service)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.accountability.models import Failure
from fengqiao.accountability.services import TEXT_MAX, RecordData
from fengqiao.cases.models import Case
from fengqiao.org.models import Department, Jurisdiction, Staff


class RecordForm(forms.Form):
    """人工录入 a record (the group office)."""

    department = forms.ModelChoiceField(
        label=_("责任部门"), queryset=Department.objects.none(), error_messages={"required": _("请选择责任部门。")}
    )
    person = forms.ModelChoiceField(
        label=_("责任人"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_("可选；须为责任部门的工作人员。姓名仅领导小组办公室、组长、副组长和纪委监委联络人可见。"),
    )
    failure = forms.ChoiceField(
        label=_("追责事由"),
        choices=[("", "---------"), *Failure.choices],
        error_messages={"required": _("请选择追责事由。")},
    )
    case = forms.CharField(label=_("案件编号"), required=False, max_length=40, help_text=_("可选"))
    item = forms.CharField(label=_("舆情编号"), required=False, max_length=40, help_text=_("可选"))
    facts = forms.CharField(
        label=_("事实"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX,
        error_messages={"required": _("请写明事实。")},
    )
    decision = forms.CharField(
        label=_("处理决定"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=TEXT_MAX,
        help_text=_("已作出处理决定的，填写后记录即为已确认；留空则为待确认。"),
    )

    def __init__(self, *args: Any, county: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.county = county
        departments = Department.objects.filter(jurisdiction=county, active=True).order_by("sort_order", "id")
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["person"].queryset = (  # type: ignore[attr-defined]
            Staff.objects.filter(department__jurisdiction=county, is_active=True)
            .select_related("department")
            .order_by("department__sort_order", "username")
        )
        self.fields["person"].label_from_instance = lambda s: f"{s.department}·{s}"  # type: ignore[attr-defined]

    def clean_case(self) -> Case | None:
        number = self.cleaned_data.get("case", "").strip()
        if not number:
            return None
        case = Case.objects.filter(jurisdiction=self.county, number=number).first()
        if case is None:
            raise forms.ValidationError(_("找不到案件：%(n)s") % {"n": number})
        return case

    def clean_item(self) -> Any:
        from fengqiao.opinion.models import OnlineItem

        number = self.cleaned_data.get("item", "").strip()
        if not number:
            return None
        item = OnlineItem.objects.filter(jurisdiction=self.county, number=number).first()
        if item is None:
            raise forms.ValidationError(_("找不到舆情：%(n)s") % {"n": number})
        return item

    def data_for_service(self) -> RecordData:
        d = self.cleaned_data
        return RecordData(
            department=d["department"],
            person=d.get("person"),
            failure=d["failure"],
            case=d.get("case"),
            item=d.get("item"),
            facts=d["facts"],
            decision=d.get("decision", ""),
        )


class ConfirmForm(forms.Form):
    """确认 a proposal: the decision taken."""

    decision = forms.CharField(
        label=_("处理决定"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
        help_text=_("如：约谈部门负责人、通报批评、移送纪委监委处理，并写明作出决定的机关。"),
        error_messages={"required": _("请写明处理决定。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DismissForm(forms.Form):
    """不予追究: the reason."""

    reason = forms.CharField(
        label=_("不予追究理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
        error_messages={"required": _("请写明不予追究的理由。")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
