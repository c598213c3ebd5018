"""Input of the consultation pages, parsed into what the services take. Cases are picked by
number among those the organiser may see."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.core.forms import DateInput, DateTimeInput
from fengqiao.meetings import selectors, services
from fengqiao.meetings.models import Attendance, Consultation, ConsultationKind
from fengqiao.org.models import Department, Jurisdiction, Staff

_SEPARATORS = re.compile(r"[\s,，、;；]+")


def cases_by_number(user: Staff, text: str) -> list[Case]:
    """The cases named in ``text`` (numbers separated by spaces, commas or 、) that ``user``
    may see; an unknown or hidden number is an error naming it."""
    numbers = [n for n in _SEPARATORS.split(text.strip()) if n]
    if not numbers:
        return []
    found = {c.number: c for c in cases_visible_to(user).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise forms.ValidationError(_("找不到案件：%(n)s") % {"n": "、".join(missing)})
    return [found[n] for n in dict.fromkeys(numbers)]


# The picker lists at most this many cases (the oldest deadlines first); others are typed.
CASE_PICKER_LIMIT = 200


class _BoundedChoices(ModelChoiceIterator):
    """The first ``CASE_PICKER_LIMIT`` rows of the field's queryset, read in one query."""

    def __iter__(self) -> Iterator[Any]:
        for obj in self.queryset[:CASE_PICKER_LIMIT]:
            yield self.choice(obj)

    def __len__(self) -> int:
        return min(self.queryset.count(), CASE_PICKER_LIMIT)


class CaseChoiceField(forms.ModelMultipleChoiceField):
    """涉及案件: ticked from the bounded list of the cases waiting for a consultation; any case
    of the whole list is accepted."""

    iterator = _BoundedChoices

    def label_from_instance(self, obj: Any) -> str:
        due = f"，{_('期限')} {obj.due_on:%Y-%m-%d}" if obj.due_on else ""
        summary = (obj.summary or "")[:30]
        return f"{obj.number}（{obj.get_state_display()}{due}）{summary}"


class ConsultationForm(forms.Form):
    kind = forms.ChoiceField(label=_("会商类型"), choices=ConsultationKind.choices)
    topic = forms.CharField(label=_("议题"), max_length=200)
    starts_at = forms.DateTimeField(label=_("会商时间"), widget=DateTimeInput())
    place = forms.CharField(label=_("地点"), max_length=128)
    chair = forms.CharField(label=_("主持人"), max_length=64, required=False)
    cases = CaseChoiceField(
        label=_("涉及案件"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("待会商的案件（专案处理的重大疑难事项在前）"),
    )
    case_numbers = forms.CharField(
        label=_("其他案件编号"),
        required=False,
        widget=forms.TextInput(),
        help_text=_("不在上列的案件，可填写案件编号，多个编号用空格、逗号或顿号分隔"),
    )
    policy_issue = forms.CharField(
        label=_("政策性、普遍性、倾向性问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: Staff, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        covered = self.initial.get("cases") or []
        self.fields["cases"].queryset = selectors.cases_awaiting_consultation(  # type: ignore[attr-defined]
            user=user, include=covered
        )

    def clean_case_numbers(self) -> list[Case]:
        return cases_by_number(self.user, self.cleaned_data.get("case_numbers") or "")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The cases picked and the cases typed, each once, in that order (the service takes one list).
        picked = list(cleaned.get("cases") or [])
        typed = list(cleaned.get("case_numbers") or [])
        cleaned["case_numbers"] = list({c.pk: c for c in [*picked, *typed]}.values())
        return cleaned

    def data_for_service(self) -> services.ConsultationData:
        d = self.cleaned_data
        return services.ConsultationData(
            kind=d["kind"],
            topic=d["topic"],
            starts_at=d["starts_at"],
            place=d["place"],
            policy_issue=d.get("policy_issue") or "",
            cases=d["case_numbers"],
            chair=d.get("chair") or "",
        )

    @staticmethod
    def initial_for(consultation: Consultation) -> dict[str, Any]:
        return {
            "kind": consultation.kind,
            "topic": consultation.topic,
            "starts_at": consultation.starts_at,
            "place": consultation.place,
            "chair": consultation.chair,
            "cases": list(consultation.cases.order_by("number").values_list("pk", flat=True)),
            "case_numbers": "",
            "policy_issue": consultation.policy_issue,
            "version": consultation.version,
        }


class AttendeeForm(forms.Form):
    """One row of the attendance list. A row left blank (no unit, title, name or person) is
    ignored, whatever its 出席情况 select shows: the two extra rows need no 删除 tick. A row
    with something in it needs its unit; the error names the row."""

    department = forms.ModelChoiceField(label=_("单位"), queryset=Department.objects.none(), required=False)
    name = forms.CharField(label=_("姓名"), max_length=64, required=False)
    title = forms.CharField(label=_("职务"), max_length=64, required=False)
    attendance = forms.ChoiceField(label=_("出席情况"), choices=Attendance.choices)
    staff = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, county: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(jurisdiction=county, active=True)  # type: ignore[attr-defined]

    def _row(self) -> int:
        tail = (self.prefix or "").rsplit("-", 1)[-1]
        return int(tail) + 1 if tail.isdigit() else 1

    def is_blank(self) -> bool:
        return not any(
            str(self.data.get(self.add_prefix(name)) or "").strip() for name in ("department", "name", "title", "staff")
        )

    def has_changed(self) -> bool:
        return not self.is_blank() and super().has_changed()

    def full_clean(self) -> None:
        if self.is_bound and self.is_blank():  # ignored, extra or not
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("DELETE") and not cleaned.get("department"):
            self.add_error("department", _("第%(n)d行单位：请选择参会单位（空行不必填写）。") % {"n": self._row()})
        return cleaned


AttendeeFormSet = forms.formset_factory(AttendeeForm, extra=2, can_delete=True)


def attendees_from(formset: Any) -> list[services.AttendeeData]:
    staff_ids = [f.cleaned_data.get("staff") for f in formset.forms if f.cleaned_data.get("staff")]
    staff = {s.pk: s for s in Staff.objects.filter(pk__in=staff_ids)}
    out = []
    for form in formset.forms:
        d = form.cleaned_data
        if not d or d.get("DELETE") or not d.get("department"):
            continue
        out.append(
            services.AttendeeData(
                department=d["department"],
                staff=staff.get(d.get("staff") or 0),
                name=d.get("name") or "",
                title=d.get("title") or "",
                attendance=d["attendance"],
            )
        )
    return out


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("审批"), choices=[("approve", _("同意召开")), ("decline", _("不同意"))])
    note = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StepForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("request_approval", _("报请组长同意")), ("hold", _("已召开")), ("cancel", _("取消会商"))]
    )
    reason = forms.CharField(label=_("理由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("主持人"), max_length=64, required=False)
    discussion = forms.CharField(
        label=_("会议情况"), required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text=_("每段一行")
    )
    conclusions = forms.CharField(
        label=_("会议议定事项"), widget=forms.Textarea(attrs={"rows": 6}), help_text=_("每行一条，纪要中自动编号")
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ResolutionForm(forms.Form):
    department = forms.ModelChoiceField(label=_("承办单位"), queryset=Department.objects.none())
    case = forms.ModelChoiceField(label=_("案件"), queryset=Case.objects.none(), required=False)
    text = forms.CharField(label=_("决定事项"), widget=forms.Textarea(attrs={"rows": 2}))
    due_on = forms.DateField(
        label=_("办理期限"),
        required=False,
        widget=DateInput(),
        help_text=_("留空按规定时限自动计算（工作日）"),
    )
    make_task = forms.BooleanField(label=_("同时转为该单位的办理任务"), required=False)

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            jurisdiction_id=consultation.jurisdiction_id, active=True
        )
        self.fields["case"].queryset = consultation.cases.order_by("number")  # type: ignore[attr-defined]
