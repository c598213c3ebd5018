"""Forms of the 结果反馈, 跟踪回访 and 救济途径 pages (the API validates with its serializers).

They parse and check the shape of the input; the rules of the mechanism (states, deadlines,
who may act) are the services'. A service's ``ValidationError`` is put back on the form under
the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core.forms import DateInput, DateTimeInput
from fengqiao.followup import selectors
from fengqiao.followup.models import (
    STAFF_VISIT_METHODS,
    DeliveryMethod,
    Recipient,
    Remedy,
    RemedyKind,
    RemedyOutcome,
    RemedyStatus,
    Satisfaction,
)

# Typed as YYYY-MM-DD (年月日 accepted), not the browser's locale picker (fengqiao.core.forms).
DATE = DateInput()
DATETIME = DateTimeInput()


class FeedbackForm(forms.Form):
    """结果反馈 (四(四)): the decision notice delivered to one party, and how."""

    recipient = forms.ChoiceField(label=_("受送达人"), choices=Recipient.choices, widget=forms.RadioSelect)
    recipient_name = forms.CharField(label=_("受送达人姓名/名称"), max_length=120, required=False)
    method = forms.ChoiceField(label=_("送达方式"), choices=DeliveryMethod.choices)
    address = forms.CharField(
        label=_("送达地址/号码"),
        max_length=255,
        required=False,
        help_text=_("邮寄地址、手机号码或电子邮箱；短信或电子邮件送达时必填。"),
    )
    delivered_at = forms.DateTimeField(
        label=_("送达时间"), required=False, widget=DATETIME, help_text=_("留空为当前时间。")
    )
    receipt_reference = forms.CharField(
        label=_("邮件单号/外部编号"),
        max_length=64,
        required=False,
        help_text=_("送达回证由系统按本次送达生成，受送达人签收后可作为附件上传。"),
    )
    send_message = forms.BooleanField(
        label=_("同时发送短信/电子邮件通知"), required=False, help_text=_("仅短信、电子邮件送达时发送。")
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if case.other_party_id is None:
            recipient = self.fields["recipient"]
            assert isinstance(recipient, forms.ChoiceField)
            recipient.choices = [(Recipient.PAYER, Recipient.PAYER.label)]


class VisitScheduleForm(forms.Form):
    """安排跟踪回访 (四(五) 对被反馈的争议双方进行跟踪回访): whom — the payer, or the other party of
    the dispute when the case has one — and when."""

    party = forms.ChoiceField(label=_("回访对象"), choices=Recipient.choices, initial=Recipient.PAYER)
    scheduled_on = forms.DateField(
        label=_("计划回访日期"), required=False, widget=DATE, help_text=_("留空则按回访时限自动安排。")
    )

    def __init__(self, *args: Any, parties: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parties is not None:
            party = self.fields["party"]
            assert isinstance(party, forms.ChoiceField)
            party.choices = [(value, Recipient(value).label) for value in parties]
            party.initial = parties[0] if parties else Recipient.PAYER


class VisitRecordForm(forms.Form):
    """记录回访 (四(五)): how, the party's satisfaction, and whether it objects."""

    method = forms.ChoiceField(label=_("回访方式"), choices=STAFF_VISIT_METHODS, widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    objects_to_decision = forms.TypedChoiceField(
        label=_("对处理意见是否有异议"),
        choices=[("0", _("无异议")), ("1", _("有异议"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        help_text=_("缴费人有异议的，案件转入救济途径跟踪；争议另一方的意见记录在案。"),
    )
    done_at = forms.DateTimeField(label=_("回访时间"), required=False, widget=DATETIME, help_text=_("留空为当前时间。"))
    notes = forms.CharField(label=_("回访记录"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class RemedyForm(forms.Form):
    """记录救济途径: what an objecting payer did, where and when."""

    kind = forms.ChoiceField(label=_("救济途径"), choices=RemedyKind.choices)
    body = forms.CharField(
        label=_("受理机关"),
        max_length=120,
        help_text=_("如：奈曼旗人民政府、通辽市中级人民法院、奈曼旗劳动人事争议仲裁委员会。"),
    )
    filed_on = forms.DateField(label=_("申请/起诉日期"), widget=DATE)
    previous = forms.ModelChoiceField(
        label=_("由哪一救济途径接续"),
        queryset=Remedy.objects.none(),
        required=False,
        empty_label=_("无（首次提出）"),
        help_text=_("调解不成申请仲裁、复议后提起诉讼时选择。"),
    )
    next_check_on = forms.DateField(
        label=_("下次跟踪日期"), required=False, widget=DATE, help_text=_("留空则按30日（调解按15日）自动安排。")
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only an ended remedy of the current round (against the decision now contested).
        self.fields["previous"].queryset = (  # type: ignore[attr-defined]
            Remedy.objects.filter(case=case, status=RemedyStatus.ENDED)
            .filter(selectors.current_round())
            .order_by("-outcome_on", "-pk")
        )


class RemedyCheckForm(forms.Form):
    """跟踪救济进展."""

    notes = forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 3}))
    next_check_on = forms.DateField(label=_("下次跟踪日期"), widget=DATE)


class RemedyOutcomeForm(forms.Form):
    """记录救济结果: the remedy ends; a changed decision reopens handling."""

    outcome = forms.ChoiceField(label=_("结果"), choices=RemedyOutcome.choices, widget=forms.RadioSelect)
    outcome_on = forms.DateField(
        label=_("结果日期"), widget=DATE, help_text=_("复议决定、判决、裁决或调解终结的日期。")
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DeliveryRevealForm(forms.Form):
    """查看送达地址/号码明文: why."""

    reason = forms.CharField(
        label=_("查看理由"),
        min_length=4,
        max_length=255,
        error_messages={
            "required": _("请填写查看理由（至少4个字），查看明文须说明理由。"),
            "min_length": _("查看理由至少4个字。"),
        },
    )
