"""信息发布审批 (五(三) 落实保密责任): 对外发布或向其他有关部门提供信息，要严格按照规定和程序报批.

A ``ReleaseRequest`` says what information (a case's dossier export package, a case's
documents, a month's analysis, or other), to whom (the recipient organisation and person) and
why (purpose and legal basis); one of the county's approvers (``ReleaseApprover``, by role;
by default 领导小组办公室 and 组长/副组长) approves or refuses it with a reason; an approval
lasts ``validity_days`` and allows ``uses`` releases. Every step is in the audit chain.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.choices import ChoiceLabels
from fengqiao.org.models import Jurisdiction, Role

#: The roles a county may name as approvers. They are the county-wide roles of the leadership
#: group and the 网信办; the workbench asks only these roles for the approvers' queue, so a
#: department's clerks and handlers pay no statement for it.
APPROVER_ROLE_CHOICES = [
    (Role.GROUP_OFFICE.value, Role.GROUP_OFFICE.label),
    (Role.GROUP_LEADER.value, Role.GROUP_LEADER.label),
    (Role.DEPUTY_LEADER.value, Role.DEPUTY_LEADER.label),
    (Role.CYBERSPACE_OFFICE.value, Role.CYBERSPACE_OFFICE.label),
]
#: Approvers of a county that has configured none (五(三): the leadership group decides).
DEFAULT_APPROVER_ROLES = frozenset({Role.GROUP_OFFICE.value, Role.GROUP_LEADER.value, Role.DEPUTY_LEADER.value})


class ReleaseKind(models.TextChoices):
    DOSSIER = "dossier", _("案卷归档包")
    DOCUMENTS = "documents", _("案件文书")
    ANALYSIS = "analysis", _("月度综合分析")
    OTHER = "other", _("其他信息")


#: The kinds that concern one case.
CASE_KINDS = frozenset({ReleaseKind.DOSSIER.value, ReleaseKind.DOCUMENTS.value})


class ReleaseState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
    RELEASED = "released", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


class ReleaseApprover(models.Model):
    """信息发布审批人 — a role that approves information releases in one county. A county with
    no rows uses ``DEFAULT_APPROVER_ROLES``."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE, related_name="release_approvers"
    )
    role = models.CharField(_("审批角色"), max_length=32, choices=APPROVER_ROLE_CHOICES)

    class Meta:
        verbose_name = _("信息发布审批角色")
        verbose_name_plural = _("信息发布审批角色")
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "role"], name="releases_approver_unique")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.get_role_display()}"


class ReleaseRequest(ChoiceLabels, models.Model):
    """信息发布申请 — one request to give information out of the mechanism: what, to whom, why;
    its decision (by whom, when, with what reason), how long the approval lasts and how often
    it may be used. Written only through ``fengqiao.releases.services``."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT)
    kind = models.CharField(_("信息类别"), max_length=16, choices=ReleaseKind.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="release_requests",
    )
    reference = models.CharField(_("对象"), max_length=64, blank=True, help_text=_("档号、月份（YYYY-MM）或其他编号"))
    description = models.TextField(_("发布或提供的信息"))
    recipient_organisation = models.CharField(_("接收单位"), max_length=128)
    recipient_person = models.CharField(_("接收人"), max_length=64)
    purpose = models.TextField(_("用途"))
    legal_basis = models.CharField(_("依据"), max_length=255)
    uses = models.PositiveSmallIntegerField(_("批准使用次数"), default=1)
    used = models.PositiveSmallIntegerField(_("已使用次数"), default=0)
    validity_days = models.PositiveSmallIntegerField(_("批准有效期（天）"), default=30)
    state = models.CharField(_("状态"), max_length=16, choices=ReleaseState.choices, default=ReleaseState.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.TextField(_("审批意见"), blank=True)
    expires_at = models.DateTimeField(_("批准有效至"), null=True, blank=True)
    released_at = models.DateTimeField(_("最近发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信息发布申请")
        verbose_name_plural = _("信息发布申请")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "state", "requested_at"], name="releases_county_state"),
            models.Index(fields=["requested_by", "requested_at"], name="releases_requester"),
            models.Index(fields=["case", "kind", "state"], name="releases_case_kind_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_organisation}（{self.get_state_display()}）"

    @property
    def expired(self) -> bool:
        """Approved, but its validity has run out."""
        return self.state == ReleaseState.APPROVED and self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def usable(self) -> bool:
        """Approved, unexpired, with a use left: the information may go out."""
        return self.state == ReleaseState.APPROVED and not self.expired and self.used < self.uses

    @property
    def uses_left(self) -> int:
        return max(self.uses - self.used, 0) if self.state == ReleaseState.APPROVED else 0
