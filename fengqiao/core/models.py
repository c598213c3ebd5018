"""工作日历 — the data behind every 规定时限 (time limit) in the system.

Statutory holidays and make-up working days (调休上班日) come from the ``chinesecalendar``
package for the years it knows. The State Council publishes each year's schedule
(国务院办公厅关于××××年部分节假日安排的通知) around November; until the package catches up an
administrator enters it here. Rows entered here also override the package for a known year.
``fengqiao.core.calendar`` is the only reader of these tables.

Also here, as every app's: the past passwords the validators compare with, and the base of the
append-only rows (the case timeline, the audit trail, issued documents, sealed dossiers).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """One year of the State Council holiday schedule, as entered by an administrator.

    ``complete`` is the administrator's statement that every 法定节假日 and every 调休上班日 of
    the year has been entered as a ``CalendarDay``. Only then are working-day deadlines that
    fall in a year the ``chinesecalendar`` package does not know counted as final; before
    that they are counted Monday to Friday and marked provisional (暂定).
    """

    year = models.PositiveSmallIntegerField(
        _("年度"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    complete = models.BooleanField(
        _("已完整录入"),
        default=False,
        help_text=_("该年度全部法定节假日和调休上班日均已按国务院办公厅通知录入。"),
    )
    source = models.CharField(
        _("依据"),
        max_length=200,
        blank=True,
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）"),
    )
    entered_at = models.DateTimeField(_("录入时间"), null=True, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("节假日安排年度")
        verbose_name_plural = _("节假日安排年度")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"


class CalendarDay(models.Model):
    """A day that differs from the Monday–Friday week: a 法定节假日 or a 调休上班日.

    A holiday on a weekday makes it a day off; a make-up working day on a weekend makes it a
    working day. For years the ``chinesecalendar`` package knows, a row here overrides the
    package for that day (to correct it); for other years the rows are the schedule itself.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日")
        WORKDAY = "workday", _("调休上班日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("节日名称"), max_length=32, blank=True, help_text=_("如：春节"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("节假日/调休日")
        verbose_name_plural = _("节假日/调休日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()


class TimeLimitUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class TimeLimit(models.Model):
    """规定时限 — one configurable time limit of the procedure, with its basis.

    The defaults come from DOMAIN.md and are loaded by a data migration; the county's own
    rules override them here. Deadlines are computed from these rows by the calendar
    service (``fengqiao.core.timelimits``), never from numbers written in code.
    """

    code = models.SlugField(_("代码"), max_length=48, unique=True)
    label = models.CharField(_("环节"), max_length=64)
    amount = models.PositiveSmallIntegerField(_("期限"))
    unit = models.CharField(_("单位"), max_length=16, choices=TimeLimitUnit.choices)
    basis = models.CharField(_("依据"), max_length=255, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("规定时限")
        verbose_name_plural = _("规定时限")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.label}：{self.amount}{self.get_unit_display()}"


class PasswordHistory(models.Model):
    """A password a member of staff has used, kept as its hash (never the password): a new
    password may not be one of the last few (fengqiao.core.passwords, 等保 2.0 身份鉴别)."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="+"
    )
    password = models.CharField(_("密码摘要"), max_length=128)
    created = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        indexes = [models.Index(fields=["staff", "-created"], name="core_passwordhistory_recent")]

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.created:%Y-%m-%d}"


# --- Append-only rows ------------------------------------------------------------------------
# The case timeline, the audit trail, issued documents, sealed dossiers… (CONVENTIONS 5).


class AppendOnlyError(Exception):
    """Timeline events and audit records are never changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses ``update()`` and ``delete()``: the rows of an append-only model are never changed
    or removed, not even in bulk past the model (five(三); issue 13 §1). Raw SQL still can — that
    is what the keyed chains of the timeline and the audit trail catch (``audit_verify``).
    The audit trail's retention purge bypasses this explicitly (``audit.services.audit_purge``)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} is append-only")


class AppendOnlyModel(models.Model):
    """Rows are inserted, never updated or deleted (CONVENTIONS 5): neither through the instance
    (``save``/``delete``) nor in bulk (``objects.update()``/``delete()``, ``AppendOnlyQuerySet``)."""

    objects: ClassVar[Any] = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} is append-only")
