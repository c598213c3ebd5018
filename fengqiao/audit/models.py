"""安全审计 (五(三)(四)): the audit trail — who, when, from where, what, and the result — in a
keyed SM3 hash chain per county (``fengqiao.audit.chain``)."""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.core.choices import ChoiceLabels
from fengqiao.core.models import AppendOnlyModel


class CaseRef(Protocol):
    """What the trail needs of the case a record names: its id, its number and its county. The
    case (``cases.Case``) belongs to an app above audit: a record refers to it by the lazy
    ``"cases.Case"`` and the trail never imports it."""

    @property
    def pk(self) -> Any: ...

    @property
    def number(self) -> str: ...

    @property
    def jurisdiction_id(self) -> int: ...


class Action(models.TextChoices):
    SIGN_IN = "sign_in", _("登录")
    SIGN_IN_FAILED = "sign_in_failed", _("登录失败")
    SIGN_OUT = "sign_out", _("退出")
    LOCKED_OUT = "locked_out", _("账户锁定")
    SECOND_FACTOR = "second_factor", _("二次验证")
    PASSWORD = "password", _("密码变更")
    CASE_VIEW = "case_view", _("查看案件")
    REVEAL = "reveal", _("查看明文")
    DOWNLOAD = "download", _("下载")
    EXPORT = "export", _("导出")
    ADMIN_CHANGE = "admin_change", _("配置变更")
    RELEASE_REQUEST = "release_request", _("信息发布申请")
    RELEASE_DECISION = "release_decision", _("信息发布审批")
    RELEASE = "release", _("信息发布")
    ARCHIVE_SEAL = "archive_seal", _("案卷封存")
    CHAIN_CHECK = "chain_check", _("审计链校验")
    KEY_ROTATION = "key_rotation", _("密钥轮换")
    # The payer's own acts on the payer pages (线上枫桥): no staff user, the actor name 缴费人.
    PAYER_FILING = "payer_filing", _("缴费人网上提交")
    PAYER_LOOKUP = "payer_lookup", _("缴费人查询案件")
    PAYER_LOOKUP_FAILED = "payer_lookup_failed", _("缴费人查询失败")
    # 责任追究 (五(四), fengqiao.accountability): a record proposed (by the system or by hand),
    # confirmed with the decision taken, or dismissed with a reason.
    ACCOUNTABILITY_PROPOSE = "accountability_propose", _("提出责任追究")
    ACCOUNTABILITY_CONFIRM = "accountability_confirm", _("确认责任追究")
    ACCOUNTABILITY_DISMISS = "accountability_dismiss", _("不予追究")


class Result(models.TextChoices):
    OK = "ok", _("成功")
    DENIED = "denied", _("拒绝")
    FAILED = "failed", _("失败")


class ChainHead(models.Model):
    """The newest link of one county's audit chain (stream 0: records outside any county).
    Locked while a record is linked, so records of one county are chained one after another."""

    stream = models.BigIntegerField(primary_key=True)
    seq = models.BigIntegerField(default=0)
    link = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq}"


class AuditRecord(ChoiceLabels, AppendOnlyModel):
    """审计记录 — one sign-in, case view, reveal, download, export or administrative change.

    ``link`` is HMAC-SM3 over the previous record's link and this record's fields
    (:meth:`chain_fields`); ``manage.py audit_verify`` recomputes the chain."""

    stream = models.BigIntegerField(_("审计链"))
    seq = models.BigIntegerField(_("序号"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    # The name as it was: a record stays readable when the account is renamed.
    actor_name = models.CharField(_("账号"), max_length=150, blank=True)
    action = models.CharField(_("事项"), max_length=24, choices=Action.choices)
    result = models.CharField(_("结果"), max_length=8, choices=Result.choices, default=Result.OK)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=255)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    key_id = models.CharField(max_length=16)
    prev = models.CharField(max_length=64)
    link = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_record_stream_seq")]
        indexes = [
            models.Index(fields=["at"], name="audit_record_at"),
            models.Index(fields=["actor", "at"], name="audit_record_actor_at"),
            models.Index(fields=["case", "at"], name="audit_record_case_at"),
            models.Index(fields=["action", "at"], name="audit_record_action_at"),
            # 审计日志's account filter: a name as it was, failed sign-ins of no account included.
            models.Index(fields=["actor_name", "at"], name="audit_record_actor_name_at"),
            # Refused and failed attempts, alone or of one action: a combination that matches
            # nothing read months of the at index (PostgreSQL, 2,000,000 records: 1.2–3.6 s → 0.2 ms).
            models.Index(fields=["result", "at"], name="audit_record_result_at"),
            models.Index(fields=["action", "result", "at"], name="audit_record_action_result_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()}"

    def chain_fields(self) -> dict[str, Any]:
        """What the link covers: every column but the id and the link itself."""
        return {
            "stream": self.stream,
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "result": self.result,
            "ip": self.ip or "",
            "case": self.case_id,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "detail": self.detail,
        }


def cases() -> models.QuerySet[Any]:
    """The cases the records name, read through the records' relation (``cases.Case`` is above
    audit and not imported): the trail's filter by case number and a refused view's case."""
    model = cast("type[models.Model]", AuditRecord._meta.get_field("case").related_model)
    return model._default_manager.all()
