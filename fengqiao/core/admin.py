"""Admin for the working-day calendar (工作日历).

When the State Council publishes next year's schedule and the ``chinesecalendar`` package does
not know it yet, an administrator enters every 法定节假日 and 调休上班日 as a ``CalendarDay``,
then ticks ``已完整录入`` on the ``CalendarYear``. Until then both change lists warn.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fengqiao.core import calendar, services
from fengqiao.core.models import CalendarDay, CalendarYear, TimeLimit

if TYPE_CHECKING:
    from django.forms import ModelForm
    from django.http import HttpRequest, HttpResponse

#: How far ahead administrators are warned about years without a holiday schedule: covers the
#: longest default time limit (重大事项 60 日 + 30 日) with room to spare.
WARNING_HORIZON = timedelta(days=120)


def _warn_missing_years(request: HttpRequest) -> None:
    through = timezone.localdate(timezone=calendar.WORKING_DAY_TZ) + WARNING_HORIZON
    for year in calendar.missing_years(through=through):
        messages.warning(
            request,
            gettext(
                "%(year)d年的节假日安排尚未录入，chinesecalendar 软件包也没有该年数据："
                "落在该年的期限暂按周一至周五计算并标为“暂定”。请增加（或打开）该年度，"
                "在“节假日安排”中按国务院办公厅通知逐行录入全部法定节假日和调休上班日，"
                "勾选“已完整录入”后保存。"
            )
            % {"year": year},
        )


class CalendarYearForm(forms.ModelForm):
    """A year's page: the notice, the whole schedule as lines, and 已完整录入 — one save."""

    schedule = forms.CharField(
        label=_("节假日安排"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "cols": 60, "placeholder": "2027-01-01 休 元旦"}),
        help_text=_(
            "按国务院办公厅通知每行写一项：日期或日期段、“休”（法定节假日）或“班”（调休上班日）、名称。"
            "例如：2027-02-05至2027-02-11 休 春节；2027-02-14 班 春节调休。保存后本年度的节假日/调休日即为此处所列。"
        ),
    )
    seen = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = CalendarYear
        fields = ["year", "complete", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.instance.year if self.instance.pk else self.initial.get("year")
        try:
            year = int(year) if year else None
        except (TypeError, ValueError):
            year = None
        if year:
            self.initial.setdefault("schedule", services.schedule_text(year=year))
            self.initial.setdefault("seen", services.schedule_fingerprint(year=year))
        self.schedule_days: list[services.ScheduleDay] = []

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year = cleaned.get("year")
        if not year:
            return cleaned
        try:
            self.schedule_days = services.schedule_parse(year=year, text=cleaned.get("schedule") or "")
        except ValidationError as exc:
            self.add_error("schedule", exc)
            return cleaned
        seen = cleaned.get("seen") or ""
        if seen and seen != services.schedule_fingerprint(year=year):
            self.add_error(
                "schedule", gettext("%(year)d年的节假日安排已被他人修改，请刷新页面后重新录入。") % {"year": year}
            )
        if (
            cleaned.get("complete")
            and not self.schedule_days
            and calendar.calendar_year_status(year) != calendar.CalendarSource.PACKAGE
        ):
            self.add_error("schedule", gettext("勾选“已完整录入”前，请录入该年度的法定节假日和调休上班日。"))
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ["year", "status", "complete", "source", "days_link", "entered_by", "entered_at"]
    list_filter = ["complete"]
    fields = ["year", "source", "schedule", "complete", "seen", "entered_by", "entered_at"]
    readonly_fields = ["entered_by", "entered_at"]
    search_fields = ["year", "source"]

    @admin.display(description=_("数据来源"))
    def status(self, obj: CalendarYear) -> str:
        return str(calendar.calendar_year_status(obj.year).label)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CalendarYear]:
        days = (
            CalendarDay.objects.filter(date__year=OuterRef("year"))
            .order_by()
            .values("date__year")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super().get_queryset(request).annotate(day_count=Coalesce(Subquery(days, output_field=IntegerField()), 0))
        )

    @admin.display(description=_("已录入日期"))
    def days_link(self, obj: CalendarYear) -> str:
        url = reverse("admin:core_calendarday_changelist") + f"?date__year={obj.year}"
        count = getattr(obj, "day_count", 0)
        return format_html('<a href="{}">{}</a>', url, gettext("%(n)d 天") % {"n": count})

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _warn_missing_years(request)
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: ModelForm, change: bool) -> None:
        obj.entered_by = request.user  # type: ignore[assignment]
        obj.entered_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.calendar_year_schedule_set(
            calendar_year=form.instance, days=form.schedule_days, seen=form.cleaned_data.get("seen") or ""
        )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "kind", "name", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    ordering = ["date"]

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        names = [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")]
        return gettext("星期%(day)s") % {"day": names[obj.date.weekday()]}

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        _warn_missing_years(request)
        return super().changelist_view(request, extra_context)


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    """规定时限: administrators adjust the defaults to the county's own rules."""

    list_display = ["label", "amount", "unit", "basis", "code"]
    list_editable = ["amount", "unit"]
    readonly_fields = ["code"]


# --- API tokens -----------------------------------------------------------------------------
# DRF's token admin lists every key in full. An administrator makes tokens for accounts such as
# the 12345 platform's (docs/integrations.md) and revokes them, but reads a key only once, at
# creation; afterwards only its first characters identify it (as on the staff's own token page).
from rest_framework.authtoken.admin import TokenAdmin as _DrfTokenAdmin  # noqa: E402
from rest_framework.authtoken.models import TokenProxy  # noqa: E402

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(_DrfTokenAdmin):
    """接口令牌: made for an account, shown once, revoked by deleting it."""

    list_display = ("key_hint", "user", "created")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """A token is made only for an account whose roles use the API (``org.permissions.
        API_ROLES``), never for a superuser by an administrator: a key is a sign-in."""
        if db_field.name == "user" and not request.user.is_superuser:
            from fengqiao.org.models import Staff
            from fengqiao.org.permissions import API_ROLES

            kwargs["queryset"] = Staff.objects.filter(
                is_active=True, is_superuser=False, roles__role__in=API_ROLES
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("令牌"))
    def key_hint(self, obj: TokenProxy) -> str:
        return f"{obj.key[:6]}…"

    def save_model(self, request: HttpRequest, obj: TokenProxy, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            messages.warning(
                request,
                gettext("%(user)s 的接口令牌：%(key)s（仅显示这一次，请立即复制并妥善保存）")
                % {"user": obj.user, "key": obj.key},
            )
