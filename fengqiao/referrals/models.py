"""报送办理 (四(八)): the referral form of a matter whose responsibility is unclear, its dispatch
through the 12345 hotline mechanism, and the transfer of case clues to the 纪委监委.

Every write goes through ``fengqiao.referrals.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case, DisputeCategory
from fengqiao.org.models import Department, Jurisdiction


class DispatchCatalogueEntry(models.Model):
    """派单目录 — which department the hotline office dispatches a category to, per the
    department duties of 三(二) (seeded from the routing leads; administrators edit it)."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE)
    category = models.ForeignKey(DisputeCategory, verbose_name=_("争议事项"), on_delete=models.CASCADE)
    department = models.ForeignKey(Department, verbose_name=_("承办部门"), on_delete=models.CASCADE)
    basis = models.CharField(_("职责依据"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("派单目录")
        verbose_name_plural = _("派单目录")
        ordering = ["category__sort_order", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "category"], name="referrals_catalogue_unique")]

    def __str__(self) -> str:
        return f"{self.category} → {self.department}"


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("待派单")  # the form reached the hotline office
    DISPATCHED = "dispatched", _("待签收")  # dispatched (or re-dispatched, designated) to a department
    RETURNED = "returned", _("已退回")  # the department returned it with reasons
    SIGNED = "signed", _("办理中")  # the department signed for it
    ANSWERED = "answered", _("已反馈")  # feedback given to the payer and the hotline office


OPEN_REFERRAL_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.DISPATCHED,
    ReferralStatus.RETURNED,
    ReferralStatus.SIGNED,
)


class ReferralKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉类")
    CONSULTATION = "consultation", _("咨询类")


class Referral(models.Model):
    """报送单 — 对职责不清的争议事项，受理部门填写报送单，移交给旗政府办，由旗政府办根据12345政务服务
    便民热线运行机制，按照部门职责转交承办部门办理 (四(八)).

    ``department`` is the department it is dispatched to now; ``returns`` counts the returns
    (after three the office designates the department, which may not return it again);
    ``return_rejected`` marks that the office rejected the department's reasons for returning
    it. ``version`` rises with every write (stale pages are refused)."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="referral")
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    kind = models.CharField(_("类别"), max_length=16, choices=ReferralKind.choices, default=ReferralKind.COMPLAINT)
    work_order_number = models.CharField(_("12345工单号"), max_length=40, blank=True)
    reason = models.TextField(_("职责不清的理由"))
    department = models.ForeignKey(
        Department, verbose_name=_("承办部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    designated = models.BooleanField(_("指定承办"), default=False)
    returns = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    return_reason = models.TextField(_("退回理由"), blank=True)
    return_rejected = models.BooleanField(_("退回理由不成立"), default=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("报送人"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("报送时间"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    sign_due_on = models.DateField(_("签收期限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    handle_due_on = models.DateField(_("办理期限"), null=True, blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback_to_office = models.TextField(_("向热线办反馈"), blank=True)
    decision = models.ForeignKey(
        "handling.Decision",
        verbose_name=_("处理意见"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    form_document = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name=_("报送单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("报送单")
        verbose_name_plural = _("报送单")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "work_order_number"],
                condition=~models.Q(work_order_number=""),
                name="referrals_work_order_unique",
            )
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "-sent_at"], name="referrals_county_status"),
            models.Index(fields=["department", "status"], name="referrals_dept_status"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} 报送单"


class TransferGround(models.TextChoices):
    RETURN_REJECTED = "return_rejected", _("退回理由不成立后仍拒不办理")
    OVERDUE = "overdue", _("超过办理期限仍未办理")


class DisciplineTransfer(models.Model):
    """移交纪委监委 — 若无正当理由且拒不处理属于本职能部门的社会保险费征缴争议，由受理部门将案件线索
    移交给纪委监委处理 (四(八)). One per referral; the 移交函 is its letter. Never edited."""

    referral = models.OneToOneField(
        Referral, verbose_name=_("报送单"), on_delete=models.PROTECT, related_name="transfer"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="discipline_transfers"
    )
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="+")
    refusing_department = models.ForeignKey(
        Department, verbose_name=_("拒不办理的部门"), on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField(_("移交事由"), max_length=24, choices=TransferGround.choices)
    note = models.TextField(_("说明"), blank=True)
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("移交人"), on_delete=models.PROTECT, related_name="+"
    )
    transferred_at = models.DateTimeField(_("移交时间"))
    letter = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name=_("移交函"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("线索移交")
        verbose_name_plural = _("线索移交")
        ordering = ["-transferred_at", "-id"]
        indexes = [models.Index(fields=["jurisdiction", "-transferred_at"], name="referrals_transfer_county")]

    def __str__(self) -> str:
        return f"{self.case.number} 移交纪委监委"
