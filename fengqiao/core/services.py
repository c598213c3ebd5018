"""Writes to the working-day calendar: a year's holiday schedule as the administrator enters it.

The State Council publishes each year's schedule (国务院办公厅关于××××年部分节假日安排的通知);
the administrator types it in as lines — "2027-02-05至2027-02-11 休 春节", "2027-02-14 班" —
on the year's page, and this is the one place those lines become ``CalendarDay`` rows.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.core.models import CalendarDay, CalendarYear

#: The longest run one line may cover (春节 and 国庆 are 8 days at most; a month is generous).
MAX_RUN_DAYS = 31

_KINDS = {
    "休": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY,
    "holiday": CalendarDay.Kind.HOLIDAY,
    "班": CalendarDay.Kind.WORKDAY,
    "workday": CalendarDay.Kind.WORKDAY,
}
_LINE = re.compile(
    r"^(?P<start>\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:至|~|～|—|--)\s*(?P<end>\d{4}-\d{1,2}-\d{1,2}))?"
    r"\s+(?P<kind>\S+)(?:\s+(?P<name>.+))?$"
)


@dataclass(frozen=True)
class ScheduleDay:
    """One line's day: a 法定节假日 (kind holiday) or a 调休上班日 (kind workday)."""

    date: date
    kind: str
    name: str


def _parse_date(text: str, line_no: int) -> date:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise ValidationError(
            _("第%(n)d行：日期“%(text)s”无效，请写成YYYY-MM-DD。") % {"n": line_no, "text": text}
        ) from None


def schedule_parse(*, year: int, text: str) -> list[ScheduleDay]:
    """The days of ``year`` written one line each (blank lines and lines from # ignored):
    ``日期[至日期] 休|班 [名称]``. Every error names its line; nothing is returned half."""
    days: dict[date, ScheduleDay] = {}
    errors: list[str] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().replace("\u3000", " ")
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(
                _("第%(n)d行：“%(line)s”看不懂，请写成“2027-01-01 休 元旦”或“2027-02-14 班 春节调休”。")
                % {"n": line_no, "line": line}
            )
            continue
        try:
            start = _parse_date(match["start"], line_no)
            end = _parse_date(match["end"], line_no) if match["end"] else start
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        kind = _KINDS.get(match["kind"])
        if kind is None:
            errors.append(_("第%(n)d行：类型须为“休”（法定节假日）或“班”（调休上班日）。") % {"n": line_no})
            continue
        if start.year != year or end.year != year:
            errors.append(_("第%(n)d行：日期须在%(year)d年内。") % {"n": line_no, "year": year})
            continue
        if end < start or (end - start).days >= MAX_RUN_DAYS:
            errors.append(_("第%(n)d行：日期段须从前往后且不超过%(max)d天。") % {"n": line_no, "max": MAX_RUN_DAYS})
            continue
        name = (match["name"] or "").strip()[:32]
        day = start
        while day <= end:
            earlier = days.get(day)
            if earlier is not None and earlier.kind != kind:
                errors.append(_("第%(n)d行：%(day)s 已在前面写为另一类型。") % {"n": line_no, "day": day.isoformat()})
                break
            days[day] = ScheduleDay(day, kind, name)
            day += timedelta(days=1)
    if errors:
        raise ValidationError(errors)
    return [days[d] for d in sorted(days)]


def schedule_text(*, year: int) -> str:
    """The days entered for ``year`` as lines ``schedule_parse`` reads back, a run of
    consecutive days of the same kind and name on one line."""
    rows = list(CalendarDay.objects.filter(date__year=year).order_by("date").values_list("date", "kind", "name"))
    label: dict[str, str] = {CalendarDay.Kind.HOLIDAY: "休", CalendarDay.Kind.WORKDAY: "班"}
    lines: list[str] = []
    i = 0
    while i < len(rows):
        start, kind, name = rows[i]
        j = i
        while j + 1 < len(rows) and rows[j + 1][1:] == (kind, name) and rows[j + 1][0] == rows[j][0] + timedelta(1):
            j += 1
        span = start.isoformat() if j == i else f"{start.isoformat()}至{rows[j][0].isoformat()}"
        lines.append(f"{span} {label.get(kind, kind)} {name}".rstrip())
        i = j + 1
    return "\n".join(lines)


def schedule_fingerprint(*, year: int) -> str:
    """What the year's days were when a form was opened, to tell whether someone changed them
    since (the schedule has no version field; its content is its version)."""
    return hashlib.sha256(schedule_text(year=year).encode()).hexdigest()[:16]


@transaction.atomic
def calendar_year_schedule_set(*, calendar_year: CalendarYear, days: list[ScheduleDay], seen: str) -> None:
    """Make ``calendar_year``'s ``CalendarDay`` rows exactly ``days``: new days added, changed
    ones updated, days no longer listed removed. ``seen`` is the fingerprint the editor saw;
    if another administrator saved the year meanwhile, nothing is written (their update is
    not lost) and the error asks to reload. Rows are saved one by one so the calendar's
    signals clear the cache and recompute provisional deadlines (docs/calendar.md)."""
    CalendarYear.objects.select_for_update().filter(pk=calendar_year.pk).first()
    year = calendar_year.year
    if seen and seen != schedule_fingerprint(year=year):
        raise ValidationError(
            {"schedule": [_("%(year)d年的节假日安排已被他人修改，请刷新页面后重新录入。") % {"year": year}]}
        )
    wanted = {d.date: d for d in days}
    for row in CalendarDay.objects.filter(date__year=year):
        if row.date not in wanted:
            row.delete()
        else:
            d = wanted.pop(row.date)
            if (row.kind, row.name) != (d.kind, d.name):
                row.kind, row.name = d.kind, d.name
                row.save(update_fields=["kind", "name"])
    for d in wanted.values():
        CalendarDay(date=d.date, kind=d.kind, name=d.name).save()
