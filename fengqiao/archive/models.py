"""案卷归档 (四(七)): retention rules, a county's archive settings, sealed dossiers and their items.

A dossier is written once, when it is sealed (``fengqiao.archive.services.dossier_seal``): its
archive number (档号, DA/T 22-2015), its items with the SM3 digest of every file, and the
manifest with its own digest. Afterwards nothing in it changes: the rows refuse updates and
deletes, one by one and in bulk.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet, Case
from fengqiao.cases.states import Classification, IntakeOutcome
from fengqiao.org.models import Jurisdiction


class Retention(models.TextChoices):
    """保管期限 (DA/T 22-2015): permanent, 30 years, 10 years."""

    PERMANENT = "Y", _("永久")
    YEARS_30 = "D30", _("定期30年")
    YEARS_10 = "D10", _("定期10年")


class RetentionRule(models.Model):
    """One row of a county's approved retention table (保管期限表): the retention of the cases of
    a classification and intake outcome. A blank column matches any value; a county's own row
    beats a row for every county (``jurisdiction`` empty). Without a matching row the defaults
    of DOMAIN.md apply (``fengqiao.archive.retention``)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("旗县"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("留空表示适用于所有旗县"),
    )
    classification = models.CharField(
        _("事项分类"), max_length=16, choices=Classification.choices, blank=True, help_text=_("留空表示不限")
    )
    intake_outcome = models.CharField(
        _("受理结果"), max_length=16, choices=IntakeOutcome.choices, blank=True, help_text=_("留空表示不限")
    )
    retention = models.CharField(_("保管期限"), max_length=4, choices=Retention.choices)
    basis = models.CharField(_("依据"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("保管期限规则")
        verbose_name_plural = _("保管期限规则")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "classification", "intake_outcome"], name="archive_retention_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.jurisdiction or '*'} {self.classification or '*'} {self.intake_outcome or '*'} → {self.retention}"
        )


class ArchiveSettings(models.Model):
    """How one county forms its archive numbers: 全宗号, 门类代码 and 机构（问题）代码."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE, related_name="archive_settings"
    )
    fonds_code = models.CharField(_("全宗号"), max_length=16)
    category_code = models.CharField(_("门类代码"), max_length=8, default="WS")
    organization_code = models.CharField(_("机构（问题）代码"), max_length=16, default="ZY")

    class Meta:
        verbose_name = _("归档设置")
        verbose_name_plural = _("归档设置")

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.fonds_code}-{self.category_code}"


class ItemCounter(models.Model):
    """The 件号 counter of one county, year and retention; locked while a number is taken."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    retention = models.CharField(_("保管期限"), max_length=4, choices=Retention.choices)
    last = models.PositiveIntegerField(_("已用件号"), default=0)

    class Meta:
        verbose_name = _("件号计数")
        verbose_name_plural = _("件号计数")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year", "retention"], name="archive_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year} {self.retention} {self.last}"


class SealedQuerySet(AppendOnlyQuerySet):
    """Refuses bulk updates and deletes: a sealed dossier never changes."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} is sealed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} is sealed")


class Dossier(AppendOnlyModel):
    """案卷 — a case's sealed dossier: its archive number, retention and manifest.

    ``manifest`` is the manifest as stored in ``manifest.json`` in the dossier's folder;
    ``manifest_sm3`` the SM3 digest of that file's bytes."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="dossier")
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT)
    archive_number = models.CharField(_("档号"), max_length=64, unique=True)
    fonds_code = models.CharField(_("全宗号"), max_length=16)
    category_code = models.CharField(_("门类代码"), max_length=8)
    year = models.PositiveSmallIntegerField(_("年度"))
    retention = models.CharField(_("保管期限"), max_length=4, choices=Retention.choices)
    organization_code = models.CharField(_("机构（问题）代码"), max_length=16)
    item_number = models.PositiveIntegerField(_("件号"))
    title = models.CharField(_("案卷题名"), max_length=255)
    folder = models.CharField(_("存储目录"), max_length=255)
    sealed_at = models.DateTimeField(_("归档时间"))
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("归档人"), on_delete=models.PROTECT, related_name="+"
    )
    manifest = models.JSONField(_("清单"))
    manifest_sm3 = models.CharField(_("清单SM3摘要"), max_length=64)

    objects: ClassVar[Any] = SealedQuerySet.as_manager()

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = _("案卷")
        ordering = ["-sealed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "year", "retention", "item_number"], name="archive_dossier_item_unique"
            )
        ]

    def __str__(self) -> str:
        return self.archive_number


class ItemKind(models.TextChoices):
    DOCUMENT = "document", _("文书")
    ATTACHMENT = "attachment", _("附件")
    OPINION = "opinion", _("书面意见")
    MINUTES = "minutes", _("会议纪要")
    VISIT = "visit", _("回访记录")
    REMEDY = "remedy", _("救济途径记录")
    TIMELINE = "timeline", _("办理记录")


class DossierItem(AppendOnlyModel):
    """卷内文件 — one file of a sealed dossier, copied into the dossier's folder at sealing."""

    dossier = models.ForeignKey(Dossier, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="items")
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=16, choices=ItemKind.choices)
    title = models.CharField(_("题名"), max_length=255)
    number = models.CharField(_("文号"), max_length=64, blank=True)
    responsible = models.CharField(_("责任者"), max_length=128, blank=True)
    day = models.DateField(_("日期"))
    file = models.FileField(_("文件"), max_length=255)
    filename = models.CharField(_("包内文件名"), max_length=128)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sm3 = models.CharField(_("SM3摘要"), max_length=64)
    note = models.CharField(_("备注"), max_length=128, blank=True)

    objects: ClassVar[Any] = SealedQuerySet.as_manager()

    class Meta:
        verbose_name = _("卷内文件")
        verbose_name_plural = _("卷内文件")
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="archive_item_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq} {self.title}"
