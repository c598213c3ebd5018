"""Dates that make sense (issue 11 §3): the bounds every date a member of staff enters must keep.

One place for the checks the services share, so the page and the API (which both end in a
service) refuse the same dates with the same words. Each check raises Django's
``ValidationError`` keyed by the request field it names, with a message that says the bound
("不能早于…（2024-09-11，机制印发之日）"), so the page shows it beside the input and the API
answers ``{"errors": {field: [...]}}``.

The bounds and where they come from:

- **a fact already happened** (来访时间, 送达时间, 回访时间, 调解时间 once held, 申请/起诉日期,
  结果日期 …): not after now, with ``CLOCK_TOLERANCE`` for a clock a few minutes ahead;
- **nothing before the mechanism**: 奈政字〔2024〕123号 was issued on 2024-09-11
  (``FENGQIAO_MECHANISM_START``, per deployment), so no dispute of the mechanism was received
  before that day and no case number series starts before its year;
- **nothing of a case before the case**: a step of a case (a delivery, a visit, a meeting on
  it, a mediation) is not dated before the case was received (四 工作流程: 一站受理 comes first);
- **a planned date within reach**: a date planned ahead (a meeting, a visit, the next check of
  a remedy) lies within ``PLAN_HORIZON_DAYS`` — no step of the mechanism runs longer (the
  longest, a major matter, is 60 + 30 days; a lawsuit's period is six months);
- **a deadline on a working day** (``core.calendar``); when the year's holidays have not been
  entered the check says so instead of guessing that a weekday works (2027-01-01 is 元旦).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.core import calendar

#: A clock a few minutes ahead (a phone, a window PC) still records "now".
CLOCK_TOLERANCE = timedelta(minutes=5)

#: How far ahead a planned date may lie (a meeting, a visit, a remedy's next check).
PLAN_HORIZON_DAYS = 366

#: The day 奈政字〔2024〕123号 was issued (印发), when ``FENGQIAO_MECHANISM_START`` is not set.
DEFAULT_MECHANISM_START = date(2024, 9, 11)


def mechanism_start() -> date:
    """The first day a dispute can have been received under the mechanism: the date of the
    notice that set it up (奈政字〔2024〕123号, 2024年9月11日), or the deployment's own
    ``FENGQIAO_MECHANISM_START`` (YYYY-MM-DD) for a county that adopted it later."""
    value = getattr(settings, "FENGQIAO_MECHANISM_START", None)
    if value in (None, ""):
        return DEFAULT_MECHANISM_START
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ImproperlyConfigured(f"FENGQIAO_MECHANISM_START={value!r} is not a date (YYYY-MM-DD)") from exc


def shown(value: date | datetime) -> str:
    """A date as the pages write it in inputs: 2026-02-13, or 2026-02-13 09:30 (Asia/Shanghai)."""
    if isinstance(value, datetime):
        return timezone.localtime(value, calendar.WORKING_DAY_TZ).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def day_of(value: date | datetime) -> date:
    """The day (in China) of a date or an aware datetime."""
    if isinstance(value, datetime):
        return calendar.local_day(value)
    return value


def refuse(field: str, message: str, code: str) -> NoReturn:
    """Raise the error of one field."""
    raise ValidationError({field: [ValidationError(message, code=code)]})


def collect(errors: dict[str, list[str]], check: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Run one check, adding its messages to ``errors`` — for a service that gathers the errors
    of every field before it raises them together."""
    try:
        check(*args, **kwargs)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


# --- the range every date input keeps --------------------------------------------------------

#: The dates any input may hold at all, before its own bound (issue 13 §5). Python's dates run
#: from year 1 to 9999, but 0001-01-01T00:00+08:00 cannot be turned into UTC or China time
#: (``OverflowError``: a 500 on case registration) and 9999-12-31 plus a time limit cannot be
#: computed; no date of a dispute, a deadline or a holiday lies outside these two centuries.
INPUT_EARLIEST = date(1900, 1, 1)
INPUT_LATEST = date(2099, 12, 31)


def in_input_range(value: date | datetime) -> None:
    """A date or a moment typed or sent lies between ``INPUT_EARLIEST`` and ``INPUT_LATEST``
    (its own calendar day, with no time-zone conversion that could overflow).

    A validator: ``core.inputs`` makes it a default of every date and date-time field of
    Django's forms and DRF's serializers, so the page, the API and the admin refuse such a date
    under its field before any service or time-zone conversion sees it."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not INPUT_EARLIEST <= day <= INPUT_LATEST:
        raise ValidationError(
            _("日期超出可填写的范围（%(earliest)s 至 %(latest)s）：%(day)s。")
            % {"earliest": shown(INPUT_EARLIEST), "latest": shown(INPUT_LATEST), "day": day.isoformat()},
            code="out_of_range",
        )


# --- the checks -------------------------------------------------------------------------------


def not_future(value: date | datetime, *, field: str, label: str, now: datetime | None = None) -> None:
    """A fact already happened: a moment not after now (+ ``CLOCK_TOLERANCE``), a day not
    after today (Asia/Shanghai)."""
    now = now or timezone.now()
    if isinstance(value, datetime):
        if value > now + CLOCK_TOLERANCE:
            refuse(
                field,
                _("%(label)s不能晚于当前时间（%(now)s）。") % {"label": label, "now": shown(now)},
                "future",
            )
        return
    today = calendar.local_day(now)
    if value > today:
        refuse(field, _("%(label)s不能晚于今天（%(today)s）。") % {"label": label, "today": shown(today)}, "future")


def not_before(value: date | datetime, *, field: str, label: str, bound: date | datetime, what: str) -> None:
    """Not before ``bound`` (``what`` says what the bound is: 案件受理时间, 处理意见出具时间 …).
    A datetime is compared with a datetime; with a day, by its day in China."""
    if isinstance(value, datetime) and isinstance(bound, datetime):
        early = value < bound
    else:
        early = day_of(value) < day_of(bound)
    if early:
        refuse(
            field,
            _("%(label)s不能早于%(what)s（%(bound)s）。") % {"label": label, "what": what, "bound": shown(bound)},
            "too_early",
        )


def not_after(value: date | datetime, *, field: str, label: str, bound: date | datetime, what: str) -> None:
    """Not after ``bound`` (``what`` says what the bound is)."""
    if isinstance(value, datetime) and isinstance(bound, datetime):
        late = value > bound
    else:
        late = day_of(value) > day_of(bound)
    if late:
        refuse(
            field,
            _("%(label)s不能晚于%(what)s（%(bound)s）。") % {"label": label, "what": what, "bound": shown(bound)},
            "too_late",
        )


def within_plan_horizon(value: date | datetime, *, field: str, label: str, today: date | None = None) -> None:
    """A date planned ahead lies within ``PLAN_HORIZON_DAYS`` of today."""
    today = today or timezone.localdate(timezone=calendar.WORKING_DAY_TZ)
    latest = today + timedelta(days=PLAN_HORIZON_DAYS)
    not_after(value, field=field, label=label, bound=latest, what=_("今后%(n)d日") % {"n": PLAN_HORIZON_DAYS})


def after_mechanism_start(value: date | datetime, *, field: str, label: str) -> None:
    """Not before the mechanism began (``mechanism_start``)."""
    start = mechanism_start()
    if day_of(value) < start:
        refuse(
            field,
            _("%(label)s不能早于本机制施行之日（%(start)s，奈政字〔2024〕123号）。")
            % {"label": label, "start": shown(start)},
            "before_mechanism",
        )


def working_day(value: date, *, field: str, label: str) -> None:
    """A deadline falls on a 工作日 (``core.calendar``). In a year whose holidays are neither in
    the package nor entered, the check refuses and says so rather than count a weekday as
    working (2027-01-01 is a Friday and 元旦)."""
    if calendar.calendar_year_status(value.year) == calendar.CalendarSource.MISSING:
        refuse(
            field,
            _(
                "%(year)d年的节假日安排尚未录入，无法确认%(label)s（%(day)s）是否为工作日；"
                "请系统管理员先录入该年节假日安排。"
            )
            % {"year": value.year, "label": label, "day": shown(value)},
            "calendar_missing",
        )
    if not calendar.is_working_day(value):
        refuse(
            field,
            _("%(label)s（%(day)s）不是工作日（周末或法定节假日），请选择工作日。")
            % {"label": label, "day": shown(value)},
            "not_working_day",
        )


# --- the dates of a case ----------------------------------------------------------------------


def received_at_check(value: datetime, *, field: str = "received_at", now: datetime | None = None) -> None:
    """来访（受理）时间 (四(一) 登记来访时间): not in the future, not before the mechanism."""
    label = _("来访时间")
    not_future(value, field=field, label=label, now=now)
    after_mechanism_start(value, field=field, label=label)


def not_before_received(value: date | datetime, *, received_at: datetime, field: str, label: str) -> None:
    """A step of a case is not dated before the case was received (一站受理 comes first)."""
    not_before(value, field=field, label=label, bound=received_at, what=_("案件受理时间"))
