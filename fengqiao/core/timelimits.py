"""规定时限: the procedure's time limits as editable rows, turned into due dates.

Every step that has a deadline names a code below; the amount and unit come from the
``TimeLimit`` row, the date from the working-day calendar. DOMAIN.md gives the defaults and
their basis; ``DEFAULTS`` is what the data migration loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from typing import Final

from fengqiao.core import calendar
from fengqiao.core.models import TimeLimit, TimeLimitUnit

W = TimeLimitUnit.WORKING_DAYS
C = TimeLimitUnit.CALENDAR_DAYS

INTAKE_INFORM: Final = "intake_inform"
REVIEW: Final = "review"
TASK_RETURN: Final = "task_return"
OWN_HANDLING: Final = "own_handling"
JOINT_OPINION: Final = "joint_opinion"
GENERAL_DECISION: Final = "general_decision"
LEADER_APPROVAL: Final = "leader_approval"
SPECIAL_OPINION: Final = "special_opinion"
MAJOR_DECISION: Final = "major_decision"
MAJOR_EXTENSION: Final = "major_extension"
FEEDBACK: Final = "feedback"
FOLLOW_UP: Final = "follow_up"
REFERRAL_SIGN: Final = "referral_sign"
REFERRAL_COMPLAINT: Final = "referral_complaint"
REFERRAL_CONSULTATION: Final = "referral_consultation"
ESCALATION: Final = "escalation"
REFERRAL_REFUSAL_MARGIN: Final = "referral_refusal_margin"
# 网络舆情回应 by risk level (三(二)9, fengqiao.opinion): the responsible department's response.
OPINION_RESPONSE_HIGH: Final = "opinion_response_high"
OPINION_RESPONSE_MEDIUM: Final = "opinion_response_medium"
OPINION_RESPONSE_LOW: Final = "opinion_response_low"

# (code, label, amount, unit, basis) — DOMAIN.md "Default time limits".
DEFAULTS: Final[list[tuple[str, str, int, str, str]]] = [
    (
        INTAKE_INFORM,
        "受理登记及不属本部门职责的书面告知",
        0,
        W,
        "社会保险法第八十二条；信访工作条例第二十三条（当场）",
    ),
    (REVIEW, "审核转办", 1, W, "12345热线通行做法（1个工作日内转办）"),
    (TASK_RETURN, "非本部门职责退回（附理由）", 1, W, "12345热线做法（天津草案）"),
    (OWN_HANDLING, "本部门职责范围内限时办结", 5, W, "默认值，待核实"),
    (JOINT_OPINION, "联办单位书面意见（一般事项）", 5, W, "默认值，待核实"),
    (GENERAL_DECISION, "一般事项形成处理意见", 15, W, "12345投诉办理时限（广东：15个工作日）"),
    (LEADER_APPROVAL, "组长审批专案处理", 2, W, "默认值"),
    (SPECIAL_OPINION, "专案处理书面审批意见", 10, W, "默认值"),
    (MAJOR_DECISION, "重大疑难事项形成处理意见", 60, C, "信访工作条例第三十四条"),
    (MAJOR_EXTENSION, "重大疑难事项延期（告知缴费人理由）", 30, C, "信访工作条例第三十四条"),
    (FEEDBACK, "形成处理意见后结果反馈", 2, W, "默认值"),
    (FOLLOW_UP, "结果反馈后跟踪回访", 5, W, "默认值（12345通行做法为办结次日电话回访）"),
    (REFERRAL_SIGN, "12345：承办部门签收", 1, W, "12345热线做法"),
    (REFERRAL_COMPLAINT, "12345：投诉类办理", 15, W, "广东12345热线规则"),
    (REFERRAL_CONSULTATION, "12345：咨询类办理", 5, W, "广东12345热线规则"),
    (ESCALATION, "超期仍未办结时督办升级", 5, W, "12345热线做法（通报）"),
    (
        REFERRAL_REFUSAL_MARGIN,
        "12345：超过签收或办理期限即视为拒不办理的宽限",
        5,
        W,
        "默认值（四(八) 无正当理由拒不处理，移交纪委监委）",
    ),
    (OPINION_RESPONSE_HIGH, "网络舆情回应（高风险）", 1, C, "默认值（三(二)9；高风险舆情24小时内回应）"),
    (OPINION_RESPONSE_MEDIUM, "网络舆情回应（中风险）", 3, W, "默认值（三(二)9）"),
    (OPINION_RESPONSE_LOW, "网络舆情回应（低风险）", 5, W, "默认值（三(二)9）"),
]


def defaults_load() -> int:
    """Create the default rows that are missing (existing rows keep the county's values)."""
    added = 0
    for code, label, amount, unit, basis in DEFAULTS:
        _row, created = TimeLimit.objects.get_or_create(
            code=code, defaults={"label": label, "amount": amount, "unit": unit, "basis": basis}
        )
        added += created
    return added


# The rows read once for the length of one step (``rows_kept``), or None: read each time.
_kept: ContextVar[dict[str, TimeLimit] | None] = ContextVar("timelimits_kept", default=None)


@contextmanager
def rows_kept() -> Iterator[None]:
    """Within the block, every ``limit`` is answered from one read of the table (one query for
    the whole step, however many deadlines it computes: a registration for own handling needs
    three). Scoped to one step, not to the process, so an administrator's change (or a test's)
    is seen by the next step at once."""
    if _kept.get() is not None:
        yield
        return
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def limit(code: str) -> TimeLimit:
    """The time-limit row for ``code`` (a missing row is a configuration error)."""
    kept = _kept.get()
    if kept is None:
        return TimeLimit.objects.get(code=code)
    if not kept:
        kept.update((row.code, row) for row in TimeLimit.objects.all())
    if code not in kept:
        raise TimeLimit.DoesNotExist(f"TimeLimit matching query does not exist: {code}")
    return kept[code]


def due(code: str, start: date) -> calendar.DueDate:
    """The due date of the step ``code`` that starts on ``start``."""
    row = limit(code)
    if row.unit == TimeLimitUnit.WORKING_DAYS:
        return calendar.add_working_days(start, row.amount)
    return calendar.add_calendar_days(start, row.amount)
