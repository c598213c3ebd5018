"""综合分析 (四(六)): 按月根据不同的争议事项、不同的争议群体，以及调查处理和跟踪回访情况进行综合研判
分析 — the month's figures of one county, computed from the records with a bounded number of
aggregate queries (never one query per case, never all cases in Python), and the early
warnings (预警) that help 防范化解税费征缴舆情风险."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import Count as CountOf
from django.db.models import (
    DateField,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.accountability.models import AccountabilityRecord, Failure, RecordStatus
from fengqiao.archive.models import Dossier
from fengqiao.cases.models import Case, CaseEvent, Channel, DisputeCategory, EventKind, PayerGroup, PayerKind
from fengqiao.cases.states import OPEN_STATES, CaseState, Classification, IntakeOutcome
from fengqiao.core import timelimits
from fengqiao.core.calendar import local_day
from fengqiao.followup.models import Delivery, Recipient, Remedy, RemedyKind, RemedyOutcome, Satisfaction, Visit
from fengqiao.handling.models import (
    OPEN_TASK_STATUSES,
    Decision,
    DecisionResult,
    DecisionStatus,
    Extension,
    Task,
    TaskStatus,
)
from fengqiao.meetings.models import Consultation
from fengqiao.opinion.models import ItemCase, ItemStatus, OnlineItem, Platform, ResponseStep, RiskLevel
from fengqiao.org.models import Jurisdiction
from fengqiao.referrals.models import DisciplineTransfer, Referral

# --- Early-warning thresholds (预警) ---------------------------------------------------------
# Defaults, unverified: chosen for a county of Naiman's size (a few hundred disputes a month at
# most), not taken from the mechanism text or from the county's practice. The leadership group
# should confirm or change them.
SURGE_MIN_CASES = 5  # category_surge: at least this many cases of the category this month …
SURGE_FACTOR = 2.0  # … and at least this multiple of its monthly average over …
SURGE_RED_FACTOR = 3.0  # (red from this multiple)
SURGE_BASE_MONTHS = 3  # … the months before
CLUSTER_MIN_CASES = 5  # township_cluster: cases of one category in one township this month
CLUSTER_MAX_WARNINGS = 20  # one warning per township and category for the largest; the rest in one line
REPEAT_MIN_CASES = 3  # repeat_payer: cases of one payer received …
REPEAT_DAYS = 90  # … within this many days before the month's end
REPEAT_MAX_WARNINGS = 20  # one warning per payer for the most frequent; the rest in one line
DISSATISFACTION_MIN_VISITS = 5  # dissatisfaction: visits done this month, at least …
DISSATISFACTION_SHARE = 0.20  # … with this share of 不满意 (yellow) …
DISSATISFACTION_RED_SHARE = 0.40  # … or this share (red)
OVERDUE_DEPARTMENT_MIN_TASKS = 3  # overdue_department: open tasks past due at generation
WARNING_MAX_CASES = 20  # case numbers listed with one warning
# 网络舆情 (三(二)9, 四(六) 防范化解税费征缴舆情风险; same caveat: defaults to be confirmed)
OPINION_HIGH_MIN_ITEMS = 1  # opinion_category: high-risk items of one category this month (red) …
OPINION_CATEGORY_MIN_ITEMS = 3  # … or items of any risk of one category this month (yellow)
OPINION_OPEN_MIN_CASES = 1  # opinion_open_cases: open cases linked to one item still open
OPINION_MAX_WARNINGS = 20  # one warning per item for the first; the rest in one line
OPINION_ITEM_NUMBERS = 5  # item numbers named in one warning's text

_Row = TypeVar("_Row", bound=Model)

RED = "red"
YELLOW = "yellow"
UNCLASSIFIED_LABEL = "未分类"
# The decide event and the decision it issues are written in one transaction with the same clock.
DECIDE_EVENT_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Count:
    """One row of a breakdown: a key (code), its Chinese label and how many."""

    key: str
    label: str
    count: int


@dataclass(frozen=True)
class EarlyWarning:
    """预警: something the leadership group should look at this month."""

    kind: str  # category_surge | township_cluster | repeat_payer | dissatisfaction | overdue_department
    level: str  # red | yellow
    text: str  # one Chinese sentence, e.g. "“04 缴费基数”本月受理12件，为前三个月月均的3.0倍"
    cases: list[str] = field(default_factory=list)  # case numbers, at most 20


@dataclass(frozen=True)
class MonthlyFigures:
    county_code: str
    county_name: str
    year: int
    month: int
    start: date  # first day of the month (Asia/Shanghai)
    end: date  # first day of the next month
    # 受理 — by dispute type and payer group (四(六))
    received: int
    received_previous_month: int
    received_same_month_last_year: int
    by_category: list[Count]
    by_payer_group: list[Count]
    by_payer_kind: list[Count]
    by_channel: list[Count]
    by_township: list[Count]
    by_intake_outcome: list[Count]
    by_classification: list[Count]
    # 调查处理
    decided: int
    decided_on_time: int
    by_result: list[Count]
    tasks_due: int
    tasks_done_on_time: int
    tasks_returned: int
    open_at_end: int
    overdue_open: int
    extensions: int
    consultations: int
    referrals: int
    discipline_transfers: int
    # 结果反馈与跟踪回访 — to both parties of the dispute (四(四), 四(五))
    deliveries: int
    deliveries_on_time: int
    deliveries_by_party: list[Count]
    visits_done: int
    visits_by_party: list[Count]
    by_satisfaction: list[Count]
    objections: int
    objections_other_party: int
    remedies_filed: list[Count]
    remedies_ended: list[Count]
    archived: int
    # 网络舆情 (三(二)9 网信办 monitors; 四(六) 防范化解税费征缴舆情风险) — the items seen in the month
    opinion_items: int
    opinion_by_risk: list[Count]
    opinion_by_platform: list[Count]
    opinion_by_category: list[Count]
    opinion_responded: int  # items with a first response step (核实、回应、处置)
    opinion_first_step_median_hours: float | None  # recorded → first step, median
    opinion_closed: int
    opinion_closed_median_hours: float | None  # recorded → closed, median
    opinion_overdue: int
    opinion_linked_cases: int
    opinion_linked_numbers: list[str]  # the first WARNING_MAX_CASES, earliest received first
    # 责任追究 (五(四)) — the records proposed in the month
    accountability_records: int
    accountability_by_failure: list[Count]
    accountability_by_status: list[Count]
    accountability_confirmed_by_department: list[Count]
    warnings: list[EarlyWarning]

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (dates as ISO strings) — what a ``MonthlyReport`` and a ``MonthSnapshot``
        store."""
        data = asdict(self)
        data["start"], data["end"] = self.start.isoformat(), self.end.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MonthlyFigures:
        """The figures ``as_dict`` stored, back (a kept month, ``MonthSnapshot.figures``)."""
        values: dict[str, Any] = {}
        for name, kind in _FIELD_KINDS.items():
            if name not in data:  # kept before the figure existed (issue 15: no items, no records then)
                values[name] = _ADDED_LATER[name]
                continue
            value = data[name]
            if kind == "counts":
                value = [Count(**row) for row in value]
            elif kind == "warnings":
                value = [EarlyWarning(**row) for row in value]
            elif kind == "date":
                value = date.fromisoformat(value)
            values[name] = value
        return cls(**values)


_FIELD_KINDS: dict[str, str] = {
    f.name: (
        "counts"
        if f.type == "list[Count]"
        else "warnings"
        if f.type == "list[EarlyWarning]"
        else "date"
        if f.type == "date"
        else "plain"
    )
    for f in fields(MonthlyFigures)
}

#: Figures added after months were first kept (issue 15), and their value in a month kept
#: before: the online items and the accountability records were not recorded then, so none.
_ADDED_LATER: dict[str, Any] = {
    f.name: ([] if str(f.type).startswith("list[") else None if str(f.type).endswith("| None") else 0)
    for f in fields(MonthlyFigures)
    if f.name.startswith(("opinion_", "accountability_"))
}


def monthly_figures(
    *, county: Jurisdiction, year: int, month: int, earlier: Mapping[tuple[int, int], MonthlyFigures] | None = None
) -> MonthlyFigures:
    """The figures of ``county`` for ``month`` of ``year`` and its early warnings.

    The month runs from local midnight (Asia/Shanghai, ``TIME_ZONE``) of its first day to
    local midnight of the first day of the next month; every record is counted by the local
    time of its date field. Everything is scoped to the county by ``Case.jurisdiction`` (a
    consultation by its own ``jurisdiction``, since it may concern no case).

    受理 (cases received — ``received_at`` in the month; merged duplicates are left out):

    - ``received``, ``received_previous_month``, ``received_same_month_last_year``;
    - ``by_category`` (a case counts once for each of its categories; label = the category's
      name), ``by_payer_group``, ``by_payer_kind``, ``by_channel``, ``by_township`` (key = the
      township's code, label = its name), ``by_intake_outcome``, ``by_classification`` (a
      blank classification is key "" labelled 未分类). Each list holds the non-zero rows only,
      by count descending, then key.

    调查处理:

    - ``decided``: decisions issued in the month (``Decision.status`` issued, ``issued_at`` in
      the month; a case decided again after a reopen counts again). ``decided_on_time``: of
      those, the ones whose ``decide`` transition event (same case, within a minute of
      ``issued_at``) carries ``data["due_was"]`` on or after the local issue day; no
      ``due_was`` (the step had no limit) counts as on time. A 12345 referral's answer is
      measured the same way: a referred case's ``due_on`` follows the referral's steps
      (``referrals.services``), so its ``due_was`` is the handling limit from the signing.
      ``by_result``: ``Decision.result``.
    - Work given to a department comes by two paths, and each figure counts both: tasks
      (joint handling, special handling, meeting resolutions — a 会商 决定事项 becomes a task)
      and 12345 referrals dispatched to it (四(八)).
      ``tasks_due``: tasks (not cancelled or returned) whose ``due_on`` falls in the month, plus referrals
      whose handling limit ``handle_due_on`` falls in the month; ``tasks_done_on_time``: of
      those, tasks completed and referrals answered on a local day ≤ that limit;
      ``tasks_returned``: tasks with ``returned_at`` in the month plus referral returns (the
      ``returned`` referral events) in the month.
    - ``open_at_end`` / ``overdue_open`` are **as at generation**, not as at the month's end
      (a case's earlier states are not kept as rows): cases open now (``OPEN_STATES``) that
      were received before the month's end / and of those the ones whose current ``due_on``
      is before the earlier of today and the month's end.
    - ``extensions`` requested (``requested_at``), ``consultations`` held (``held_at``),
      ``referrals`` sent to the 12345 office (``sent_at``), ``discipline_transfers``
      (``transferred_at``) in the month.

    结果反馈与跟踪回访:

    - ``deliveries``: deliveries of a decision notice in the month, to either party (四(四)
      向争议双方进行反馈); ``deliveries_on_time``: of the same deliveries, those on a local day ≤
      ``timelimits.due(FEEDBACK, local issue day of the decision)`` — numerator and denominator
      count the same things; ``deliveries_by_party``: by recipient.
    - ``visits_done`` (``done_at`` in the month, to either party: 四(五) 对被反馈的争议双方进行
      跟踪回访), ``visits_by_party``, ``by_satisfaction`` (both parties), ``objections`` (done
      visits where the payer objects — what leads to the remedies), ``objections_other_party``
      (the other party's objections, recorded only).
    - ``remedies_filed``: remedies with ``filed_on`` in the month, by kind;
      ``remedies_ended``: remedies with ``outcome_on`` in the month, by outcome.
    - ``archived``: dossiers sealed in the month.

    网络舆情 (三(二)9; 四(六) 防范化解税费征缴舆情风险) — the online items *seen* in the month
    (``OnlineItem.seen_at``; ``_opinion``): how many, by risk, platform and dispute category,
    their response times from recording (to the first step, to closing: medians in hours) and
    the overdue ones, and the cases they link to (how many, and the first numbers).

    责任追究 (五(四)) — the records *proposed* in the month by failure and by status, and those
    *confirmed* in the month by department, as the scorecards count them (``_accountability``).

    ``warnings`` (预警; thresholds are the module constants above, defaults not yet verified):

    1. ``category_surge``: a category with ≥ ``SURGE_MIN_CASES`` cases this month and ≥
       ``SURGE_FACTOR``× its monthly average over the ``SURGE_BASE_MONTHS`` months before
       (red from ``SURGE_RED_FACTOR``×; a category absent before is red);
    2. ``township_cluster``: a township with ≥ ``CLUSTER_MIN_CASES`` cases of one category
       this month (yellow); the ``CLUSTER_MAX_WARNINGS`` largest get a warning each, any
       others one more line;
    3. ``repeat_payer``: a payer with ≥ ``REPEAT_MIN_CASES`` cases received in the
       ``REPEAT_DAYS`` days before the month's end (yellow). The text never names the payer
       (五(三)): "同一缴费人90日内反映3次" and the case numbers. The ``REPEAT_MAX_WARNINGS``
       most frequent payers get a warning each; any others are summed up in one more line;
    4. ``dissatisfaction``: ≥ ``DISSATISFACTION_MIN_VISITS`` visits done this month with a
       不满意 share ≥ ``DISSATISFACTION_SHARE`` (red from ``DISSATISFACTION_RED_SHARE``);
    5. ``overdue_department``: a department with ≥ ``OVERDUE_DEPARTMENT_MIN_TASKS`` tasks open
       and past due at generation (yellow);
    6. ``opinion_category``: a dispute category of the month's online items with ≥
       ``OPINION_HIGH_MIN_ITEMS`` high-risk items (red) or ≥ ``OPINION_CATEGORY_MIN_ITEMS`` items
       (yellow), listing the cases linked to them;
    7. ``opinion_open_cases``: an item not closed (of any month, at generation) with ≥
       ``OPINION_OPEN_MIN_CASES`` linked cases still open (red for a high-risk item), one per
       item for the first ``OPINION_MAX_WARNINGS``, the others in one more line.

    Each warning lists at most ``WARNING_MAX_CASES`` case numbers (the earliest received
    first). The figures come from aggregate queries — at most 38 whatever the number of
    cases, items and records (five of them for the items and the records) — plus, for the
    month's deliveries, one ``timelimits.due`` per distinct issue day of their decisions (a
    time-limit row and the cached calendar). That loop over the month's deliveries and the one
    over the month's online items (a few dozen; their medians) are the only ones in Python.

    ``earlier``: figures of earlier months already kept (``MonthSnapshot``, by (year, month)).
    ``received_previous_month`` and ``received_same_month_last_year`` are read from them when
    there, and the surge's base months from their ``by_category`` when all of them are there
    (the same definitions, as counted when those months were closed), instead of recounting
    those months' cases."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 … 12, got {month}")
    # PostgreSQL's JIT (0.3–0.4 s of compiling for a 1.2 s query at 1,000,000 cases) is off for
    # every connection of the application — the connection option ``-c jit=off`` (settings
    # ``jit_off``, the replica's too), or ``ALTER DATABASE … SET jit = off`` behind a transaction
    # pooler (docs/deployment.md), which the to-do lists need as well — so nothing is set here.
    return _monthly_figures(county, year, month, earlier or {})


def _monthly_figures(
    county: Jurisdiction, year: int, month: int, earlier: Mapping[tuple[int, int], MonthlyFigures]
) -> MonthlyFigures:
    period = _month(year, month)
    today = timezone.localdate()
    breakdowns, received, townships = _breakdowns(county, period)
    previous, last_year = _earlier_received(county, year, month, earlier)
    categories = _MonthCategories.count(county, period, townships)
    by_category = categories.by_category()
    decided, decided_on_time, by_result = _decisions(county, period)
    tasks_due, tasks_done_on_time, tasks_returned = _tasks(county, period)
    referrals_due, referrals_on_time, referrals_returned = _referral_work(county, period)
    open_at_end, overdue_open = _open_cases(county, period, today)
    deliveries, deliveries_on_time, deliveries_by_party = _deliveries(county, period)
    visits_done, visits_by_party, by_satisfaction, objections, objections_other, dissatisfied = _visits(county, period)
    items = _MonthItems.read(county, period)
    # The breakdowns, the online items' and the accountability records' figures, by name.
    named: dict[str, Any] = {**breakdowns, **_opinion(items, today), **_accountability(county, period)}
    return MonthlyFigures(
        county_code=county.code,
        county_name=county.name,
        year=year,
        month=month,
        start=period.start,
        end=period.end,
        received=received,
        received_previous_month=previous,
        received_same_month_last_year=last_year,
        by_category=by_category,
        **named,
        decided=decided,
        decided_on_time=decided_on_time,
        by_result=by_result,
        tasks_due=tasks_due + referrals_due,
        tasks_done_on_time=tasks_done_on_time + referrals_on_time,
        tasks_returned=tasks_returned + referrals_returned,
        open_at_end=open_at_end,
        overdue_open=overdue_open,
        extensions=of_county(Extension.objects.all(), county).filter(period.holds("requested_at")).count(),
        consultations=Consultation.objects.filter(jurisdiction=county).filter(period.holds("held_at")).count(),
        referrals=of_county(Referral.objects.all(), county).filter(period.holds("sent_at")).count(),
        discipline_transfers=of_county(DisciplineTransfer.objects.all(), county)
        .filter(period.holds("transferred_at"))
        .count(),
        deliveries=deliveries,
        deliveries_on_time=deliveries_on_time,
        deliveries_by_party=deliveries_by_party,
        visits_done=visits_done,
        visits_by_party=visits_by_party,
        by_satisfaction=by_satisfaction,
        objections=objections,
        objections_other_party=objections_other,
        remedies_filed=_remedies_filed(county, period),
        remedies_ended=_remedies_ended(county, period),
        archived=of_county(Dossier.objects.all(), county).filter(period.holds("sealed_at")).count(),
        warnings=[
            *_category_surges(county, period, categories, earlier),
            *_township_clusters(county, period, categories),
            *_repeat_payers(county, period),
            *_dissatisfaction(county, period, visits_done, dissatisfied),
            *_overdue_departments(county, today),
            *_opinion_categories(items, by_category),
            *_opinion_open_cases(county),
        ],
    )


# --- The month ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    """[start, end) as local days and as aware datetimes at local midnight."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return _midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return _midnight(self.end)

    def holds(self, field_name: str) -> Q:
        """``field_name`` (a datetime, or a date) falls in the period."""
        return Q(**{f"{field_name}__gte": self.start_at, f"{field_name}__lt": self.end_at})

    def holds_day(self, field_name: str) -> Q:
        """``field_name`` (a date) falls in the period."""
        return Q(**{f"{field_name}__gte": self.start, f"{field_name}__lt": self.end})


def _first_day(year: int, month: int, shift: int = 0) -> date:
    """The first day of the month ``shift`` months after (or before) ``month`` of ``year``."""
    index = year * 12 + (month - 1) + shift
    return date(index // 12, index % 12 + 1, 1)


def _month(year: int, month: int, months: int = 1) -> _Period:
    """``months`` months from the first day of ``month`` of ``year``."""
    return _Period(_first_day(year, month), _first_day(year, month, months))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(settings.TIME_ZONE))


def of_county(rows: QuerySet[_Row], county: Jurisdiction, path: str = "case") -> QuerySet[_Row]:
    """``rows`` whose ``path`` (a case, by default) belongs to ``county``, asked as a correlated
    ``EXISTS`` on the case's key rather than a join: the planner then starts from the rows of
    the month (visits, deliveries, remedies, events of one kind …) and looks each one's case up,
    instead of walking the county's cases to find them — which SQLite did through a join, the
    county's index holding every case of a one-county database (0.2–0.7 s a query at 1,000,000
    cases, for a handful of rows)."""
    return rows.filter(Exists(Case.objects.filter(pk=OuterRef(f"{path}_id"), jurisdiction_id=county.pk)))


def _counts(rows: Iterable[tuple[Any, str, int]]) -> list[Count]:
    """Non-zero rows as ``Count``, by count descending, then key."""
    found = [Count(key="" if key is None else str(key), label=label, count=n) for key, label, n in rows if n]
    return sorted(found, key=lambda c: (-c.count, c.key))


# --- 受理 ------------------------------------------------------------------------------------


def _received(county: Jurisdiction) -> QuerySet[Case]:
    """The county's cases as received: merged duplicates left out."""
    return Case.objects.filter(jurisdiction=county).exclude(state=CaseState.MERGED)


def _earlier_received(
    county: Jurisdiction, year: int, month: int, earlier: Mapping[tuple[int, int], MonthlyFigures]
) -> tuple[int, int]:
    """Cases received the month before and the same month a year before: from their kept
    figures when there, else counted (one query for both; none when both are kept). This
    month's own count is the sum of its breakdown (``_breakdowns``)."""
    periods: dict[str, _Period] = {}
    kept: dict[str, int] = {}
    for name, first in (("before", _first_day(year, month, -1)), ("last_year", _first_day(year - 1, month))):
        figures = earlier.get((first.year, first.month))
        if figures is not None:
            kept[name] = figures.received
        else:
            periods[name] = _month(first.year, first.month)
    if periods:
        any_period = Q()
        for period in periods.values():
            any_period |= period.holds("received_at")
        kept |= (
            _received(county)
            .filter(any_period)
            .aggregate(**{name: CountOf("id", filter=period.holds("received_at")) for name, period in periods.items()})
        )
    return kept["before"], kept["last_year"]


#: The breakdowns of the month's cases by one column each: figure → (column, its choices).
_BREAKDOWNS: dict[str, tuple[str, type[Any] | None]] = {
    "by_payer_group": ("payer__payer_group", PayerGroup),
    "by_payer_kind": ("payer__kind", PayerKind),
    "by_channel": ("channel", Channel),
    "by_township": ("township_id", None),  # keyed by the township's code, labelled by its name
    "by_intake_outcome": ("intake_outcome", IntakeOutcome),
    "by_classification": ("classification", Classification),
}


def _breakdowns(
    county: Jurisdiction, period: _Period
) -> tuple[dict[str, list[Count]], int, dict[int, tuple[str, str]]]:
    """The month's cases by payer group, payer kind, channel, township, intake outcome and
    classification (labels from the ``TextChoices``; a township by its name; a blank
    classification 未分类), and how many cases were received (``received``: every case is in
    one row), in one pass: one GROUP BY over the six columns together, whose rows (one per
    combination that occurs, a few thousand at most) are summed per column here — instead of
    six queries each reading the month's cases, and a seventh counting them. The township is
    grouped by its key and named afterwards (one small query: the townships of the month's
    cases, key → (code, name), returned too), not joined on each of the month's cases."""
    columns = [column for column, _choices in _BREAKDOWNS.values()]
    rows = list(
        _received(county).filter(period.holds("received_at")).values_list(*columns).annotate(n=CountOf("id")).order_by()
    )
    sums: dict[str, dict[Any, int]] = {name: {} for name in _BREAKDOWNS}
    for row in rows:
        n = row[-1]
        for index, name in enumerate(_BREAKDOWNS):
            sums[name][row[index]] = sums[name].get(row[index], 0) + n
    townships = _townships(sums["by_township"])
    out: dict[str, list[Count]] = {}
    for name, (_column, choices) in _BREAKDOWNS.items():
        if choices is None:  # the township: its code and name
            out[name] = _counts((*townships[key], n) for key, n in sums[name].items())
            continue
        labels = {value: str(label) for value, label in choices.choices}
        if name == "by_classification":
            labels[""] = _(UNCLASSIFIED_LABEL)
        out[name] = _counts((key, labels.get(key, key or ""), n) for key, n in sums[name].items())
    return out, sum(row[-1] for row in rows), townships


def _townships(ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Townships by key → (code, name)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {
        pk: (code, name)
        for pk, code, name in Jurisdiction.objects.filter(pk__in=wanted).values_list("pk", "code", "name")
    }


def _case_categories(county: Jurisdiction, period: _Period) -> QuerySet[Any]:
    """(case, category) rows of the cases received in ``period``."""
    through = Case.categories.through
    return (
        through.objects.filter(case__jurisdiction=county)
        .exclude(case__state=CaseState.MERGED)
        .filter(period.holds("case__received_at"))
    )


@dataclass(frozen=True)
class _MonthCategories:
    """The month's cases by township and category, counted once (one GROUP BY on the two keys,
    no join: the categories' and townships' codes and names are read afterwards from their own
    small tables) — what ``by_category`` (a case once for each of its categories: the sum over
    townships) and the township clusters are both made of."""

    county: Jurisdiction
    period: _Period
    pairs: dict[tuple[int, int], int]  # (township id, category id) → cases
    categories: dict[int, tuple[str, str]]  # category id → (code, name)
    townships: dict[int, tuple[str, str]]  # township id → (code, name): those of the month's cases

    @classmethod
    def count(cls, county: Jurisdiction, period: _Period, townships: dict[int, tuple[str, str]]) -> _MonthCategories:
        rows = (
            _case_categories(county, period)
            .values_list("case__township_id", "disputecategory_id")
            .annotate(n=CountOf("case_id"))
            .order_by()
        )
        pairs = {(township_id, category_id): n for township_id, category_id, n in rows}
        categories: dict[int, tuple[str, str]] = {}
        if pairs:
            categories = {
                pk: (code, name)
                for pk, code, name in DisputeCategory.objects.filter(pk__in={c for _t, c in pairs}).values_list(
                    "pk", "code", "name"
                )
            }
        # A live month's case registered between the breakdown's read and this one may come
        # from a township the breakdown did not see: name it too (no statement otherwise).
        missing = {t for t, _c in pairs} - townships.keys()
        if missing:
            townships = {**townships, **_townships(missing)}
        return cls(county, period, pairs, categories, townships)

    def by_category(self) -> list[Count]:
        sums: dict[int, int] = {}
        for (_township_id, category_id), n in self.pairs.items():
            sums[category_id] = sums.get(category_id, 0) + n
        return _counts((*self.categories[pk], n) for pk, n in sums.items())

    def category_id(self, code: str) -> int:
        return next(pk for pk, (c, _name) in self.categories.items() if c == code)

    def rows(self) -> QuerySet[Any]:
        return _case_categories(self.county, self.period)


# --- 调查处理 --------------------------------------------------------------------------------


def _decisions(county: Jurisdiction, period: _Period) -> tuple[int, int, list[Count]]:
    """Decisions issued in the month, those issued within the limit of the step they ended,
    and the month's decisions by result. A 12345 referral's answer (四(八)) is measured like any
    other: the case's ``due_on`` follows the referral (``referrals.services._case_due_set``),
    so the ``decide`` step's ``due_was`` is the handling limit the department ran under."""
    issued = (
        of_county(Decision.objects.all(), county).filter(status=DecisionStatus.ISSUED).filter(period.holds("issued_at"))
    )
    due_was = (
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"),
            kind=EventKind.TRANSITION,
            data__transition="decide",
            at__gte=OuterRef("issued_at") - DECIDE_EVENT_SLACK,
            at__lte=OuterRef("issued_at") + DECIDE_EVENT_SLACK,
        )
        .order_by("-at", "-id")
        .annotate(due_was=Cast(KT("data__due_was"), DateField()))
        .values("due_was")[:1]
    )
    totals = issued.annotate(
        due_was=Subquery(due_was, output_field=DateField()),
        issued_on=TruncDate("issued_at", tzinfo=ZoneInfo(settings.TIME_ZONE)),
    ).aggregate(
        decided=CountOf("id"),
        on_time=CountOf(
            "id",
            filter=Q(due_was__isnull=True) | Q(due_was__gte=F("issued_on")),
        ),
    )
    labels = {value: str(label) for value, label in DecisionResult.choices}
    rows = issued.values_list("result").annotate(n=CountOf("id")).order_by()
    return totals["decided"], totals["on_time"], _counts((key, labels.get(key, key), n) for key, n in rows)


def _tasks(county: Jurisdiction, period: _Period) -> tuple[int, int, int]:
    """Tasks due in the month (not cancelled, not returned: a returned task is no longer the
    department's to finish, so it is neither due nor late), of those done by their due day, and
    tasks returned in the month."""
    due = period.holds_day("due_on") & ~Q(status__in=(TaskStatus.CANCELLED, TaskStatus.RETURNED))
    totals = (
        of_county(Task.objects.all(), county)
        .filter(due | period.holds("returned_at"))
        .annotate(completed_on=TruncDate("completed_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
        .aggregate(
            due=CountOf("id", filter=due),
            on_time=CountOf("id", filter=due & Q(completed_at__isnull=False, completed_on__lte=F("due_on"))),
            returned=CountOf("id", filter=period.holds("returned_at")),
        )
    )
    return totals["due"], totals["on_time"], totals["returned"]


def _referral_work(county: Jurisdiction, period: _Period) -> tuple[int, int, int]:
    """The 12345 path of the same figures (四(八)): referrals whose handling limit falls in the
    month, of those answered by it, and referral returns in the month (one ``returned``
    referral event each — a referral returned three times counts three times)."""
    local = ZoneInfo(settings.TIME_ZONE)
    totals = (
        of_county(Referral.objects.all(), county)
        .filter(period.holds_day("handle_due_on"))
        .annotate(answered_on=TruncDate("answered_at", tzinfo=local))
        .aggregate(
            due=CountOf("id"),
            on_time=CountOf("id", filter=Q(answered_at__isnull=False, answered_on__lte=F("handle_due_on"))),
        )
    )
    returned = (
        of_county(CaseEvent.objects.all(), county)
        .filter(kind=EventKind.REFERRAL, data__step="returned")
        .filter(period.holds("at"))
        .count()
    )
    return totals["due"], totals["on_time"], returned


def _open_cases(county: Jurisdiction, period: _Period, today: date) -> tuple[int, int]:
    """As at generation: cases open now received before the month's end, and of those the
    ones past their current step's limit (before the earlier of today and the month's end)."""
    limit = min(today, period.end)
    # One arm per open state, each an equality on the county's (state, due_on) index: with
    # ``state IN (…)`` or a bound on received_at in the WHERE, SQLite's statistics (an average
    # state holds 1/13 of the cases) led it to walk the county's cases instead of the few open.
    before_end = Q(received_at__lt=period.end_at)
    arms = [
        Case.objects.filter(jurisdiction=county, state=state)
        .order_by()
        .values("state")
        .annotate(open=CountOf("id", filter=before_end), overdue=CountOf("id", filter=before_end & Q(due_on__lt=limit)))
        .values_list("open", "overdue")
        for state in sorted(OPEN_STATES)
    ]
    rows = list(arms[0].union(*arms[1:], all=True))
    totals = {"open": sum(row[0] for row in rows), "overdue": sum(row[1] for row in rows)}
    return totals["open"], totals["overdue"]


# --- 结果反馈与跟踪回访 ----------------------------------------------------------------------


def _deliveries(county: Jurisdiction, period: _Period) -> tuple[int, int, list[Count]]:
    """Deliveries in the month to either party, those of them within the feedback limit
    counted from the local issue day of their decision (四(四) 在规定的期限内，向争议双方进行
    反馈: the limit holds for both parties, so the rate's numerator and denominator count the
    same deliveries), and the deliveries by party. A loop over the month's deliveries: the
    limit is a working-day computation (one ``timelimits.due`` per distinct issue day)."""
    rows = (
        of_county(Delivery.objects.all(), county)
        .filter(period.holds("delivered_at"))
        .values_list("recipient", "delivered_at", "decision__issued_at")
    )
    due_by_issue_day: dict[date, date] = {}
    total = on_time = 0
    by_party: dict[str, int] = {}
    for recipient, delivered_at, issued_at in rows:
        total += 1
        by_party[recipient] = by_party.get(recipient, 0) + 1
        if issued_at is None:  # never for an issued decision; counted as on time, as no limit ran
            on_time += 1
            continue
        issued_on = local_day(issued_at)
        if issued_on not in due_by_issue_day:
            due_by_issue_day[issued_on] = timelimits.due(timelimits.FEEDBACK, issued_on).day
        on_time += local_day(delivered_at) <= due_by_issue_day[issued_on]
    labels = {value: str(label) for value, label in Recipient.choices}
    return total, on_time, _counts((key, labels.get(key, key), n) for key, n in by_party.items())


def _visits(county: Jurisdiction, period: _Period) -> tuple[int, list[Count], list[Count], int, int, int]:
    """Visits done in the month to either party (四(五)): how many, by party, by satisfaction,
    the payer's objections, the other party's objections, and how many 不满意."""
    labels = {value: str(label) for value, label in Satisfaction.choices}
    labels[""] = _("未记录")
    party_labels = {value: str(label) for value, label in Recipient.choices}
    rows = list(
        of_county(Visit.objects.all(), county)
        .filter(period.holds("done_at"))
        .values_list("party", "satisfaction")
        .annotate(n=CountOf("id"), objecting=CountOf("id", filter=Q(objects_to_decision=True)))
        .order_by()
    )
    by_key: dict[str, int] = {}
    by_party: dict[str, int] = {}
    for party, key, n, _objecting in rows:
        by_key[key] = by_key.get(key, 0) + n
        by_party[party] = by_party.get(party, 0) + n
    by_satisfaction = _counts((key, labels.get(key, key), n) for key, n in by_key.items())
    visits_by_party = _counts((key, party_labels.get(key, key), n) for key, n in by_party.items())
    done = sum(by_key.values())
    objections = sum(o for party, _key, _n, o in rows if party == Recipient.PAYER)
    objections_other = sum(o for party, _key, _n, o in rows if party != Recipient.PAYER)
    dissatisfied = by_key.get(Satisfaction.DISSATISFIED, 0)
    return done, visits_by_party, by_satisfaction, objections, objections_other, dissatisfied


def _remedies_filed(county: Jurisdiction, period: _Period) -> list[Count]:
    labels = {value: str(label) for value, label in RemedyKind.choices}
    rows = (
        of_county(Remedy.objects.all(), county)
        .filter(period.holds_day("filed_on"))
        .values_list("kind")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    return _counts((key, labels.get(key, key), n) for key, n in rows)


def _remedies_ended(county: Jurisdiction, period: _Period) -> list[Count]:
    labels = {value: str(label) for value, label in RemedyOutcome.choices}
    rows = (
        of_county(Remedy.objects.all(), county)
        .filter(period.holds_day("outcome_on"))
        .exclude(outcome="")
        .values_list("outcome")
        .annotate(n=CountOf("id"))
        .order_by()
    )
    return _counts((key, labels.get(key, key), n) for key, n in rows)


# --- 预警 ------------------------------------------------------------------------------------


def _first_numbers(rows: QuerySet[Any], group: tuple[str, ...], number: str, received: str) -> dict[Any, list[str]]:
    """The first ``WARNING_MAX_CASES`` case numbers (earliest received first) of each group of
    ``rows``, in one query (a window function): group key → numbers."""
    ranked = (
        rows.annotate(
            rank_in_group=Window(
                RowNumber(), partition_by=[F(g) for g in group], order_by=[F(received).asc(), F(number).asc()]
            )
        )
        .filter(rank_in_group__lte=WARNING_MAX_CASES)
        .values_list(*group, number, received)
        .order_by(*group, received, number)
    )
    found: dict[Any, list[str]] = {}
    for row in ranked:
        key = row[0] if len(group) == 1 else tuple(row[: len(group)])
        found.setdefault(key, []).append(row[len(group)])
    return found


def _first_numbers_each(
    rows: QuerySet[Any], groups: Mapping[Any, Q], number: str, received: str
) -> dict[Any, list[str]]:
    """The first ``WARNING_MAX_CASES`` case numbers (earliest received first) of each group of
    ``rows`` (group key → its condition), in one query: one ``ORDER BY … LIMIT`` per group,
    joined by ``UNION ALL`` — each stops at its twentieth row walking the month's cases in the
    order received, where one window function over the groups ranked every row of the month
    first (85–130 ms at 1,000,000 cases against 15–20 ms). Django cannot slice the parts of a
    union on SQLite, so the parts are compiled by the ORM and joined here."""
    if not groups:
        return {}
    keys = list(groups)
    parts = [
        rows.filter(groups[key]).order_by(received, number).values_list(number, received)[:WARNING_MAX_CASES].query
        for key in keys
    ]
    compiled = [part.get_compiler(using=rows.db).as_sql() for part in parts]
    sql = " UNION ALL ".join(
        f"SELECT {index} AS part, * FROM ({part_sql}) AS part_{index}"  # noqa: S608 - the ORM's SQL, an integer
        for index, (part_sql, _params) in enumerate(compiled)
    )
    params = [param for _sql, part_params in compiled for param in part_params]
    found: dict[Any, list[tuple[Any, str]]] = {}
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        for index, found_number, found_received in cursor.fetchall():
            found.setdefault(keys[index], []).append((found_received, found_number))
    # Each part came in order; sorted again so as not to lean on UNION ALL keeping it (the raw
    # values sort as the column does: datetimes on PostgreSQL, ISO text on SQLite).
    return {key: [n for _r, n in sorted(numbers)] for key, numbers in found.items()}


def _category_surges(
    county: Jurisdiction,
    period: _Period,
    categories: _MonthCategories,
    earlier: Mapping[tuple[int, int], MonthlyFigures],
) -> list[EarlyWarning]:
    """Categories with many more cases this month than on average in the months before (the
    base months from their kept figures when all of them are kept)."""
    candidates = {c.key: c for c in categories.by_category() if c.count >= SURGE_MIN_CASES}
    if not candidates:
        return []
    base_months = [
        _first_day(period.start.year, period.start.month, -shift) for shift in range(1, SURGE_BASE_MONTHS + 1)
    ]
    kept = [earlier.get((first.year, first.month)) for first in base_months]
    before: dict[str, int] = {}
    if all(figures is not None for figures in kept):
        for figures in kept:
            assert figures is not None
            for row in figures.by_category:
                if row.key in candidates:
                    before[row.key] = before.get(row.key, 0) + row.count
    else:
        # Every category counted, the candidates kept here: a condition on the category made
        # SQLite probe the (case, category) index once per candidate and case (1.4 times slower).
        base = _Period(base_months[-1], period.start)
        codes = {categories.category_id(code): code for code in candidates}
        before = {
            codes[category_id]: n
            for category_id, n in _case_categories(county, base)
            .values_list("disputecategory_id")
            .annotate(n=CountOf("case_id"))
            .order_by()
            if category_id in codes
        }
    surging: list[tuple[Count, float]] = []
    for code, row in candidates.items():
        average = before.get(code, 0) / SURGE_BASE_MONTHS
        if row.count >= SURGE_FACTOR * average:
            surging.append((row, average))
    if not surging:
        return []
    numbers = _first_numbers_each(
        categories.rows(),
        {row.key: Q(disputecategory_id=categories.category_id(row.key)) for row, _a in surging},
        "case__number",
        "case__received_at",
    )
    warnings = []
    for row, average in sorted(surging, key=lambda s: (-s[0].count, s[0].key)):
        name = f"“{row.key} {row.label}”"
        if average:
            text = _("%(c)s本月受理%(n)d件，为前三个月月均的%(x).1f倍") % {
                "c": name,
                "n": row.count,
                "x": row.count / average,
            }
        else:
            text = _("%(c)s本月受理%(n)d件，前三个月无此类争议") % {"c": name, "n": row.count}
        level = RED if row.count >= SURGE_RED_FACTOR * average else YELLOW
        warnings.append(EarlyWarning("category_surge", level, text, numbers.get(row.key, [])))
    return warnings


def _township_clusters(county: Jurisdiction, period: _Period, categories: _MonthCategories) -> list[EarlyWarning]:
    """Townships with many cases of one category this month (the largest first, then by the
    township's and the category's code)."""
    found = [(key, n) for key, n in categories.pairs.items() if n >= CLUSTER_MIN_CASES]
    if not found:
        return []
    townships = categories.townships
    found.sort(key=lambda row: (-row[1], townships[row[0][0]][0], categories.categories[row[0][1]][0]))
    rest = found[CLUSTER_MAX_WARNINGS:]
    clusters = found[:CLUSTER_MAX_WARNINGS]
    numbers = _first_numbers_each(
        categories.rows(),
        {key: Q(case__township_id=key[0], disputecategory_id=key[1]) for key, _n in clusters},
        "case__number",
        "case__received_at",
    )
    return [
        EarlyWarning(
            "township_cluster",
            YELLOW,
            _("%(t)s本月受理“%(code)s %(name)s”争议%(n)d件，呈聚集态势")
            % {
                "t": townships[township_id][1],
                "code": categories.categories[category_id][0],
                "name": categories.categories[category_id][1],
                "n": n,
            },
            numbers.get((township_id, category_id), []),
        )
        for (township_id, category_id), n in clusters
    ] + (
        [
            EarlyWarning(
                "township_cluster",
                YELLOW,
                _("另有%(n)d处苏木镇的同类争议本月达%(m)d件以上") % {"n": len(rest), "m": CLUSTER_MIN_CASES},
            )
        ]
        if rest
        else []
    )


def _repeat_payers(county: Jurisdiction, period: _Period) -> list[EarlyWarning]:
    """Payers who came back again and again in the last days before the month's end. The
    warning never names them (personal data, 五(三)): the case numbers lead to them."""
    since = period.end_at - timedelta(days=REPEAT_DAYS)
    recent = _received(county).filter(received_at__gte=since, received_at__lt=period.end_at)
    # The same payer is the same identity (``CaseParty.identity``): each case has its own party row.
    repeats = list(
        recent.values_list("payer__identity_id")
        .annotate(n=CountOf("id"))
        .filter(n__gte=REPEAT_MIN_CASES)
        .order_by("-n", "payer__identity_id")
    )
    if not repeats:
        return []
    shown, rest = repeats[:REPEAT_MAX_WARNINGS], repeats[REPEAT_MAX_WARNINGS:]
    numbers = _first_numbers(
        recent.filter(payer__identity_id__in=[payer_id for payer_id, _n in shown]),
        ("payer__identity_id",),
        "number",
        "received_at",
    )
    warnings = [
        EarlyWarning(
            "repeat_payer",
            YELLOW,
            _("同一缴费人%(d)d日内反映%(n)d次") % {"d": REPEAT_DAYS, "n": n},
            numbers.get(payer_id, []),
        )
        for payer_id, n in shown
    ]
    if rest:
        warnings.append(
            EarlyWarning(
                "repeat_payer",
                YELLOW,
                _("另有%(p)d名缴费人%(d)d日内反映%(m)d次以上")
                % {"p": len(rest), "d": REPEAT_DAYS, "m": REPEAT_MIN_CASES},
            )
        )
    return warnings


def _dissatisfaction(county: Jurisdiction, period: _Period, done: int, dissatisfied: int) -> list[EarlyWarning]:
    """Many 不满意 among the month's visits."""
    if done < DISSATISFACTION_MIN_VISITS or dissatisfied < DISSATISFACTION_SHARE * done:
        return []
    share = dissatisfied / done
    numbers = list(
        of_county(Visit.objects.all(), county)
        .filter(satisfaction=Satisfaction.DISSATISFIED)
        .filter(period.holds("done_at"))
        .order_by("done_at", "id")
        .values_list("case__number", flat=True)[:WARNING_MAX_CASES]
    )
    return [
        EarlyWarning(
            "dissatisfaction",
            RED if share >= DISSATISFACTION_RED_SHARE else YELLOW,
            _("本月回访%(n)d件，不满意%(d)d件，占%(p)s") % {"n": done, "d": dissatisfied, "p": f"{share:.0%}"},
            numbers,
        )
    ]


def _overdue_departments(county: Jurisdiction, today: date) -> list[EarlyWarning]:
    """Departments with many open tasks past due, as at generation."""
    overdue = of_county(Task.objects.all(), county).filter(status__in=OPEN_TASK_STATUSES, due_on__lt=today)
    departments = list(
        overdue.values_list("department_id", "department__name")
        .annotate(n=CountOf("id"))
        .filter(n__gte=OVERDUE_DEPARTMENT_MIN_TASKS)
        .order_by("-n", "department__sort_order", "department_id")
    )
    if not departments:
        return []
    numbers = _first_numbers(
        overdue.filter(department_id__in=[d for d, _name, _n in departments]),
        ("department_id",),
        "case__number",
        "case__received_at",
    )
    return [
        EarlyWarning(
            "overdue_department",
            YELLOW,
            _("%(d)s有%(n)d项办理任务超期未办结") % {"d": name, "n": n},
            list(dict.fromkeys(numbers.get(department_id, []))),
        )
        for department_id, name, n in departments
    ]


# --- 网络舆情 (三(二)9, 四(六)) -----------------------------------------------------------------


@dataclass(frozen=True)
class _MonthItems:
    """The online items seen in the month (``OnlineItem.seen_at``), read once — a month holds a
    few dozen at most, so they are read as rows (three queries: the items with their first
    step, their categories, their linked cases) and counted here — and what the figures and the
    ``opinion_category`` warning are made of."""

    items: list[tuple[int, str, str, str, datetime, datetime | None, date | None, str, datetime | None]]
    categories: dict[int, list[tuple[str, str]]]  # item id → (category code, name)
    links: list[tuple[int, str]]  # (item id, case number), earliest received case first

    @classmethod
    def read(cls, county: Jurisdiction, period: _Period) -> _MonthItems:
        month_items = OnlineItem.objects.filter(jurisdiction=county).filter(period.holds("seen_at"))
        first_step = ResponseStep.objects.filter(item_id=OuterRef("pk")).order_by("at", "id").values("at")[:1]
        items = list(
            month_items.annotate(first_step_at=Subquery(first_step))
            .order_by("seen_at", "id")
            .values_list(
                "id",
                "number",
                "risk",
                "platform",
                "recorded_at",
                "closed_at",
                "response_due_on",
                "status",
                "first_step_at",
            )
        )
        categories: dict[int, list[tuple[str, str]]] = {}
        links: list[tuple[int, str]] = []
        if items:
            through = OnlineItem.categories.through
            for item_id, code, name in (
                through.objects.filter(onlineitem__in=month_items)
                .order_by("disputecategory__code")
                .values_list("onlineitem_id", "disputecategory__code", "disputecategory__name")
            ):
                categories.setdefault(item_id, []).append((code, name))
            links = list(
                ItemCase.objects.filter(item__in=month_items)
                .order_by("case__received_at", "case__number")
                .values_list("item_id", "case__number")
            )
        return cls(items, categories, links)

    def numbers_of(self, item_ids: set[int]) -> list[str]:
        """The distinct case numbers linked to ``item_ids``, earliest received first."""
        return list(dict.fromkeys(number for item_id, number in self.links if item_id in item_ids))


def _hours(seconds: list[float]) -> float | None:
    return round(median(seconds) / 3600, 1) if seconds else None


def _opinion(items: _MonthItems, today: date) -> dict[str, Any]:
    """The month's online items (seen in the month) — by risk, platform and dispute category (an
    item once for each of its categories) — how fast they were answered, and the cases they
    link to. Response times are from ``recorded_at`` (when the office had it): to the first
    response step, the median over the items with one; to closing, over the items closed; both
    as at generation. Overdue: an item with a response deadline closed on a later local day, or
    not closed and past it at generation (the deadline is the response's, which the closing
    ends — ``docs/opinion.md``)."""
    risk_labels = {value: str(label) for value, label in RiskLevel.choices}
    platform_labels = {value: str(label) for value, label in Platform.choices}
    by_risk: dict[str, int] = {}
    by_platform: dict[str, int] = {}
    to_first: list[float] = []
    to_close: list[float] = []
    overdue = 0
    for _id, _number, risk, platform, recorded_at, closed_at, due_on, status, first_step_at in items.items:
        by_risk[risk] = by_risk.get(risk, 0) + 1
        by_platform[platform] = by_platform.get(platform, 0) + 1
        if first_step_at is not None:
            to_first.append(max((first_step_at - recorded_at).total_seconds(), 0))
        if status == ItemStatus.CLOSED and closed_at is not None:
            to_close.append(max((closed_at - recorded_at).total_seconds(), 0))
            overdue += due_on is not None and local_day(closed_at) > due_on
        else:
            overdue += due_on is not None and due_on < today
    by_category: dict[tuple[str, str], int] = {}
    for pairs in items.categories.values():
        for pair in pairs:
            by_category[pair] = by_category.get(pair, 0) + 1
    linked = items.numbers_of({row[0] for row in items.items})
    return {
        "opinion_items": len(items.items),
        "opinion_by_risk": _counts((key, risk_labels.get(key, key), n) for key, n in by_risk.items()),
        "opinion_by_platform": _counts((key, platform_labels.get(key, key), n) for key, n in by_platform.items()),
        "opinion_by_category": _counts((code, name, n) for (code, name), n in by_category.items()),
        "opinion_responded": len(to_first),
        "opinion_first_step_median_hours": _hours(to_first),
        "opinion_closed": len(to_close),
        "opinion_closed_median_hours": _hours(to_close),
        "opinion_overdue": overdue,
        "opinion_linked_cases": len(linked),
        "opinion_linked_numbers": linked[:WARNING_MAX_CASES],
    }


def _item_numbers(numbers: list[str]) -> str:
    """Item numbers for a warning's text: the first ``OPINION_ITEM_NUMBERS``, then 等."""
    shown = "、".join(numbers[:OPINION_ITEM_NUMBERS])
    return shown + (_("等") if len(numbers) > OPINION_ITEM_NUMBERS else "")


def _opinion_categories(items: _MonthItems, by_category: list[Count]) -> list[EarlyWarning]:
    """Dispute categories the month's online items are about: red with ≥
    ``OPINION_HIGH_MIN_ITEMS`` high-risk items, yellow with ≥ ``OPINION_CATEGORY_MIN_ITEMS`` items
    of any risk; the text names the items and the cases of the category received this month,
    the warning lists the cases linked to those items."""
    risk_of = {row[0]: row[2] for row in items.items}
    number_of = {row[0]: row[1] for row in items.items}
    of_category: dict[tuple[str, str], list[int]] = {}
    for item_id, pairs in items.categories.items():
        for pair in pairs:
            of_category.setdefault(pair, []).append(item_id)
    received = {row.key: row.count for row in by_category}
    found: list[tuple[int, int, str, EarlyWarning]] = []
    for (code, name), item_ids in of_category.items():
        high = sum(risk_of[i] == RiskLevel.HIGH for i in item_ids)
        if high < OPINION_HIGH_MIN_ITEMS and len(item_ids) < OPINION_CATEGORY_MIN_ITEMS:
            continue
        ordered = sorted(item_ids, key=lambda i: number_of[i])
        values = {
            "c": f"“{code} {name}”",
            "n": len(item_ids),
            "h": high,
            "items": _item_numbers([number_of[i] for i in ordered]),
            "r": received.get(code, 0),
        }
        if high >= OPINION_HIGH_MIN_ITEMS:
            level = RED
            text = _("%(c)s本月出现高风险网络舆情%(h)d条（共%(n)d条：%(items)s），本月受理同类争议%(r)d件") % values
        else:
            level = YELLOW
            text = _("%(c)s本月出现网络舆情%(n)d条（%(items)s），本月受理同类争议%(r)d件") % values
        cases = items.numbers_of(set(item_ids))[:WARNING_MAX_CASES]
        found.append((-high, -len(item_ids), code, EarlyWarning("opinion_category", level, text, cases)))
    return [warning for *_key, warning in sorted(found, key=lambda row: row[:3])]


def _opinion_open_cases(county: Jurisdiction) -> list[EarlyWarning]:
    """Online items not closed, of any month, with ≥ ``OPINION_OPEN_MIN_CASES`` linked cases
    still open (``OPEN_STATES``), as at generation: one warning per item — red for a
    high-risk item — for the first ``OPINION_MAX_WARNINGS`` (high risk, then most cases, then
    by number), the others in one more line. One query."""
    rows = (
        ItemCase.objects.filter(item__jurisdiction=county, case__state__in=OPEN_STATES)
        .exclude(item__status=ItemStatus.CLOSED)
        .order_by("case__received_at", "case__number")
        .values_list("item_id", "item__number", "item__risk", "item__status", "case__number")
    )
    items: dict[int, tuple[str, str, str, list[str]]] = {}
    for item_id, number, risk, status, case_number in rows:
        items.setdefault(item_id, (number, risk, status, []))[3].append(case_number)
    found = sorted(
        (row for row in items.values() if len(row[3]) >= OPINION_OPEN_MIN_CASES),
        key=lambda row: (row[1] != RiskLevel.HIGH, -len(row[3]), row[0]),
    )
    if not found:
        return []
    risk_labels = {value: str(label) for value, label in RiskLevel.choices}
    status_labels = {value: str(label) for value, label in ItemStatus.choices}
    shown, rest = found[:OPINION_MAX_WARNINGS], found[OPINION_MAX_WARNINGS:]
    warnings = [
        EarlyWarning(
            "opinion_open_cases",
            RED if risk == RiskLevel.HIGH else YELLOW,
            _("网络舆情%(i)s（%(r)s，%(s)s）关联的%(n)d件案件尚未办结")
            % {"i": number, "r": risk_labels.get(risk, risk), "s": status_labels.get(status, status), "n": len(cases)},
            cases[:WARNING_MAX_CASES],
        )
        for number, risk, status, cases in shown
    ]
    if rest:
        warnings.append(
            EarlyWarning(
                "opinion_open_cases",
                YELLOW,
                _("另有%(n)d条未办结的网络舆情关联在办案件") % {"n": len(rest)},
            )
        )
    return warnings


# --- 责任追究 (五(四)) -----------------------------------------------------------------------------


def _accountability(county: Jurisdiction, period: _Period) -> dict[str, Any]:
    """The month's accountability records (``proposed_at`` in the month: proposed by the
    system, or entered by hand) by failure and by status as at generation; and the records
    confirmed in the month (``decided_at``) by department — what the department scorecards
    count (``scorecards``, measure ``accountability``). Departments only: a person named on a
    record never appears here. One query."""
    proposed = period.holds("proposed_at")
    confirmed = Q(status=RecordStatus.CONFIRMED) & period.holds("decided_at")
    rows = list(
        AccountabilityRecord.objects.filter(jurisdiction=county)
        .filter(proposed | confirmed)
        .values_list("failure", "status", "department__code", "department__name")
        .annotate(proposed=CountOf("id", filter=proposed), confirmed=CountOf("id", filter=confirmed))
        .order_by()
    )
    failure_labels = {value: str(label) for value, label in Failure.choices}
    status_labels = {value: str(label) for value, label in RecordStatus.choices}
    by_failure: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_department: dict[tuple[str, str], int] = {}
    for failure, status, code, name, n_proposed, n_confirmed in rows:
        by_failure[failure] = by_failure.get(failure, 0) + n_proposed
        by_status[status] = by_status.get(status, 0) + n_proposed
        by_department[(code, name)] = by_department.get((code, name), 0) + n_confirmed
    return {
        "accountability_records": sum(by_status.values()),
        "accountability_by_failure": _counts((k, failure_labels.get(k, k), n) for k, n in by_failure.items()),
        "accountability_by_status": _counts((k, status_labels.get(k, k), n) for k, n in by_status.items()),
        "accountability_confirmed_by_department": _counts((code, name, n) for (code, name), n in by_department.items()),
    }
