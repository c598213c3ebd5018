"""责任追究 (五(四) 严格责任追究): 对责任履行不到位，出现工作失误、引发舆情、造成严重后果的，依法依规追责.

An ``AccountabilityRecord`` names the department (and, when known, the person) that failed,
the failure, the facts, the decision taken and who decided. The system proposes records from
what it already knows (``fengqiao.accountability.proposals``); the group office enters one by
hand, and confirms or dismisses each proposal. Confirmed records feed the department
scorecards (``analytics.scorecards``, measure ``accountability``). Every write goes through
``fengqiao.accountability.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.org.models import Department, Jurisdiction


class Failure(models.TextChoices):
    """What went wrong (五(四): 责任履行不到位、工作失误、引发舆情、造成严重后果)."""

    OVERDUE_ESCALATION = "overdue_escalation", _("超期督办")
    DISCIPLINE_TRANSFER = "discipline_transfer", _("移送纪委监委")
    OPINION_INCIDENT = "opinion_incident", _("引发舆情")
    DECISION_CHANGED = "decision_changed", _("处理意见被复议诉讼变更")
    MANUAL = "manual", _("其他（人工录入）")


class RecordStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("不予追究")


class AccountabilityRecord(models.Model):
    """责任追究记录 — one failure of one department (or one person of it) under 五(四).

    ``source_key`` names the event a proposal came from (``escalations:<dept>:<YYYY-MM>``,
    ``transfer:<id>``, ``opinion:<item-case link id>``, ``remedy:<id>``); it is unique, so the
    daily job never proposes the same event twice. A record entered by hand has none.
    ``version`` rises with every write, so a decision made on a stale page is refused."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="accountability_records"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="accountability_records"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    failure = models.CharField(_("追责事由"), max_length=24, choices=Failure.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    item = models.ForeignKey(
        "opinion.OnlineItem",
        verbose_name=_("网络舆情"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    source_key = models.CharField(_("来源"), max_length=64, unique=True, null=True, blank=True)
    facts = models.TextField(_("事实"))
    decision = models.TextField(_("处理决定"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.PROPOSED)
    proposed_at = models.DateTimeField(_("提出时间"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示由系统根据已有记录提出"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    dismiss_reason = models.TextField(_("不予追究理由"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("责任追究记录")
        verbose_name_plural = _("责任追究记录")
        ordering = ["-proposed_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "-proposed_at"], name="acct_county_status"),
            models.Index(fields=["department", "status", "decided_at"], name="acct_dept_status"),
        ]

    def __str__(self) -> str:
        return f"{self.department}：{self.get_failure_display()}（{self.get_status_display()}）"
