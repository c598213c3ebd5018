"""Forms of 信息发布审批: they parse input; the services check it (``errors_to_form``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fengqiao.releases.models import ReleaseKind
from fengqiao.releases.services import MAX_USES, MAX_VALIDITY_DAYS


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("信息类别"), choices=ReleaseKind.choices)
    case = forms.CharField(
        label=_("案件编号"), max_length=64, required=False, help_text=_("案卷归档包、案件文书须填写")
    )
    reference = forms.CharField(
        label=_("对象"), max_length=64, required=False, help_text=_("月度综合分析填写月份（YYYY-MM）；其他信息可填编号")
    )
    description = forms.CharField(
        label=_("发布或提供的信息"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    recipient_organisation = forms.CharField(label=_("接收单位"), max_length=128)
    recipient_person = forms.CharField(label=_("接收人"), max_length=64)
    purpose = forms.CharField(label=_("用途"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    legal_basis = forms.CharField(label=_("依据"), max_length=255, help_text=_("法律法规、来函文号等"))
    uses = forms.IntegerField(label=_("批准使用次数"), min_value=1, max_value=MAX_USES, initial=1)
    validity_days = forms.IntegerField(
        label=_("批准有效期（天）"), min_value=1, max_value=MAX_VALIDITY_DAYS, initial=30
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批"), choices=[("approve", _("批准")), ("refuse", _("不予批准"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("审批意见"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不予批准须写明理由"),
    )


class RecordForm(forms.Form):
    note = forms.CharField(label=_("发布情况"), max_length=255, required=False, help_text=_("如：已当面交付、已发函"))
