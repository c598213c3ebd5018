"""会商机制 (四(三)3): consultations of the leadership group, who attended, the minutes and
the resolutions they reach.

A consultation is its own object, not a step inside one case: it may cover many cases and/or
a policy issue (政策性、普遍性、倾向性问题, 四(二)). Every write goes through
``fengqiao.meetings.services``, which also writes the timeline event on each covered case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.org.models import Department, Jurisdiction


class ConsultationKind(models.TextChoices):
    """四(三)3: 分一般事项会商和重大事项会商."""

    GENERAL = "general", _("一般事项会商")  # 领导小组成员依职权不定期会商沟通
    MAJOR = "major", _("重大事项会商")  # 经领导小组组长同意后召开专题会议


class ConsultationStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    AWAITING_APPROVAL = "awaiting_approval", _("待组长同意")  # major only
    APPROVED = "approved", _("组长已同意")
    HELD = "held", _("已召开")
    MINUTES_ISSUED = "minutes_issued", _("纪要已印发")
    DECLINED = "declined", _("组长不同意")
    CANCELLED = "cancelled", _("已取消")


# States in which the meeting's plan (topic, time, place, cases, attendees) may still change.
EDITABLE_STATUSES = (ConsultationStatus.PLANNED, ConsultationStatus.AWAITING_APPROVAL, ConsultationStatus.APPROVED)
# States in which nothing more happens.
FINAL_STATUSES = (ConsultationStatus.MINUTES_ISSUED, ConsultationStatus.DECLINED, ConsultationStatus.CANCELLED)


class Consultation(models.Model):
    """会商 — one meeting of the leadership group's members on one or more cases and/or a
    policy issue. A major one (重大事项会商) is held only after the group leader agrees.

    ``conclusions`` holds one conclusion per line; the minutes number them. ``version`` rises
    with every write, so an edit made on a stale page is refused."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="consultations"
    )
    number = models.PositiveIntegerField(_("序号"), help_text=_("本旗县会商的顺序号"))
    kind = models.CharField(_("会商类型"), max_length=16, choices=ConsultationKind.choices)
    topic = models.CharField(_("议题"), max_length=200)
    starts_at = models.DateTimeField(_("会商时间"))
    place = models.CharField(_("地点"), max_length=128)
    status = models.CharField(
        _("状态"), max_length=24, choices=ConsultationStatus.choices, default=ConsultationStatus.PLANNED
    )
    cases = models.ManyToManyField(Case, verbose_name=_("涉及案件"), blank=True, related_name="consultations")
    policy_issue = models.TextField(_("政策性、普遍性、倾向性问题"), blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    approval_requested_at = models.DateTimeField(_("报请组长时间"), null=True, blank=True)
    approval_reason = models.TextField(_("报请理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    held_at = models.DateTimeField(_("召开时间"), null=True, blank=True)
    cancel_reason = models.TextField(_("取消理由"), blank=True)
    chair = models.CharField(_("主持人"), max_length=64, blank=True)
    discussion = models.TextField(_("会议情况"), blank=True, help_text=_("纪要正文：会议研究讨论的情况"))
    conclusions = models.TextField(_("会议议定事项"), blank=True, help_text=_("每行一条，纪要中自动编号"))
    minutes_issued_at = models.DateTimeField(_("纪要印发时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("会商")
        verbose_name_plural = _("会商")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "number"], name="meetings_consultation_number_unique")
        ]
        indexes = [models.Index(fields=["jurisdiction", "status", "starts_at"], name="meetings_county_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.topic}"

    @property
    def needs_approval(self) -> bool:
        return self.kind == ConsultationKind.MAJOR

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def document_department(self) -> Department:
        """Who issues the minutes: the department the leadership group's office sits in."""
        group = getattr(self.jurisdiction, "leadership_group", None)
        if group is not None:
            return group.office_department
        department = self.organiser.department
        assert department is not None  # the organiser is the group office, in a department
        return department

    @property
    def document_author(self) -> str:
        group = getattr(self.jurisdiction, "leadership_group", None)
        return f"{group.name}办公室" if group is not None else str(self.document_department)

    def conclusion_lines(self) -> list[str]:
        return [line.strip() for line in self.conclusions.splitlines() if line.strip()]


class Attendance(models.TextChoices):
    """GB/T 9704 §10.3: 纪要 lists 出席, 请假 and 列席."""

    PRESENT = "present", _("出席")
    LEAVE = "leave", _("请假")
    OBSERVER = "observer", _("列席")  # attends without a vote


class Attendee(models.Model):
    """One person (or one department's seat) invited to a consultation and whether they
    attended. The default list is the county's leadership group (org.GroupMembership)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="attendees")
    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation_seats",
    )
    name = models.CharField(_("姓名"), max_length=64, blank=True, help_text=_("纪要中列出的姓名；空则只列单位"))
    title = models.CharField(_("职务"), max_length=64, blank=True)
    attendance = models.CharField(_("出席情况"), max_length=16, choices=Attendance.choices, default=Attendance.PRESENT)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("参会人员")
        verbose_name_plural = _("参会人员")
        ordering = ["consultation", "sort_order", "id"]
        indexes = [models.Index(fields=["department", "consultation"], name="meetings_attendee_dept")]

    def __str__(self) -> str:
        who = self.name or ""
        return f"{self.department}{who}（{self.get_attendance_display()}）"

    @property
    def label(self) -> str:
        """As printed in the minutes: 单位 + 职务 + 姓名."""
        return f"{self.department.name}{self.title}{self.name}"


class Resolution(models.Model):
    """决定事项 — something a consultation decided that a department must do by a date. It
    may concern one covered case; when it does, it can become a task of that department
    (handling.Task of kind ``resolution``), linked back here."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="resolutions")
    case = models.ForeignKey(
        Case,
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consultation_resolutions",
    )
    department = models.ForeignKey(Department, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("决定事项"))
    due_on = models.DateField(_("办理期限"))
    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    task = models.ForeignKey(
        "handling.Task",
        verbose_name=_("办理任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("决定事项")
        verbose_name_plural = _("决定事项")
        ordering = ["consultation", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.department}：{self.text[:30]}"
