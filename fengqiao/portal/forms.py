"""The payer's forms (线上枫桥). Filing online is the window's registration form
(``fengqiao.cases.forms.IntakeForm``) less what only a clerk decides — channel, visit time,
the intake outcome, links — with the same fields, validators (ID number and credit code check
characters, mobile, township, categories) and attachment limits, plus the offline proof of
work (ALTCHA) and a one-time submission key."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from altcha_django import AltchaField
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.forms import IntakeForm, _fields_configure
from fengqiao.cases.models import AttachmentKind, Channel
from fengqiao.cases.services import IntakeData
from fengqiao.cases.states import IntakeOutcome
from fengqiao.org.models import Jurisdiction

#: What the clerk alone decides at the window; not on the payer's form.
STAFF_ONLY = ("channel", "received_at", "outcome", "informed_department", "informed_note", "link_to", "name_confirmed")


if TYPE_CHECKING:
    _FormBase = forms.Form
else:
    _FormBase = object


class DescribedErrors(_FormBase):
    """Each input with an error names it (``aria-describedby="err-<field>"``, the error shown
    beside the field by ``portal/_field.html``), with its help text if it has one. A mixin, not a
    form of its own (the form checks of ``core.tests`` walk every form class)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field = self.fields[name]
                ids = [f"err-{name}"] + ([f"{self[name].auto_id}_helptext"] if field.help_text else [])
                field.widget.attrs["aria-describedby"] = " ".join(ids)


class OnlineFilingForm(DescribedErrors, IntakeForm):
    """网上申请 (四(一) 线上受理): 缴费人基本情况、联系方式、事项所在辖区、反映主要事项、附件."""

    # The widget speaks the page's language: its own zh-cn strings (i18n/all.js, served from our static files).
    altcha = AltchaField(label=_("人机验证"), required=True, language="zh-cn")
    submission = forms.CharField(widget=forms.HiddenInput, max_length=64)
    attachment_kind = forms.ChoiceField(
        label=_("材料类型"), choices=AttachmentKind.choices, initial=AttachmentKind.EVIDENCE, required=False
    )

    def __init__(self, *args: Any, county: Jurisdiction, request: HttpRequest | None = None, **kwargs: Any) -> None:
        forms.Form.__init__(self, *args, **kwargs)
        _fields_configure(self.fields, county)
        for name in STAFF_ONLY:
            self.fields.pop(name, None)
        self.user = None  # type: ignore[assignment]  # no staff: IntakeForm.clean reads it for INFORM only
        self.county = county
        self._fields_shared = False
        self._linked = []
        self.fields["phone"].help_text = _("案件编号、查询码和短信验证码发送至此号码。")
        self.fields["attachments"].help_text = _("可上传证明材料（PDF、图片、Word、Excel、OFD），每个文件不超过上限。")
        altcha = self.fields["altcha"]
        altcha.bind_context(request=request, form=self)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["submission"] = secrets.token_urlsafe(24)
        for name, field in self.fields.items():
            if name not in ("altcha", "submission") and field.error_messages.get("required"):
                field.error_messages = {
                    **field.error_messages,
                    "required": _("请填写%(label)s。") % {"label": field.label},
                }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        township = data.get("township")
        if township is not None and township.parent_id != self.county.pk:
            self.add_error("township", ValidationError(_("请选择本旗县的苏木乡镇。"), code="county"))
        return data

    def intake_data(self) -> IntakeData:
        """The filing as the window's registration, channel 网上, for review (四(二))."""
        self.cleaned_data.update(
            {"channel": Channel.ONLINE, "received_at": timezone.now(), "outcome": IntakeOutcome.REVIEW}
        )
        return super().intake_data()


class LookupForm(DescribedErrors, forms.Form):
    """查询进度: 案件编号 and 查询码 (printed on the 受理告知书, sent by SMS at online filing)."""

    number = forms.CharField(label=_("案件编号"), max_length=40)
    code = forms.CharField(label=_("查询码"), max_length=16)


class SmsRequestForm(DescribedErrors, forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=40)


class SmsCodeForm(DescribedErrors, forms.Form):
    number = forms.CharField(label=_("案件编号"), max_length=40)
    code = forms.CharField(label=_("短信验证码"), max_length=8)
