"""Issued documents (出具的文书) and the counters that number them.

An issued document never changes: its files, number and digests are written once. A
correction is a new version that names the one it replaces; the replaced one is superseded
by that fact alone (nothing on it is updated)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import AppendOnlyModel, Case
from fengqiao.org.models import Department, Jurisdiction


class DocumentNumbering(models.Model):
    """How one county numbers one type of document in one year (文号), and the counter.

    ``pattern`` is a ``str.format`` template with ``{county}`` (the first character of the
    county's name, e.g. 奈), ``{code}`` (its region code), ``{year}`` and ``{seq}``. A new
    year's row takes the pattern of the year before (so an administrator's change lasts), or
    the registry's default. The row is locked while a number is taken, so no two documents
    of a type ever get the same number."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE)
    doc_type = models.CharField(_("文书类型"), max_length=32)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)
    pattern = models.CharField(_("文号格式"), max_length=64)

    class Meta:
        verbose_name = _("文书编号")
        verbose_name_plural = _("文书编号")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "doc_type", "year"], name="documents_numbering_unique")
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.doc_type} {self.year}"


def document_path(instance: IssuedDocument, filename: str) -> str:
    # The stored name carries no personal data: county, year and a random token only.
    return f"documents/{instance.jurisdiction.code}/{instance.year}/{filename}"


class IssuedDocument(AppendOnlyModel):
    """出具的文书 — one version of one document, as printed, signed and filed.

    ``number`` (文号) is taken per county, type and year when the first version is issued; a
    correction keeps the number and raises ``version``. The DOCX and PDF are stored with
    their SM3 digests, so the archive can prove a file is the one that was issued."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT)
    # What the document is about: a case, or (for 会议纪要) a consultation covering many cases.
    case = models.ForeignKey(
        Case, verbose_name=_("案件"), null=True, blank=True, on_delete=models.PROTECT, related_name="documents"
    )
    consultation = models.ForeignKey(
        "meetings.Consultation",
        verbose_name=_("会商"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    doc_type = models.CharField(_("文书类型"), max_length=32)
    title = models.CharField(_("题名"), max_length=128)
    number = models.CharField(_("文号"), max_length=64)
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替代的版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    department = models.ForeignKey(Department, verbose_name=_("责任者"), on_delete=models.PROTECT, related_name="+")
    # Blank only for a form issued by the payer's own act on the payer pages, with no staff
    # user: the 送达回证 of an electronic delivery the payer took by opening the decision (四(四)).
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("出具时间"))
    token = models.CharField(max_length=32, unique=True, editable=False)
    docx = models.FileField(_("DOCX文件"), upload_to=document_path, max_length=255)
    pdf = models.FileField(_("PDF文件"), upload_to=document_path, max_length=255)
    docx_sm3 = models.CharField(_("DOCX的SM3摘要"), max_length=64)
    pdf_sm3 = models.CharField(_("PDF的SM3摘要"), max_length=64)
    docx_size = models.PositiveIntegerField(_("DOCX大小（字节）"))
    pdf_size = models.PositiveIntegerField(_("PDF大小（字节）"))
    pages = models.PositiveSmallIntegerField(_("页数"))
    personal_data = models.BooleanField(_("含个人信息明文"), default=False)
    # The case's version when a document issued once per state of the case (the 登记表, the
    # notices, the cover and contents) was issued: issuing it again for the same version gives
    # the same document, so sixteen clicks at once make one notice (unique below). Blank for
    # corrections and for forms issued once per record (a delivery's 送达回证, a decision's 意见书).
    case_version = models.PositiveIntegerField(_("案件版本"), null=True, blank=True, editable=False)
    # Set by ``document_issue`` when it returned the document already issued (not stored).
    existing: bool = False

    class Meta:
        verbose_name = _("出具的文书")
        verbose_name_plural = _("出具的文书")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "doc_type", "year", "seq", "version"], name="documents_issued_number_unique"
            ),
            models.UniqueConstraint(
                fields=["case", "doc_type", "case_version"],
                condition=models.Q(case_version__isnull=False, replaces__isnull=True),
                name="documents_issued_once_per_case_version",
            ),
            # Exactly one subject: a case or a consultation.
            models.CheckConstraint(
                condition=models.Q(case__isnull=False, consultation__isnull=True)
                | models.Q(case__isnull=True, consultation__isnull=False),
                name="documents_issued_one_subject",
            ),
        ]
        indexes = [models.Index(fields=["case", "issued_at"], name="documents_issued_case_at")]

    def __str__(self) -> str:
        return f"{self.title} {self.number}" + (f"（第{self.version}版）" if self.version > 1 else "")
