"""网络舆情 (三(二)9, 四(六), 五(四)): online items the 网信办 records, their links to cases,
the response steps (核实、回应、处置) and the item's own timeline.

An item is written only through ``fengqiao.opinion.services``; ``version`` rises with every
write, so a stale page is refused instead of overwriting someone else's step."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import AppendOnlyModel, Case, DisputeCategory
from fengqiao.core.choices import ChoiceLabels
from fengqiao.org.models import Department, Jurisdiction


class Platform(models.TextChoices):
    WEIBO = "weibo", _("微博")
    WECHAT = "wechat", _("微信")
    DOUYIN = "douyin", _("抖音")
    KUAISHOU = "kuaishou", _("快手")
    TOUTIAO = "toutiao", _("今日头条")
    FORUM = "forum", _("论坛贴吧")
    NEWS = "news", _("新闻网站")
    SHORT_VIDEO = "short_video", _("其他短视频")
    OTHER = "other", _("其他")


class RiskLevel(models.TextChoices):
    LOW = "low", _("低风险")
    MEDIUM = "medium", _("中风险")
    HIGH = "high", _("高风险")


class ItemStatus(models.TextChoices):
    OPEN = "open", _("待处置")
    RESPONDING = "responding", _("处置中")
    CLOSED = "closed", _("已办结")


class ItemNumbering(models.Model):
    """How one county numbers its online items, and the counter behind it (as
    ``cases.CaseNumbering``): the row for a county and year is locked while a number is taken."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)
    pattern = models.CharField(_("编号格式"), max_length=64, default="舆-{code}-{year}-{seq:04d}")

    class Meta:
        verbose_name = _("舆情编号")
        verbose_name_plural = _("舆情编号")
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="opinion_numbering_unique")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year}"


class OnlineItem(ChoiceLabels, models.Model):
    """网络舆情信息 — one online item about a social-insurance fee dispute the 网信办 found:
    where (platform, link), when it was seen, what it says, how far it reached, how risky it
    is, and who responds by when."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="online_items"
    )
    number = models.CharField(_("舆情编号"), max_length=40)
    platform = models.CharField(_("平台"), max_length=16, choices=Platform.choices)
    url = models.URLField(_("链接"), max_length=2000)
    seen_at = models.DateTimeField(_("发现时间"))
    summary = models.TextField(_("内容摘要"))
    views = models.PositiveIntegerField(_("浏览量"), null=True, blank=True)
    reposts = models.PositiveIntegerField(_("转发量"), null=True, blank=True)
    risk = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    categories = models.ManyToManyField(
        DisputeCategory, verbose_name=_("争议事项"), blank=True, related_name="online_items"
    )
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="online_items",
    )
    response_due_on = models.DateField(_("回应期限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closing_summary = models.TextField(_("办结情况"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("网络舆情")
        verbose_name_plural = _("网络舆情")
        ordering = ["-seen_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "number"], name="opinion_item_number_unique")]
        indexes = [
            models.Index(fields=["jurisdiction", "seen_at", "id"], name="opinion_item_county_seen"),
            models.Index(fields=["responsible_department", "seen_at", "id"], name="opinion_item_dept_seen"),
            # The daily job and the to-do list read the open items by their due day.
            models.Index(
                fields=["response_due_on", "id"],
                condition=~models.Q(status="closed"),
                name="opinion_item_open_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != ItemStatus.CLOSED


class LinkHow(models.TextChoices):
    NUMBER = "number", _("按编号")
    PAYER = "payer", _("按缴费人")
    DUPLICATE = "duplicate", _("按重复规则")
    LEAD = "lead", _("据此立案")


class ItemCase(ChoiceLabels, models.Model):
    """The item's link to a case: found by number, by payer, by the duplicate rules, or the
    舆情线索 case opened from it."""

    item = models.ForeignKey(OnlineItem, verbose_name=_("舆情"), on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="online_item_links")
    how = models.CharField(_("关联方式"), max_length=16, choices=LinkHow.choices)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("关联人"), on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(_("关联时间"))

    class Meta:
        verbose_name = _("舆情关联案件")
        verbose_name_plural = _("舆情关联案件")
        ordering = ["linked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "case"], name="opinion_itemcase_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} ↔ {self.case_id}"


class StepKind(models.TextChoices):
    VERIFY = "verify", _("核实")
    RESPOND = "respond", _("回应")
    DISPOSE = "dispose", _("处置")


class ResponseStep(ChoiceLabels, AppendOnlyModel):
    """One step of the response (核实、回应、处置) by the responsible department or the 网信办;
    never changed or deleted, like the case timeline."""

    item = models.ForeignKey(OnlineItem, verbose_name=_("舆情"), on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(_("环节"), max_length=16, choices=StepKind.choices)
    text = models.TextField(_("情况"))
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("舆情处置步骤")
        verbose_name_plural = _("舆情处置步骤")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.get_kind_display()}"


class ItemEventKind(models.TextChoices):
    RECORDED = "recorded", _("登记")
    CHANGED = "changed", _("信息变更")
    ATTACHMENT = "attachment", _("上传截图")
    LINKED = "linked", _("关联案件")
    LEAD = "lead", _("据此立案")
    ASSIGNED = "assigned", _("确定责任部门")
    STEP = "step", _("处置步骤")
    ALERTED = "alerted", _("高风险提醒")
    REMINDER = "reminder", _("催办")
    ESCALATION = "escalation", _("督办升级")
    CLOSED = "closed", _("办结")


class ItemEvent(ChoiceLabels, AppendOnlyModel):
    """One entry of an item's timeline: who did what when (the item's counterpart of
    ``cases.CaseEvent``); the daily job's reminders and escalations have no actor."""

    item = models.ForeignKey(OnlineItem, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("事项"), max_length=16, choices=ItemEventKind.choices)
    summary = models.CharField(_("摘要"), max_length=255)
    data = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("舆情办理记录")
        verbose_name_plural = _("舆情办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["item", "at"], name="opinion_event_item_at")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.get_kind_display()} {self.summary}"


class NoticeKind(models.TextChoices):
    ALERT = "alert", _("高风险提醒")
    REMINDER = "reminder", _("催办")
    ESCALATION = "escalation", _("督办升级")


class ItemNotice(ChoiceLabels, AppendOnlyModel):
    """高风险提醒 / 催办 / 督办升级 about one item: the alert to the group office and the leader
    when an item is (or becomes) high-risk, and the daily job's reminder and escalation of an
    overdue response (as ``handling.FollowUpNotice`` for tasks). Unique per (item, kind,
    deadline), so the job can run twice, or on several workers; ``outbox`` is the message
    queued in the integrations outbox for it, if any."""

    item = models.ForeignKey(OnlineItem, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("类型"), max_length=16, choices=NoticeKind.choices)
    due_on = models.DateField(_("所催期限"), help_text=_("高风险提醒为登记（定为高风险）之日"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), related_name="opinion_notices"
    )
    created_at = models.DateTimeField(_("时间"))
    text = models.CharField(_("内容"), max_length=255)

    class Meta:
        verbose_name = _("舆情提醒督办记录")
        verbose_name_plural = _("舆情提醒督办记录")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["item", "kind", "due_on"], name="opinion_notice_once")]

    def __str__(self) -> str:
        return self.text


def screenshot_path(instance: ItemAttachment, filename: str) -> str:
    # The stored name never carries the user's file name (which may hold personal data).
    return f"opinion/{instance.item.jurisdiction.code}/{instance.item_id}/{instance.token}"


class ItemAttachment(models.Model):
    """舆情截图 — checked as case attachments are (``cases.services.attachment_check``) and
    stored through the encrypted file store; served only to those who may read the item."""

    item = models.ForeignKey(OnlineItem, on_delete=models.PROTECT, related_name="attachments")
    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(_("文件"), upload_to=screenshot_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sm3 = models.CharField(_("SM3摘要"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("舆情截图")
        verbose_name_plural = _("舆情截图")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
