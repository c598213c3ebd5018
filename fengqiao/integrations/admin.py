from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fengqiao.core.identifiers import mask_contact
from fengqiao.integrations.models import Endpoint, OutboxMessage, OutboxStatus, WorkOrder
from fengqiao.integrations.outbox import outbox_retry


class EndpointForm(forms.ModelForm):
    """The secret is write-only: left empty, the stored one stays."""

    url = forms.URLField(label=_("地址"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("签名密钥"), required=False, widget=forms.PasswordInput(render_value=False), help_text=_("留空则不修改")
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "secret", "active"]

    def clean_secret(self) -> str:
        value = self.cleaned_data.get("secret") or ""
        if not value and self.instance.pk:
            return self.instance.secret
        if not value:
            raise forms.ValidationError(_("请填写签名密钥。"))
        return value


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "active", "created_at"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "idempotency_key", "channel", "event_type", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "channel", "event_type"]
    search_fields = ["idempotency_key", "group"]
    # The recipient (a mobile number or mailbox) is shown masked: the administrator does not
    # reveal personal data (五(三)); the message is retried without reading it.
    exclude = ["recipient"]
    readonly_fields = [*(f.name for f in OutboxMessage._meta.fields if f.name != "recipient"), "recipient_masked"]
    actions = ["retry"]

    @admin.display(description=_("收件人（脱敏）"))
    def recipient_masked(self, message: OutboxMessage) -> str:
        return mask_contact(message.recipient)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("重新发送所选的失败消息"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = outbox_retry(messages=queryset.filter(status=OutboxStatus.FAILED))
        self.message_user(request, _("已重新排队 %(n)d 条消息。") % {"n": count}, messages.SUCCESS)


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "case", "kind", "linked", "received_at", "created_at"]
    list_filter = ["kind", "linked"]
    search_fields = ["number", "case__number"]
    exclude = ["payload"]
    readonly_fields = ["jurisdiction", "number", "case", "kind", "received_at", "linked", "created_by", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
