"""调查处理 (四(三)): tasks of the departments, their written opinions, the leader's approval
of special handling, the consolidated decision and the 司法局's legal review.

Every write goes through ``fengqiao.handling.services``; deadlines come from the calendar
service with the time-limit rows of ``core.TimeLimit``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import AppendOnlyModel, Case
from fengqiao.org.models import Department


class TaskKind(models.TextChoices):
    JOINT_OPINION = "joint_opinion", _("联办书面意见")  # 四(三)1 3)
    SPECIAL_OPINION = "special_opinion", _("专案书面审批意见")  # 四(三)2 3)
    OWN_HANDLING = "own_handling", _("本部门办理")  # 四(一) within its duty
    RESOLUTION = "resolution", _("会商决定事项")  # 四(三)3, from a consultation


class TaskStatus(models.TextChoices):
    PENDING = "pending", _("待签收")
    SIGNED = "signed", _("办理中")
    RETURNED = "returned", _("已退回")
    DONE = "done", _("已办结")  # the department head signed the written opinion
    CANCELLED = "cancelled", _("已撤销")


OPEN_TASK_STATUSES = (TaskStatus.PENDING, TaskStatus.SIGNED)


class Task(models.Model):
    """One department's part of a case: 各联办单位依职权办理，在规定时限内向受理单位提供书面意见.

    ``return_due_on`` is the limit for returning it as not the department's duty (1 working
    day); ``due_on`` the limit for the written opinion. ``version`` refuses a stale action."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="tasks")
    department = models.ForeignKey(
        Department, verbose_name=_("承办部门"), on_delete=models.PROTECT, related_name="tasks"
    )
    kind = models.CharField(_("任务类型"), max_length=24, choices=TaskKind.choices)
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    is_lead = models.BooleanField(_("牵头"), default=False)
    instructions = models.TextField(_("办理要求"), blank=True)
    created_at = models.DateTimeField(_("交办时间"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    return_due_on = models.DateField(_("退回期限"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"))
    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    # How ``due_on`` was computed (see ``Case.due_limit``); ``due_from`` is also the start of
    # ``return_due_on``.
    due_limit = models.CharField(_("期限依据"), max_length=48, blank=True)
    due_from = models.DateField(_("期限起算日"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handling_tasks",
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回理由"), blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    # 撤销 / 转交 (``handling.taskcontrol``): why the office or the receiving department closed
    # the task, and the task of the other member unit it was sent to.
    cancel_reason = models.TextField(_("撤销理由"), blank=True)
    replaced_by = models.OneToOneField(
        "self",
        verbose_name=_("转交至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaces",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("办理任务")
        verbose_name_plural = _("办理任务")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["department", "status", "due_on"], name="handling_task_inbox"),
            models.Index(fields=["case", "status"], name="handling_task_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.department} · {self.get_kind_display()}"


class OpinionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待负责人签发")
    SIGNED = "signed", _("已签发")


class Opinion(models.Model):
    """书面意见 (书面审批意见 in special handling): one department's written answer on a case.

    The handler drafts it; the department head signs it. A signed opinion never changes:
    ``save`` refuses any write once it is signed."""

    task = models.OneToOneField(Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="opinion")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    facts = models.TextField(_("查明的事实"))
    text = models.TextField(_("意见"))
    basis = models.TextField(_("依据"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=OpinionStatus.choices, default=OpinionStatus.DRAFT)
    updated_at = models.DateTimeField(_("更新时间"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    # Signed by a deputy under the head's 代签授权 (``signed_by`` is the deputy).
    delegation = models.ForeignKey(
        "org.SigningDelegation",
        verbose_name=_("代签授权"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("书面意见")
        verbose_name_plural = _("书面意见")

    def __str__(self) -> str:
        return f"{self.task} 书面意见"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == OpinionStatus.SIGNED:
                raise SignedOpinionImmutable(_("书面意见已签发，不能修改。"))
        super().save(*args, **kwargs)


class SignedOpinionImmutable(Exception):
    """A signed written opinion cannot change."""


class DecisionResult(models.TextChoices):
    """处理意见的结论 (DOMAIN.md)."""

    SUPPORT = "support", _("支持")
    EXPLAIN = "explain", _("解释说明")
    REJECT = "reject", _("不予支持")


class DecisionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ISSUED = "issued", _("已出具")


# The substantive content of a decision: what the 司法局 reviews and the 处理意见书 states.
DECISION_CONTENT_FIELDS = ("request", "facts_and_reasons", "result", "legal_basis", "remedies")
REMEDY_KEYS = ("kind", "body", "deadline", "basis")


def decision_content_digest(
    *, request: str, facts_and_reasons: str, result: str, legal_basis: str, remedies: Any
) -> str:
    """SM3 digest (hex) of a decision's substantive content, canonically serialised: text
    stripped, the remedies as rows of (途径, 受理机关, 期限, 依据) in order. The same content
    gives the same digest whatever its version, so a legal review binds to what was reviewed."""
    from fengqiao.core.crypto import sm3_hex

    rows = [
        [str((r or {}).get(k, "") or "").strip() for k in REMEDY_KEYS] for r in (remedies or []) if isinstance(r, dict)
    ]
    payload = [
        (request or "").strip(),
        (facts_and_reasons or "").strip(),
        result or "",
        (legal_basis or "").strip(),
        rows,
    ]
    return sm3_hex(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


class Decision(models.Model):
    """处理意见 — the receiving department's consolidated answer to the payer (四(三)1 3),
    四(三)2 3)): the request, the facts and reasons, the result, the legal basis and the
    remedies with their bodies and deadlines (行政复议法 art. 20). Issued as the 处理意见书."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="decisions")
    request = models.TextField(_("缴费人请求"))
    facts_and_reasons = models.TextField(_("事实和理由"))
    result = models.CharField(_("处理结论"), max_length=16, choices=DecisionResult.choices)
    legal_basis = models.TextField(_("法律依据"))
    remedies = models.JSONField(_("救济途径"), default=list, help_text=_("[{kind, body, deadline}]"))
    status = models.CharField(_("状态"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拟稿人"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"))
    issued_at = models.DateTimeField(_("出具时间"), null=True, blank=True)
    document = models.ForeignKey(
        "documents.IssuedDocument",
        verbose_name=_("处理意见书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_mediation = models.BooleanField(_("调解协议形成"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    # SM3 of the substantive content (``decision_content_digest``), kept by ``save``: a legal
    # review of the same digest covers this decision.
    content_digest = models.CharField(_("内容摘要"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("处理意见")
        verbose_name_plural = _("处理意见")
        ordering = ["-id"]
        # Draft decisions of a county (待办: legal reviews, decisions to issue) among a million
        # issued ones are read from here, not by scanning every decision.
        indexes = [models.Index(fields=["status", "case"], name="handling_decision_status")]

    def __str__(self) -> str:
        return f"{self.case.number} 处理意见（{self.get_result_display()}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.content_digest = self.compute_digest()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(DECISION_CONTENT_FIELDS):
            kwargs["update_fields"] = {*update_fields, "content_digest"}
        super().save(*args, **kwargs)

    def compute_digest(self) -> str:
        return decision_content_digest(**{name: getattr(self, name) for name in DECISION_CONTENT_FIELDS})


class SpecialHandlingStatus(models.TextChoices):
    REQUESTED = "requested", _("待办公室转报")
    FORWARDED = "forwarded", _("待组长审批")
    APPROVED = "approved", _("组长同意")
    DECLINED = "declined", _("组长不同意")


class SpecialHandlingRequest(models.Model):
    """报请领导小组组长同意后专案处理 (四(二), 四(三)2 2)): the reviewer asks with reasons, the
    group office forwards, the leader approves (choosing the member units, default all nine)
    or declines with the reason (back to general handling)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="special_requests")
    reason = models.TextField(_("申请理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=SpecialHandlingStatus.choices, default=SpecialHandlingStatus.REQUESTED
    )
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_at = models.DateTimeField(_("转报时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    member_units = models.ManyToManyField(
        Department, verbose_name=_("参与专案的成员单位"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("专案处理申请")
        verbose_name_plural = _("专案处理申请")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.case.number} 专案申请（{self.get_status_display()}）"


class LegalReviewConclusion(models.TextChoices):
    APPROVED = "approved", _("法律适用无误")
    CHANGES = "changes", _("需修改")


class LegalReview(AppendOnlyModel):
    """司法局把关 (三(二)5: 对征缴争议处理过程中适用相关法律法规进行把关): required before a
    major matter's decision is issued, optional for a general one. It covers the content it
    reviewed (``content_digest``), not a version number: saving the same content again keeps
    it, another content needs another review."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="legal_reviews")
    decision_version = models.PositiveIntegerField(_("审查的版本"))
    # What was reviewed: the SM3 of the decision's content at the review (Decision.content_digest).
    content_digest = models.CharField(_("审查内容摘要"), max_length=64, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审查人"), on_delete=models.PROTECT, related_name="+"
    )
    conclusion = models.CharField(_("结论"), max_length=16, choices=LegalReviewConclusion.choices)
    notes = models.TextField(_("审查意见"), blank=True)
    at = models.DateTimeField(_("审查时间"))

    class Meta:
        verbose_name = _("法律审查")
        verbose_name_plural = _("法律审查")

    def __str__(self) -> str:
        return f"{self.decision} 法律审查（{self.get_conclusion_display()}）"
