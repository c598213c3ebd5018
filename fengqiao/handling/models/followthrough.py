"""The follow-through of time limits (四(三), 五(四)): reminders and escalations about overdue
deadlines (and the 四(五) remedy and visit reminders), extensions of a time limit, and mediation.

Written by ``fengqiao.handling.followthrough``'s services; the tasks and decisions they refer to
are the investigation's (``models.investigation``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import AppendOnlyModel, Case
from fengqiao.handling.models.investigation import Task
from fengqiao.org.models import Department


class FollowUpKind(models.TextChoices):
    REMINDER = "reminder", _("催办")  # the working day after a deadline
    ESCALATION = "escalation", _("督办升级")  # still overdue after the configured days
    REMEDY = "remedy", _("救济跟踪")  # 四(五): a pending remedy's check date has come
    VISIT = "visit", _("回访提醒")  # 四(五): a scheduled visit not done on its day


class FollowUpNotice(AppendOnlyModel):
    """催办 / 督办: one reminder or escalation about one overdue deadline; 救济跟踪 / 回访提醒:
    one reminder to follow up a remedy or a visit on its date (四(五)). Unique per (subject,
    kind, deadline), so the periodic job can run twice, or on several workers."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="followup_notices")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("类型"), max_length=16, choices=FollowUpKind.choices)
    due_on = models.DateField(_("所催期限"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), related_name="followup_notices"
    )
    created_at = models.DateTimeField(_("时间"))
    text = models.CharField(_("内容"), max_length=255)

    class Meta:
        verbose_name = _("催办督办记录")
        verbose_name_plural = _("催办督办记录")
        constraints = [
            models.UniqueConstraint(fields=["case", "task", "kind", "due_on"], name="handling_notice_once"),
            models.UniqueConstraint(
                fields=["case", "kind", "due_on"],
                condition=models.Q(task__isnull=True),
                name="handling_case_notice_once",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("待批准")
    APPROVED = "approved", _("已批准")
    DECLINED = "declined", _("未批准")


class Extension(models.Model):
    """延期: a longer time limit, requested with a reason; for major matters approved by the
    leader (信访工作条例 art. 34: +30 days with the reasons told to the payer)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="extensions")
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    old_due_on = models.DateField(_("原期限"))
    new_due_on = models.DateField(_("新期限"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    payer_told_at = models.DateTimeField(_("告知缴费人时间"), null=True, blank=True)
    payer_told_how = models.CharField(_("告知方式"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")

    def __str__(self) -> str:
        return f"{self.case.number} 延期至 {self.new_due_on}"


class MediationResult(models.TextChoices):
    PENDING = "pending", _("进行中")
    AGREEMENT = "agreement", _("达成调解协议")
    NO_AGREEMENT = "no_agreement", _("未达成协议")


class MediationSession(models.Model):
    """调解 — e.g. through the tax bureau's 公职律师涉税争议咨询调解中心 or its online team
    (三(二)2). An agreement becomes the decision; without one, handling goes on."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="mediations")
    department = models.ForeignKey(Department, verbose_name=_("调解部门"), on_delete=models.PROTECT, related_name="+")
    division = models.ForeignKey(
        "org.Division", verbose_name=_("调解机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="+"
    )
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("地点"), max_length=128, blank=True)
    parties = models.TextField(_("参加人员"))
    result = models.CharField(
        _("结果"), max_length=16, choices=MediationResult.choices, default=MediationResult.PENDING
    )
    agreement = models.TextField(_("协议内容"), blank=True)
    notes = models.TextField(_("调解记录"), blank=True)

    class Meta:
        verbose_name = _("调解")
        verbose_name_plural = _("调解")

    def __str__(self) -> str:
        return f"{self.case.number} 调解（{self.get_result_display()}）"
