"""结果反馈 (四(四)), 跟踪回访 (四(五)) and the remedies of a payer who objects.

Every write goes through ``fengqiao.followup.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core.crypto import EncryptedTextField


class Recipient(models.TextChoices):
    PAYER = "payer", _("缴费人")
    OTHER_PARTY = "other_party", _("另一方当事人")


class DeliveryMethod(models.TextChoices):
    IN_PERSON = "in_person", _("直接送达")
    POST = "post", _("邮寄送达")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    ONLINE = "online", _("网上送达")


class Delivery(models.Model):
    """结果反馈: the decision notice (处理意见书) delivered to one party. Each delivery issues its
    送达回证 (``receipt_document``, the form the party signs); ``receipt_reference`` is an
    outside number of it, such as the postal tracking number of 邮寄送达."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="deliveries")
    decision = models.ForeignKey(
        "handling.Decision", verbose_name=_("处理意见"), on_delete=models.PROTECT, related_name="deliveries"
    )
    recipient = models.CharField(_("受送达人"), max_length=16, choices=Recipient.choices)
    recipient_name = models.CharField(_("受送达人姓名/名称"), max_length=120, blank=True)
    method = models.CharField(_("送达方式"), max_length=16, choices=DeliveryMethod.choices)
    # The address, mobile number or mailbox the notice went to: personal data, encrypted (五(三)).
    address = EncryptedTextField(_("送达地址/号码"), blank=True)
    delivered_at = models.DateTimeField(_("送达时间"))
    receipt_reference = models.CharField(_("送达回证编号/邮件单号"), max_length=64, blank=True)
    receipt_document = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name=_("送达回证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("备注"), blank=True)
    # Blank for the payer's own electronic delivery: the payer opened the decision on the payer
    # pages after consenting to it (四(四), ``services.feedback_record_by_payer``).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("结果反馈")
        verbose_name_plural = _("结果反馈")
        ordering = ["delivered_at", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_recipient_display()} {self.get_method_display()}"


class VisitMethod(models.TextChoices):
    PHONE = "phone", _("电话回访")
    VISIT = "visit", _("上门回访")
    ONLINE = "online", _("网上回访")  # staff visiting online (a message, a video call)
    # The payer's own answer on the payer pages, with no staff visitor (四(五),
    # ``services.visit_answer_by_payer``): never offered to staff.
    PAYER = "payer", _("缴费人网上答复")


# What staff may record a visit as: every method but the payer's own answer.
STAFF_VISIT_METHODS = [(value, label) for value, label in VisitMethod.choices if value != VisitMethod.PAYER]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Visit(models.Model):
    """跟踪回访: scheduled within the follow-up limit, then done and recorded. 四(五) 对被反馈的
    争议双方进行跟踪回访: each visit names the party visited (``party``) — the payer, or the other
    party of the dispute (an employer) when the case has one. Only the payer's objection leads
    to the remedies of 四(四) (调解、行政复议、仲裁、行政诉讼); the other party's view is recorded."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="visits")
    # The decision whose feedback this visit follows: its round (``selectors.current_round``).
    # Null only on rows from before the field that no decision could be matched to.
    decision = models.ForeignKey(
        "handling.Decision",
        verbose_name=_("回访所涉处理意见"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    party = models.CharField(_("回访对象"), max_length=16, choices=Recipient.choices, default=Recipient.PAYER)
    scheduled_on = models.DateField(_("计划回访日期"))
    scheduled_provisional = models.BooleanField(_("日期暂定"), default=False)
    done_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    method = models.CharField(_("回访方式"), max_length=16, choices=VisitMethod.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    objects_to_decision = models.BooleanField(_("对处理意见有异议"), default=False)
    notes = models.TextField(_("回访记录"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("跟踪回访")
        verbose_name_plural = _("跟踪回访")
        ordering = ["scheduled_on", "id"]
        indexes = [
            # 待跟踪回访 (followup.todo, the 回访 page): the visits not yet done, earliest first —
            # the few open ones, not the table of every visit ever made.
            models.Index(
                fields=["scheduled_on", "id"], condition=models.Q(done_at__isnull=True), name="followup_visit_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} 回访{self.get_party_display()} {self.scheduled_on}"

    @property
    def done(self) -> bool:
        return self.done_at is not None


class RemedyKind(models.TextChoices):
    MEDIATION = "mediation", _("劳动争议调解")
    RECONSIDERATION = "reconsideration", _("行政复议")
    ARBITRATION = "arbitration", _("劳动人事争议仲裁")
    LITIGATION = "litigation", _("行政诉讼")


class RemedyStatus(models.TextChoices):
    PENDING = "pending", _("进行中")
    ENDED = "ended", _("已终结")


class RemedyOutcome(models.TextChoices):
    UPHELD = "upheld", _("维持处理意见")
    CHANGED = "changed", _("变更/撤销处理意见")
    WITHDRAWN = "withdrawn", _("撤回/终止")


class Remedy(models.Model):
    """救济途径: what a payer who objects does, with its statutory deadline (DOMAIN.md) and
    outcome. ``previous`` links a remedy to the one that led to it (mediation fails →
    arbitration; reconsideration → litigation); ``decision`` is the 处理意见 it contests."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="remedies")
    # The decision the payer contests: its round (``selectors.current_round``). After a remedy
    # changed a decision and a new one was issued, the earlier round's remedies are history.
    decision = models.ForeignKey(
        "handling.Decision",
        verbose_name=_("所争议的处理意见"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("救济途径"), max_length=16, choices=RemedyKind.choices)
    body = models.CharField(_("受理机关"), max_length=120)
    filed_on = models.DateField(_("申请/起诉日期"))
    deadline_start = models.DateField(_("期限起算日"))
    statutory_deadline = models.DateField(_("法定期限届满日"))
    deadline_provisional = models.BooleanField(_("期限暂定"), default=False)
    filed_in_time = models.BooleanField(_("在法定期限内提出"), default=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("前一救济途径"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_remedies",
    )
    status = models.CharField(_("状态"), max_length=16, choices=RemedyStatus.choices, default=RemedyStatus.PENDING)
    outcome = models.CharField(_("结果"), max_length=16, choices=RemedyOutcome.choices, blank=True)
    outcome_on = models.DateField(_("结果日期"), null=True, blank=True)
    next_check_on = models.DateField(_("下次跟踪日期"), null=True, blank=True)
    # The window for the remedy that may follow this one once it ended without changing the
    # decision (行政诉讼法第四十五条: 15 days after receiving the 复议决定; 劳动争议调解仲裁法第五十条:
    # 15 days after the award; 第二十七条: arbitration within a year after a mediation failed).
    # While it is open and no following remedy is recorded the case stays in remedy tracking.
    window_ends_on = models.DateField(_("后续救济期限届满日"), null=True, blank=True)
    window_provisional = models.BooleanField(_("后续救济期限暂定"), default=False)
    notes = models.TextField(_("备注"), blank=True)
    # Blank for the remedy the payer named when answering the visit on the payer pages (四(五),
    # ``services.visit_answer_by_payer``).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("救济途径")
        verbose_name_plural = _("救济途径")
        ordering = ["filed_on", "id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()}"
