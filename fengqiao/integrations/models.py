"""Integrations: the outbox (webhooks, SMS, e-mail) and the 12345 platform's work orders (四(八)).

An ``OutboxMessage`` is written in the transaction of the business step it reports, so a step
that rolls back sends nothing; ``fengqiao.integrations.outbox.outbox_deliver`` delivers it
later, with retries, and marks it delivered once the receiver answered 2xx. Its
``idempotency_key`` travels as ``X-Fengqiao-Delivery``: a receiver that keeps the keys it has
accepted sees every message exactly once, however often a lost answer made us repeat it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.crypto import EncryptedTextField
from fengqiao.org.models import Jurisdiction

#: The name of the ``Endpoint`` the 12345 platform's status reports go to.
HOTLINE_ENDPOINT = "12345"


class Endpoint(models.Model):
    """A configured receiver: the 12345 platform's status URL, a partner's webhook."""

    name = models.CharField(_("名称"), max_length=64, unique=True)
    url = models.URLField(_("地址"), max_length=500)
    secret = EncryptedTextField(_("签名密钥"), help_text=_("HMAC-SM3 签名用；加密保存"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对接端点")
        verbose_name_plural = _("对接端点")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("发送失败")


class OutboxMessage(models.Model):
    """One message to send, and how its delivery went.

    ``group`` keeps order: of the pending messages of one group (e.g. one case), only the
    oldest is sent; the next waits until it is delivered (or given up)."""

    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    endpoint = models.ForeignKey(
        Endpoint, verbose_name=_("端点"), null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    # A mobile number or mailbox: personal data, encrypted (五(三)).
    recipient = EncryptedTextField(_("收件人"), blank=True, help_text=_("短信号码或邮箱（非 Webhook）；加密保存"))
    event_type = models.CharField(_("事件类型"), max_length=64)
    payload = models.JSONField(_("内容"), default=dict)
    idempotency_key = models.CharField(_("投递键"), max_length=128, unique=True)
    group = models.CharField(_("顺序组"), max_length=64, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发件箱消息")
        verbose_name_plural = _("发件箱消息")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="integrations_outbox_due")]

    def __str__(self) -> str:
        return self.idempotency_key


class WorkOrderKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    CONSULTATION = "consultation", _("咨询")


class WorkOrder(models.Model):
    """12345工单 — a work order the 12345 platform sent, and the case it became or joined.

    The raw payload carries the caller's ID number and phone, so it is stored encrypted
    (五(三))."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT)
    number = models.CharField(_("工单编号"), max_length=64)
    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="work_orders")
    kind = models.CharField(_("工单类型"), max_length=16, choices=WorkOrderKind.choices)
    received_at = models.DateTimeField(_("平台受理时间"))
    linked = models.BooleanField(_("关联已有案件"), default=False)
    payload = EncryptedTextField(_("原始报文"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收账号"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("12345工单")
        verbose_name_plural = _("12345工单")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "number"], name="integrations_workorder_unique")]

    def __str__(self) -> str:
        return self.number
