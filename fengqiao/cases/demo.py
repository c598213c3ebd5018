"""Demo data at scale: realistic cases in bulk, so the workbench, reports and exports can be
measured against a county's years of disputes (``manage.py demo_cases``).

The one other writer of cases
-----------------------------
Cases are born in ``fengqiao.cases.services.case_register`` and move only through
``fengqiao.cases.workflow.transition``; ``Case.save()`` refuses anything else. This module is
the single exception, and only for demo and benchmark databases (it refuses to run in
production): it inserts rows directly, bypassing ``save()`` the way ``bulk_create`` would.
Registering a million cases one by one through the workflow would take hours (a numbering
lock, a payer upsert, the deadline computation and several inserts per case); ``bulk_create``
still spends most of its time preparing every value of every model instance (measured: 1,700
cases/s, about ten minutes for a million on two cores), so the rows are built as tuples and
inserted with one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) per table and batch (see
``_Rows``). In exchange, this module must itself keep the invariants the workflow and the
fields keep:

- every case has a number taken from its county's ``CaseNumbering`` rows: a block per year is
  reserved up front by raising ``last`` under a row lock, so later real intake continues the
  sequence and never reissues a number (the unique constraint backs this up);
- the state, ``due_on``/``due_provisional`` and ``version`` agree with the path a case took
  through the life cycle, with deadlines from the ``TimeLimit`` rows and the working-day
  calendar (computed once per distinct start day and limit, not per case);
- personal data is encrypted exactly as ``EncryptedTextField`` does it (``crypto.encrypt`` with
  the column's context ``cases.Payer.<field>``) with blind indexes of the same purposes as
  intake; payers respect the unique constraints: a person is found again by the blind index of
  the ID number, an employer by the credit code, also across runs; each case has its own
  party rows (``CaseParty``, the parties as registered, contexts ``cases.CaseParty.<field>``);
- the receiving department (and for joint handling the lead and co-handling departments of
  ``defaults.ROUTING``) is recorded in ``CaseDepartment``, so visibility works as for real
  cases; the timeline starts with the events intake and review would have written (their
  ``data`` carries ``"demo": true``), each with its ``seq`` and keyed link after the one before
  (``cases.chain``), so ``manage.py audit_verify`` passes on a demo database.

Each batch is one transaction, so a run interrupted half-way leaves whole cases behind and a
gap in the reserved numbers, nothing half-written.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from fengqiao.cases import chain as timeline_chain
from fengqiao.cases.defaults import ROUTING
from fengqiao.cases.models import (
    Case,
    CaseDepartment,
    CaseEvent,
    CaseNumbering,
    CaseParty,
    Channel,
    DisputeCategory,
    EventKind,
    Payer,
    PayerGroup,
    PayerKind,
)
from fengqiao.cases.services import PHONE_PURPOSE, RESIDENT_ID_PURPOSE
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.cases.workflow import TRANSITIONS
from fengqiao.core import calendar, crypto, dates, timelimits
from fengqiao.core.identifiers import resident_id_check_char, social_credit_check_char
from fengqiao.core.models import TimeLimit, TimeLimitUnit
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.org.services import demo_staff_create

T = TypeVar("T")

RECEIVING_DEPARTMENTS = ("tax", "hrss", "medical")
# SQLite allows 999 parameters per statement: look payers up in chunks below that.
LOOKUP_CHUNK = 900


class DemoRefused(Exception):
    """The generator was asked to run where it must not (production, or no set-up)."""


class Weighted(Generic[T]):
    """A weighted choice that costs one random number and one bisection."""

    def __init__(self, items: Sequence[tuple[T, float]]) -> None:
        self.values = [v for v, _w in items]
        self.cum = list(accumulate(w for _v, w in items))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random) -> T:
        return self.values[bisect_right(self.cum, rng.random() * self.total)]


# --- What the data looks like -----------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = Weighted(
    [
        *((s, 6.0) for s in "王李张"),
        *((s, 4.0) for s in "刘"),
        *((s, 2.5) for s in "陈杨赵"),
        *((s, 1.8) for s in "包"),
        *((s, 1.2) for s in "孙马吴高于白"),
        *((s, 0.8) for s in "黄周徐朱胡郭韩董姜崔田"),
        *((s, 0.5) for s in "何林罗郑梁宋许冯邓曹肖潘杜魏苏吕丁任卢范金石贾付宝鲍关佟邢"),
        *((s, 0.3) for s in "谢唐彭曾袁蒋蔡叶程沈姚钟谭陆汪夏方乌那"),
    ]
)
MONGOLIAN_SURNAMES = frozenset("包白宝鲍乌那")
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林国建志海东文学春福成玉永庆金宝山树立德胜利"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂丹萍红玉兰英梅琳雪慧莉婷倩颖洁佳晶月凤春荣秋彩云华杰淑"
MONGOLIAN_MALE = _words("巴特尔 额尔敦 宝音 那仁 朝鲁 苏和 哈斯 满都拉 阿拉坦 孟和 巴图 布和")
MONGOLIAN_FEMALE = _words("其其格 乌云 萨仁 斯琴 娜仁 塔娜 高娃 图雅 敖登 格日乐 乌兰 托娅")

# Where payers' ID numbers were issued: mostly Naiman, the rest elsewhere in Tongliao.
ID_REGIONS = Weighted(
    [
        ("150525", 80.0),  # 奈曼旗
        ("150502", 6.0),  # 科尔沁区
        ("150524", 3.0),  # 库伦旗
        ("150523", 3.0),  # 开鲁县
        ("150521", 2.0),  # 科尔沁左翼中旗
        ("150522", 2.0),  # 科尔沁左翼后旗
        ("150526", 2.0),  # 扎鲁特旗
        ("150581", 2.0),  # 霍林郭勒市
    ]
)
PERSON_GROUPS = Weighted(
    [
        (PayerGroup.EMPLOYEE.value, 35.0),
        (PayerGroup.FLEXIBLE.value, 30.0),
        (PayerGroup.RESIDENT.value, 22.0),
        (PayerGroup.RETIREE.value, 13.0),
    ]
)
# Birth years by group (retirees are old, residents span every age).
BIRTH_YEARS = {
    PayerGroup.EMPLOYEE.value: (1966, 2004),
    PayerGroup.FLEXIBLE.value: (1964, 2000),
    PayerGroup.RESIDENT.value: (1950, 2006),
    PayerGroup.RETIREE.value: (1938, 1966),
}
MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 147 150 151 152 153 155 156 157 158 159 166 173 175 176 177 "
    "178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)

FIRM_WORDS_A = "鑫恒兴宏金瑞盛华泰隆丰源昌达福顺通利嘉诚康宝润祥绿沙蒙科"
FIRM_WORDS_B = "源达旺泰禾丰盛发通德信隆安瑞汇祥和业辉成鼎"
FIRM_TRADES = Weighted(
    [
        ("商贸", 6.0),
        ("建筑工程", 4.0),
        ("农牧业开发", 3.0),
        ("运输", 3.0),
        ("物业服务", 2.0),
        ("餐饮管理", 2.0),
        ("建材", 2.0),
        ("劳务派遣", 2.0),
        ("矿业", 1.0),
        ("新能源", 1.0),
        ("医药连锁", 1.0),
        ("汽车服务", 1.0),
        ("粮贸", 1.5),
        ("保安服务", 0.8),
        ("文化传媒", 0.7),
        ("荞麦食品", 0.5),
        ("甘薯加工", 0.5),
    ]
)
# (registration authority + kind, name template); GB 32100 codes: 91 company, 93 co-operative,
# 12 public institution.
EMPLOYER_KINDS = Weighted(
    [
        (("91", "{county}{a}{b}{trade}有限公司"), 70.0),
        (("91", "{county}{a}{b}{trade}有限责任公司"), 15.0),
        (("93", "{county}{town}{a}{b}农牧业专业合作社"), 10.0),
        (("12", "{county}{town}中心卫生院"), 2.5),
        (("12", "{county}第{n}中学"), 2.5),
    ]
)
EMPLOYER_REGIONS = Weighted([("150525", 90.0), ("150502", 6.0), ("150500", 4.0)])
VILLAGES = _words(
    "白音昌 东沙布台 西湖 章古台 太和 兴隆 义和 新发 平安 双合 五十家子 哈日干 巴嘎波日和 "
    "北老柜 南湾子 三家子 四家子 富家屯 固日班 昂乃 查干 乌兰 好力宝 沙日浩来"
)
COMMUNITIES = _words("福苑 锦绣华城 阳光嘉园 孟家段 民族小区 温馨家园 幸福里 金地花园 兴奈 书香苑")

CHANNELS = Weighted(
    [
        (Channel.WINDOW.value, 45.0),
        (Channel.PHONE.value, 17.0),
        (Channel.HOTLINE.value, 14.0),
        (Channel.ONLINE.value, 12.0),
        (Channel.TRANSFER.value, 6.0),
        (Channel.PETITION.value, 4.0),
        (Channel.PUBLIC_OPINION.value, 2.0),
    ]
)
CATEGORY_WEIGHTS = {
    "01": 9.0,
    "02": 4.0,
    "03": 14.0,
    "04": 22.0,
    "05": 5.0,
    "06": 9.0,
    "07": 11.0,
    "08": 12.0,
    "09": 8.0,
    "10": 6.0,
}
# Categories that name an amount of money.
AMOUNT_CATEGORIES = frozenset({"03", "04", "05", "06", "07", "09"})
# Employers mostly dispute bases, amounts, surcharges and inspections.
EMPLOYER_CATEGORIES = Weighted([("03", 25.0), ("04", 25.0), ("06", 18.0), ("09", 20.0), ("07", 7.0), ("01", 5.0)])
RECEIVING_WEIGHTS = {"tax": 50.0, "hrss": 30.0, "medical": 20.0}

INSURANCES = {
    PayerGroup.EMPLOYEE.value: ("企业职工基本养老保险", "职工基本医疗保险", "失业保险", "工伤保险"),
    PayerGroup.FLEXIBLE.value: ("企业职工基本养老保险", "职工基本医疗保险"),
    PayerGroup.RESIDENT.value: ("城乡居民基本养老保险", "城乡居民基本医疗保险"),
    PayerGroup.RETIREE.value: ("企业职工基本养老保险", "职工基本医疗保险"),
    PayerGroup.EMPLOYER.value: ("企业职工基本养老保险", "职工基本医疗保险", "失业保险", "工伤保险"),
}

# category → ([summary templates], [claims templates]); slots: {year} {ins} {months} {amount} {wage}
TEMPLATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "01": (
        (
            "{year}年办理{ins}参保登记时，因原参保地关系未转出无法登记",
            "申请{ins}关系转移接续，材料已提交{months}个月仍未办结",
            "反映{ins}参保登记信息有误，身份信息与实际不符",
        ),
        ("尽快办理{ins}关系转移接续", "更正参保登记信息", "说明未能办理登记的原因"),
    ),
    "02": (
        (
            "{ins}参保登记信息未传递至税务部门，{year}年无法正常缴费",
            "在人社部门变更登记后，税务系统信息未同步，导致缴费失败",
        ),
        ("核实并补传参保登记信息", "恢复正常缴费渠道"),
    ),
    "03": (
        (
            "对{year}年度{ins}缴费基数申报结果有异议，认为核定基数高于实际工资",
            "单位按最低基数申报{ins}，本人认为应按实际工资{wage}元申报",
            "对{year}年社平工资调整后缴费基数上下限的适用有异议",
        ),
        ("按实际工资{wage}元重新核定缴费基数", "撤销缴费基数调整决定", "说明基数核定依据"),
    ),
    "04": (
        (
            "对{year}年{ins}缴费金额有异议，称{months}个月应缴金额计算有误",
            "{year}年{ins}缴费金额较上年明显增加，对计算方法有异议",
            "反映{ins}已缴费但系统显示欠费{amount}元",
        ),
        ("重新核算并退还多缴金额{amount}元", "核实缴费记录并更正", "说明缴费金额计算依据"),
    ),
    "05": (
        (
            "对人社部门核定的{ins}补缴{months}个月应征金额{amount}元有异议",
            "对医保部门核定的{ins}特殊缴费应征金额有异议，认为核定期间有误",
        ),
        ("重新核定补缴金额", "按政策规定时段核定应征金额"),
    ),
    "06": (
        (
            "对{year}年{ins}欠费加收滞纳金{amount}元有异议，称未收到缴费通知",
            "因系统故障未能按期缴纳{ins}，对加收滞纳金有异议",
        ),
        ("申请减免滞纳金{amount}元", "核实欠费原因后免收滞纳金"),
    ),
    "07": (
        (
            "申请退还{year}年重复缴纳的{ins}费{amount}元，已提交{months}个月未退",
            "对{ins}退费金额有异议，认为应退{amount}元",
            "对退（抵）费办理流程有异议，材料多次退回",
        ),
        ("尽快退还重复缴费{amount}元", "说明退费金额计算依据", "简化退费流程一次办结"),
    ),
    "08": (
        (
            "{ins}待遇核定金额偏低，认为缴费年限计算有误",
            "退休后{ins}待遇迟迟未发放，已{months}个月",
            "对{ins}待遇重新核定结果有异议",
        ),
        ("重新核定待遇", "补发待遇", "说明待遇核定依据"),
    ),
    "09": (
        (
            "对{year}年缴费检查认定的欠缴{ins}费{amount}元有异议",
            "对欠费追缴通知有异议，认为已足额缴纳{ins}",
            "反映用人单位未足额缴纳{ins}费，要求追缴",
        ),
        ("撤销欠费追缴决定", "核实后责令单位补缴{amount}元", "重新开展缴费检查"),
    ),
    "10": (
        (
            "反映{ins}缴费过程中办事窗口服务态度及办理时限问题",
            "对{ins}缴费渠道变更有异议，线上缴费多次失败",
            "咨询{ins}断缴后补缴政策，对答复有异议",
        ),
        ("明确答复并协助办理", "改进服务", "给予书面答复"),
    ),
}

MAJOR_REASONS = (
    "涉及多个险种、金额较大，需专案研究",
    "涉及群体性诉求，需报组长同意专案处理",
    "政策适用存在争议，需多部门会商",
)
UNCLEAR_REASONS = ("职责不清，报送旗政府办按12345机制转办", "涉及多部门职能交叉，无法确定牵头部门")


# --- The life cycle -----------------------------------------------------------------------
# A path is the sequence of states a case passes through; each stage has the time limit that
# starts when the case arrives in it and a sampler of how many working days it stays.

Duration = Callable[[random.Random], int]


def _days(low: int, high: int, late: float = 0.0, late_high: int = 0) -> Duration:
    def sample(rng: random.Random) -> int:
        if late and rng.random() < late:
            return rng.randint(high + 1, late_high)
        return rng.randint(low, high)

    return sample


@dataclass(frozen=True)
class Stage:
    state: str
    limit: str | None
    duration: Duration | None  # None: the stage is final
    transition: str = ""  # name of the workflow step that enters the stage


DECIDED = Stage(CaseState.DECIDED, timelimits.FEEDBACK, _days(0, 2, 0.05, 5))
NOTIFIED = Stage(CaseState.NOTIFIED, timelimits.FOLLOW_UP, _days(1, 5, 0.05, 9))
FOLLOWING_UP = Stage(CaseState.FOLLOWING_UP, None, _days(1, 12))
REMEDY = Stage(CaseState.REMEDY_TRACKING, None, _days(20, 120))
ARCHIVED = Stage(CaseState.ARCHIVED, None, None)
TAIL = (DECIDED, NOTIFIED, FOLLOWING_UP, ARCHIVED)
TAIL_REMEDY = (DECIDED, NOTIFIED, REMEDY, ARCHIVED)

REGISTERED = Stage(CaseState.REGISTERED, timelimits.REVIEW, _days(0, 1, 0.06, 4), "register_review")
PATHS: dict[str, tuple[Stage, ...]] = {
    "own": (Stage(CaseState.OWN_HANDLING, timelimits.OWN_HANDLING, _days(1, 5, 0.08, 10), "register_own"), *TAIL),
    "inform": (Stage(CaseState.INFORMED, None, None, "register_inform"),),
    "general": (
        REGISTERED,
        Stage(CaseState.JOINT_HANDLING, timelimits.GENERAL_DECISION, _days(5, 15, 0.1, 25), "route_general"),
        *TAIL,
    ),
    "major": (
        REGISTERED,
        Stage(CaseState.AWAITING_APPROVAL, timelimits.LEADER_APPROVAL, _days(0, 2, 0.1, 5), "route_major"),
        Stage(CaseState.SPECIAL_HANDLING, timelimits.MAJOR_DECISION, _days(15, 40, 0.1, 60)),
        *TAIL,
    ),
    "unclear": (
        REGISTERED,
        Stage(CaseState.REFERRED, timelimits.REFERRAL_COMPLAINT, _days(3, 15, 0.1, 25), "route_unclear"),
        *TAIL,
    ),
    "merged": (REGISTERED, Stage(CaseState.MERGED, None, None, "merge")),
}
STALL_RATE = 0.012  # cases that stop moving in an open stage (the overdue ones)
REMEDY_RATE = 0.05  # payers who pursue a remedy after the result
MERGE_RATE = 0.3  # review cases of a payer with a recent earlier case that are merged into it
MERGE_WINDOW_DAYS = 20
EMPLOYER_SHARE = 0.14  # cases raised by an employer
REPEAT_PERSON = 0.3  # cases of a person who has come before
REPEAT_EMPLOYER = 0.4


# --- Identities ---------------------------------------------------------------------------


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(100_000_000):08d}"


def _org_code_check(body: str) -> str:
    """GB 11714 check character of an organisation code's eight digits."""
    total = sum(int(ch) * w for ch, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


@dataclass
class PersonId:
    key: str  # the resident ID number
    group: str


@dataclass
class DemoResult:
    cases: int = 0
    payers_created: int = 0
    payers_reused: int = 0
    departments: int = 0
    events: int = 0
    categories: int = 0
    numbers: dict[int, tuple[int, int]] = field(default_factory=dict)  # year → (first, last) seq
    states: dict[str, int] = field(default_factory=dict)


@dataclass
class _Plan:
    """One case before it becomes a row."""

    received_at: datetime
    number: str
    payer_key: str
    other_key: str
    group: str
    kind: str


class _Rows:
    """Inserts of prepared rows: ``INSERT … VALUES (%s, …)`` run once for many rows, the values
    already in the database's form. The ORM's ``bulk_create`` spends most of its time preparing
    each value of each model instance (measured: 1,700 cases/s, some ten minutes for a million);
    these rows are built directly. Case and payer ids are reserved first (other rows point to
    them); the rest take their ids from the database."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("sqlite", "postgresql"):
            raise DemoRefused(f"the demo generator supports SQLite and PostgreSQL, not {self.vendor}")
        ops = connection.ops
        self.date = ops.adapt_datefield_value
        self.json: Callable[[Any], Any] = lambda value: ops.adapt_json_value(value, None)
        self.decimal: Callable[[Decimal], Any] = lambda value: ops.adapt_decimalfield_value(value, 14, 2)

    def dt(self, value: datetime) -> Any:
        """An aware datetime as the backend stores it (SQLite: naive UTC text, as Django's
        ``adapt_datetimefield_value``; PostgreSQL: the datetime itself)."""
        if self.vendor == "sqlite":
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return value

    def ids(self, model: type[Any], n: int) -> list[int]:
        """Reserve ``n`` primary keys of ``model``'s table (inside the batch's transaction)."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                # The write lock is held from BEGIN IMMEDIATE: nobody else inserts meanwhile.
                cursor.execute(
                    f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {connection.ops.quote_name(table)}), 0))",
                    [table],
                )
                start = int(cursor.fetchone()[0]) + 1
                return list(range(start, start + n))
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cursor.fetchall()]

    def insert(self, model: type[Any], fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """SQLite: one prepared single-row statement run for every row (``executemany``).
        PostgreSQL: ``COPY … FROM STDIN``, the bulk-load path of PostgreSQL."""
        if not rows:
            return
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)  # names from the model only, never from input
        columns = ", ".join(qn(model._meta.get_field(name).column) for name in fields)
        with connection.cursor() as cursor:
            if self.vendor == "sqlite":
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
                return
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)


PAYER_FIELDS = (
    "id",
    "jurisdiction",
    "kind",
    "name",
    "payer_group",
    "id_number",
    "id_number_index",
    "credit_code",
    "phone",
    "phone_index",
    "address",
    "contact_name",
    "created_at",
    "updated_at",
)
CASE_FIELDS = (
    "id",
    "jurisdiction",
    "number",
    "township",
    "channel",
    "received_at",
    "receiving_department",
    "owner",
    "payer",
    "other_party",
    "summary",
    "claims",
    "disputed_amount",
    "state",
    "state_changed_at",
    "intake_outcome",
    "classification",
    "classification_reason",
    "informed_department",
    "informed_note",
    "due_on",
    "due_provisional",
    "due_limit",
    "due_from",
    "merged_into",
    "version",
    "created_at",
    # The kept to-do values (cases.kept): a demo case has no tasks, decisions, visits or
    # remedies, so every rule is false (the columns' defaults, written out: raw inserts).
    "decision_ready",
    "archive_ready",
    "archive_window_until",
)
PARTY_FIELDS = (
    "id",
    "identity",
    "kind",
    "name",
    "payer_group",
    "id_number",
    "credit_code",
    "phone",
    "address",
    "contact_name",
    "recorded_at",
)
CATEGORY_FIELDS = ("case", "disputecategory")
INVOLVEMENT_FIELDS = ("case", "department", "role")
INVOLVEMENT_FIELDS_AT = ("case", "department", "role", "added_at")
EVENT_FIELDS = ("case", "at", "actor", "kind", "from_state", "to_state", "summary", "data", "seq", "key_id", "link")
# The contexts of the payer's EncryptedTextField columns (app_label.Model.field).
ID_NUMBER_CONTEXT = "cases.Payer.id_number"
PHONE_CONTEXT = "cases.Payer.phone"
ADDRESS_CONTEXT = "cases.Payer.address"
PARTY_ID_NUMBER_CONTEXT = "cases.CaseParty.id_number"
PARTY_PHONE_CONTEXT = "cases.CaseParty.phone"
PARTY_ADDRESS_CONTEXT = "cases.CaseParty.address"


@dataclass
class _NewPayer:
    index: str  # blind index (persons) or "" (employers, found by credit code)
    kind: str
    name: str
    group: str
    id_number: str
    credit_code: str
    phone: str
    address: str
    contact_name: str


@dataclass
class _Case:
    """One case as planned: the row's values, and what its related rows need."""

    plan: _Plan
    codes: list[str]
    path: str
    stage_i: int
    state: str
    changed: datetime
    owner: tuple[int, str]
    outcome: IntakeOutcome
    channel: str
    classification: str
    reason: str
    informed_name: str
    routed_to: list[str]  # lead first, then co-handling departments (joint handling only)
    row: list[Any]


class Generator:
    """One run of the demo generator for one county (see the module docstring)."""

    def __init__(self, *, county: Jurisdiction, seed: int, years: int, password: str) -> None:
        self.county = county
        self.rng = random.Random(seed)
        self.years = years
        self.password = password
        self.now = timezone.localtime()
        self.today = self.now.date()
        self.tz = self.now.tzinfo
        self.result = DemoResult()
        self.rows = _Rows()
        # identity key (ID number or credit code) → payer pk; the identities used (for repeats)
        self.payer_pk: dict[str, int] = {}
        self.persons: list[PersonId] = []
        self.employers: list[str] = []
        self.last_case_of: dict[str, tuple[int, datetime]] = {}
        self.seen_ids: set[str] = set()
        self.new_payers: dict[str, _NewPayer] = {}
        # identity key → a case's party columns (kind, name, id, credit code, phone, address,
        # contact), encrypted once per identity for the CaseParty columns
        self.party_values: dict[str, tuple[Any, ...]] = {}

    # --- set-up: everything read once --------------------------------------------------

    def prepare(self) -> None:
        county = self.county
        departments = {d.code: d for d in Department.objects.filter(jurisdiction=county)}
        missing = [c for c in RECEIVING_DEPARTMENTS if c not in departments]
        if missing:
            raise DemoRefused(f"county {county.code} has no department {missing}: run setup_naiman first")
        self.dept_pk = {code: d.pk for code, d in departments.items()}
        self.dept_name = {code: d.short_name or d.name for code, d in departments.items()}
        self.categories = {c.code: c.pk for c in DisputeCategory.objects.filter(active=True)}
        if not self.categories:
            raise DemoRefused("no dispute categories: run setup_naiman first")
        self.category_pick = Weighted([(code, CATEGORY_WEIGHTS.get(code, 3.0)) for code in sorted(self.categories)])
        townships = list(Jurisdiction.objects.filter(parent=county, active=True).order_by("sort_order", "code"))
        if not townships:
            raise DemoRefused(f"county {county.code} has no townships: run setup_naiman first")
        self.townships = [(t.pk, t.name) for t in townships]
        self.township_pick = Weighted(
            [
                (i, 30.0 if t.name == "大沁他拉镇" else 12.0 if t.name == "大沁他拉街道" else 4.0)
                for i, t in enumerate(townships)
            ]
        )
        clerks = self._clerks()
        if any(not clerks.get(c) for c in RECEIVING_DEPARTMENTS):
            demo_staff_create(county=county, password=self.password)
            clerks = self._clerks()
        self.clerks = {code: clerks[code] for code in RECEIVING_DEPARTMENTS}
        office = (
            Staff.objects.filter(department__jurisdiction=county, is_active=True, roles__role=Role.GROUP_OFFICE)
            .order_by("pk")
            .first()
        )
        self.office_pk: int | None = office.pk if office else None
        self.receiving_pick = Weighted([(c, RECEIVING_WEIGHTS[c]) for c in RECEIVING_DEPARTMENTS])
        self.transition_labels = {name: str(t.label) for name, t in TRANSITIONS.items()}
        self.outcome_labels = {o: str(o.label) for o in IntakeOutcome}
        self.has_payers = Payer.objects.filter(jurisdiction=county).exists()
        self._calendar()

    def _clerks(self) -> dict[str, list[tuple[int, str]]]:
        rows = (
            Staff.objects.filter(
                department__jurisdiction=self.county,
                department__code__in=RECEIVING_DEPARTMENTS,
                is_active=True,
                roles__role=Role.INTAKE_CLERK,
            )
            .select_related("department")
            .order_by("pk")
            .distinct()
        )
        clerks: dict[str, list[tuple[int, str]]] = {}
        for staff in rows:
            assert staff.department is not None
            clerks.setdefault(staff.department.code, []).append((staff.pk, str(staff)))
        return clerks

    def _calendar(self) -> None:
        """Working days of the period (and a margin after today for deadlines), from the
        calendar once per day; deadlines per (limit, start day) through a cache."""
        # No case is received before the mechanism began (core.dates), as at real intake.
        first = max(self.today - timedelta(days=365 * self.years), dates.mechanism_start())
        day = first
        self.workdays: list[date] = []
        while day <= self.today + timedelta(days=200):
            if calendar.is_working_day(day):
                self.workdays.append(day)
            day += timedelta(days=1)
        self.today_idx = bisect_right(self.workdays, self.today) - 1  # last working day ≤ today
        self.limits = {row.code: row for row in TimeLimit.objects.all()}
        self._due: dict[tuple[str, date], calendar.DueDate] = {}
        # Intake days: working days up to today (today only once the office has opened).
        self.intake_days = [d for d in self.workdays if d < self.today]
        if not self.intake_days:
            raise DemoRefused(f"no working day between the mechanism's start ({first}) and today")
        self.today_open_minute = 0
        minute_now = self.now.hour * 60 + self.now.minute
        if self.workdays[self.today_idx] == self.today and minute_now > 8 * 60 + 40:
            self.intake_days.append(self.today)
            self.today_open_minute = min(minute_now - 5, 18 * 60)

    def due(self, code: str, start: date) -> calendar.DueDate:
        key = (code, start)
        found = self._due.get(key)
        if found is None:
            row = self.limits[code]
            if row.unit == TimeLimitUnit.WORKING_DAYS:
                found = calendar.add_working_days(start, row.amount)
            else:
                found = calendar.add_calendar_days(start, row.amount)
            self._due[key] = found
        return found

    # --- intake moments and numbers ------------------------------------------------------

    def received_times(self, n: int) -> list[int]:
        """``n`` intake moments as (day index × 1440 + minute), sorted: office hours on working
        days, more in the morning."""
        rng = self.rng
        days = len(self.intake_days)
        last = days - 1
        moments = []
        for _ in range(n):
            i = rng.randrange(days)
            if i == last and self.today_open_minute:
                minute = rng.randint(8 * 60 + 30, self.today_open_minute)
            elif rng.random() < 0.58:
                minute = rng.randint(8 * 60 + 30, 11 * 60 + 59)
            else:
                minute = rng.randint(14 * 60 + 30, 17 * 60 + 59)
            moments.append(i * 1440 + minute)
        moments.sort()
        return moments

    def numbers_reserve(self, moments: list[int]) -> dict[int, tuple[str, int]]:
        """Reserve a block of numbers per year (one short transaction, rows locked), so intake
        going on meanwhile takes numbers after the block. Returns year → (pattern, first seq)."""
        per_year: dict[int, int] = {}
        for m in moments:
            year = self.intake_days[m // 1440].year
            per_year[year] = per_year.get(year, 0) + 1
        reserved: dict[int, tuple[str, int]] = {}
        with transaction.atomic():
            for year, count in sorted(per_year.items()):
                CaseNumbering.objects.get_or_create(jurisdiction=self.county, year=year)
                row = CaseNumbering.objects.select_for_update().get(jurisdiction=self.county, year=year)
                first = row.last + 1
                row.last += count
                row.save(update_fields=["last"])
                reserved[year] = (row.pattern, first)
                self.result.numbers[year] = (first, row.last)
        return reserved

    # --- payers --------------------------------------------------------------------------

    def _name(self, male: bool) -> str:
        rng = self.rng
        surname = SURNAMES.pick(rng)
        if surname in MONGOLIAN_SURNAMES or rng.random() < 0.06:
            return surname + rng.choice(MONGOLIAN_MALE if male else MONGOLIAN_FEMALE)
        chars = GIVEN_MALE if male else GIVEN_FEMALE
        given = rng.choice(chars) if rng.random() < 0.3 else rng.choice(chars) + rng.choice(chars)
        return surname + given

    def _township_name(self) -> str:
        return self.townships[self.township_pick.pick(self.rng)][1]

    def _address(self, region: str) -> str:
        rng = self.rng
        if region == "150502":
            return f"通辽市科尔沁区{rng.choice(COMMUNITIES)}小区{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元"
        town = self._township_name()
        if town.startswith("大沁他拉"):
            return (
                f"{self.county.name}{town}{rng.choice(COMMUNITIES)}小区"
                f"{rng.randint(1, 40)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 6)}0{rng.randint(1, 4)}室"
            )
        village = rng.choice(VILLAGES) + ("嘎查" if rng.random() < 0.5 else "村")
        return f"{self.county.name}{town}{village}{rng.randint(1, 300)}号"

    def person_new(self) -> PersonId:
        """A person never seen in this run: a valid GB 11643 number (region, birth date fitting
        the group, sequence odd for men and even for women, check character)."""
        rng = self.rng
        group = PERSON_GROUPS.pick(rng)
        low, high = BIRTH_YEARS[group]
        male = rng.random() < 0.52
        while True:
            region = ID_REGIONS.pick(rng)
            born = date(rng.randint(low, high), 1, 1) + timedelta(days=rng.randrange(365))
            seq = rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in self.seen_ids:
                break
        self.seen_ids.add(number)
        self.new_payers[number] = _NewPayer(
            index=crypto.blind_index(number, purpose=RESIDENT_ID_PURPOSE),
            kind=PayerKind.PERSON,
            name=self._name(male),
            group=group,
            id_number=number,
            credit_code="",
            phone=_mobile(rng),
            address=self._address(region) if rng.random() < 0.7 else "",
            contact_name="",
        )
        person = PersonId(number, group)
        self.persons.append(person)
        return person

    def employer_new(self) -> str:
        """An employer never seen in this run: a valid GB 32100 code (with a valid GB 11714
        organisation code inside) and a name of its kind."""
        rng = self.rng
        while True:
            prefix, template = EMPLOYER_KINDS.pick(rng)
            region = EMPLOYER_REGIONS.pick(rng)
            body = f"{rng.randrange(100_000_000):08d}"
            first17 = f"{prefix}{region}{body}{_org_code_check(body)}"
            code = first17 + social_credit_check_char(first17)
            if code not in self.seen_ids:
                break
        self.seen_ids.add(code)
        name = template.format(
            county=self.county.name if region == self.county.code else "通辽市",
            town=self._township_name(),
            a=rng.choice(FIRM_WORDS_A),
            b=rng.choice(FIRM_WORDS_B),
            trade=FIRM_TRADES.pick(rng),
            n=rng.choice("一二三四五六七八"),
        )
        self.new_payers[code] = _NewPayer(
            index="",
            kind=PayerKind.EMPLOYER,
            name=name,
            group=PayerGroup.EMPLOYER,
            id_number="",
            credit_code=code,
            phone=_mobile(rng),
            address=self._address(region) if rng.random() < 0.8 else "",
            contact_name=self._name(rng.random() < 0.5),
        )
        self.employers.append(code)
        return code

    def _repeat(self, pool: Sequence[T]) -> T:
        # Skewed towards the recent: a payer who came lately is likelier to come again soon.
        return pool[int(len(pool) * math.sqrt(self.rng.random()))]

    def person_pick(self) -> PersonId:
        if self.persons and self.rng.random() < REPEAT_PERSON:
            return self._repeat(self.persons)
        return self.person_new()

    def employer_pick(self) -> str:
        if self.employers and self.rng.random() < REPEAT_EMPLOYER:
            return self._repeat(self.employers)
        return self.employer_new()

    def payers_save(self, first_seen: dict[str, datetime]) -> None:
        """Insert the batch's new payers, reusing the rows a previous run made for the same
        identity (found by blind index or credit code: the unique constraints hold)."""
        pending = self.new_payers
        self.new_payers = {}
        if not pending:
            return
        if self.has_payers:
            persons = {p.index: key for key, p in pending.items() if p.index}
            employers = [key for key, p in pending.items() if p.credit_code]
            base = Payer.objects.filter(jurisdiction=self.county)
            found: list[tuple[str, int]] = []
            index_keys = list(persons)
            for i in range(0, len(index_keys), LOOKUP_CHUNK):
                same = base.filter(id_number_index__in=index_keys[i : i + LOOKUP_CHUNK])
                found += [(persons[index], pk) for index, pk in same.values_list("id_number_index", "pk")]
            for i in range(0, len(employers), LOOKUP_CHUNK):
                same = base.filter(credit_code__in=employers[i : i + LOOKUP_CHUNK])
                found += list(same.values_list("credit_code", "pk"))
            for key, pk in found:
                self.payer_pk[key] = pk
                del pending[key]
            self.result.payers_reused += len(found)
            by_pk = {pk: key for key, pk in found}
            pks = list(by_pk)
            for i in range(0, len(pks), LOOKUP_CHUNK):
                for old in Payer.objects.filter(pk__in=pks[i : i + LOOKUP_CHUNK]):
                    self.party_values[by_pk[old.pk]] = self._party_values(
                        old.kind, old.name, old.id_number, old.credit_code, old.phone, old.address, old.contact_name
                    )
        ids = self.rows.ids(Payer, len(pending))
        rows: list[tuple[Any, ...]] = []
        county_pk = self.county.pk
        dt = self.rows.dt
        for pk, (key, p) in zip(ids, pending.items(), strict=True):
            self.payer_pk[key] = pk
            self.party_values[key] = self._party_values(
                p.kind, p.name, p.id_number, p.credit_code, p.phone, p.address, p.contact_name
            )
            at = dt(first_seen[key])
            rows.append(
                (
                    pk,
                    county_pk,
                    p.kind,
                    p.name,
                    p.group,
                    crypto.encrypt(p.id_number, context=ID_NUMBER_CONTEXT) if p.id_number else "",
                    p.index,
                    p.credit_code,
                    crypto.encrypt(p.phone, context=PHONE_CONTEXT),
                    crypto.blind_index(p.phone, purpose=PHONE_PURPOSE),
                    crypto.encrypt(p.address, context=ADDRESS_CONTEXT) if p.address else "",
                    p.contact_name,
                    at,
                    at,
                )
            )
        self.rows.insert(Payer, PAYER_FIELDS, rows)
        self.result.payers_created += len(rows)

    @staticmethod
    def _party_values(
        kind: str, name: str, id_number: str, credit_code: str, phone: str, address: str, contact_name: str
    ) -> tuple[Any, ...]:
        return (
            kind,
            name,
            crypto.encrypt(id_number, context=PARTY_ID_NUMBER_CONTEXT) if id_number else "",
            credit_code,
            crypto.encrypt(phone, context=PARTY_PHONE_CONTEXT) if phone else "",
            crypto.encrypt(address, context=PARTY_ADDRESS_CONTEXT) if address else "",
            contact_name,
        )

    def _party_row(self, pk: int, key: str, group: str, at: Any) -> tuple[Any, ...]:
        """A case's party as registered: the identity's details when the case came in."""
        kind, name, id_number, credit_code, phone, address, contact_name = self.party_values[key]
        return (pk, self.payer_pk[key], kind, name, group, id_number, credit_code, phone, address, contact_name, at)

    # --- cases ---------------------------------------------------------------------------

    def _at(self, day: date, after: datetime) -> datetime:
        """A moment in office hours on ``day``, after ``after`` and not after now."""
        rng = self.rng
        minute = rng.randint(8 * 60 + 30, 17 * 60 + 59)
        moment = datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=self.tz)
        if moment <= after:
            moment = after + timedelta(minutes=rng.randint(3, 90))
        return min(moment, self.now)

    def batch(self, moments: Sequence[int], reserved: dict[int, tuple[str, int]], seq: dict[int, int]) -> None:
        """Plan and write one batch of cases with their payers, categories, departments and
        events (called inside the batch's transaction)."""
        rng = self.rng
        county = self.county
        plans: list[_Plan] = []
        first_seen: dict[str, datetime] = {}
        for m in moments:
            day_i, minute = divmod(m, 1440)
            day = self.intake_days[day_i]
            received = datetime(
                day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60), tzinfo=self.tz
            )
            pattern, _first = reserved[day.year]
            number = pattern.format(code=county.code, year=day.year, seq=seq[day.year])
            seq[day.year] += 1
            other_key = ""
            if rng.random() < EMPLOYER_SHARE:
                kind = PayerKind.EMPLOYER.value
                payer_key = self.employer_pick()
                group = PayerGroup.EMPLOYER.value
            else:
                kind = PayerKind.PERSON.value
                person = self.person_pick()
                payer_key, group = person.key, person.group
                if group == PayerGroup.EMPLOYEE and rng.random() < 0.3:
                    other_key = self.employer_pick()
            first_seen.setdefault(payer_key, received)
            if other_key:
                first_seen.setdefault(other_key, received)
            plans.append(_Plan(received, number, payer_key, other_key, group, kind))
        self.payers_save(first_seen)

        planned = [self._case(plan) for plan in plans]
        ids = self.rows.ids(Case, len(planned))
        party_ids = iter(self.rows.ids(CaseParty, len(planned) + sum(1 for c in planned if c.plan.other_key)))
        parties: list[tuple[Any, ...]] = []
        dt = self.rows.dt
        case_rows: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        receiving: list[tuple[Any, ...]] = []
        routed: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        states = self.result.states
        for pk, c in zip(ids, planned, strict=True):
            row = c.row
            row[0] = pk
            row[8] = next(party_ids)
            parties.append(self._party_row(row[8], c.plan.payer_key, c.plan.group, row[5]))
            if c.plan.other_key:
                row[9] = next(party_ids)
                parties.append(self._party_row(row[9], c.plan.other_key, PayerGroup.EMPLOYER.value, row[5]))
            case_rows.append(tuple(row))
            links.extend((pk, self.categories[code]) for code in c.codes)
            received_db = row[5]  # received_at, already adapted
            receiving.append((pk, row[6], CaseDepartment.Role.RECEIVING.value, received_db))
            events.extend(self._events(pk, c, received_db))
            if c.routed_to:
                routed_at = dt(self._routed_at(c))
                routed.extend(
                    (pk, self.dept_pk[d], "lead" if i == 0 else "co", routed_at) for i, d in enumerate(c.routed_to)
                )
            self.last_case_of[c.plan.payer_key] = (pk, c.plan.received_at)
            states[c.state] = states.get(c.state, 0) + 1
        self.rows.insert(CaseParty, PARTY_FIELDS, parties)
        self.rows.insert(Case, CASE_FIELDS, case_rows)
        self.rows.insert(Case.categories.through, CATEGORY_FIELDS, links)
        self.rows.insert(CaseDepartment, INVOLVEMENT_FIELDS_AT, receiving + routed)
        self.rows.insert(CaseEvent, EVENT_FIELDS, events)
        self.result.cases += len(case_rows)
        self.result.categories += len(links)
        self.result.departments += len(receiving) + len(routed)
        self.result.events += len(events)

    def _case(self, plan: _Plan) -> _Case:
        rng = self.rng
        codes = [(EMPLOYER_CATEGORIES if plan.kind == PayerKind.EMPLOYER else self.category_pick).pick(rng)]
        if rng.random() < 0.3:
            second = self.category_pick.pick(rng)
            if second not in codes:
                codes.append(second)
        lead = ROUTING.get(codes[0], ("tax", [], ""))[0]
        receiving = lead if lead in RECEIVING_DEPARTMENTS and rng.random() < 0.6 else self.receiving_pick.pick(rng)
        # The outcome at the window follows from whose duty the matter is.
        r = rng.random()
        if len(codes) > 1:
            outcome = IntakeOutcome.OWN if r < 0.15 else IntakeOutcome.REVIEW
        elif receiving == lead:
            outcome = IntakeOutcome.OWN if r < 0.7 else IntakeOutcome.REVIEW
        else:
            outcome = IntakeOutcome.INFORM if r < 0.4 else IntakeOutcome.OWN if r < 0.55 else IntakeOutcome.REVIEW
        merge_into: int | None = None
        if outcome == IntakeOutcome.REVIEW:
            r = rng.random()
            path = "general" if r < 0.72 else "major" if r < 0.84 else "unclear"
            earlier = self.last_case_of.get(plan.payer_key)
            # A duplicate is merged into the payer's case of the last weeks (still open then).
            if earlier and (plan.received_at - earlier[1]).days <= MERGE_WINDOW_DAYS and rng.random() < MERGE_RATE:
                path = "merged"
                merge_into = earlier[0]
        else:
            path = outcome.value
        stages = PATHS[path]
        if rng.random() < REMEDY_RATE and stages[-1] is ARCHIVED:
            stages = (*stages[: -len(TAIL)], *TAIL_REMEDY)
        # Walk the stages until today; a stalled case stops in its first stage with a limit
        # after intake and is overdue once that limit has passed.
        start_i = bisect_right(self.workdays, plan.received_at.date()) - 1
        stall = rng.random() < STALL_RATE
        stage_i = 0
        for stage_i, stage in enumerate(stages):
            if stage.duration is None or (stall and stage.limit and stage_i > 0):
                break
            next_i = start_i + stage.duration(rng)
            if next_i > self.today_idx:
                break
            start_i = next_i
        stage = stages[stage_i]
        stage_day = self.workdays[start_i]
        changed = plan.received_at if stage_i == 0 else self._at(stage_day, plan.received_at)
        due_on: Any = None
        provisional = False
        if stage.limit:
            due = self.due(stage.limit, stage_day)
            due_on, provisional = self.rows.date(due.day), due.provisional

        amount: Decimal | None = None
        if any(code in AMOUNT_CATEGORIES for code in codes):
            scale = 500_000 if plan.kind == PayerKind.EMPLOYER else 60_000
            amount = Decimal(f"{math.exp(rng.uniform(math.log(80), math.log(scale))):.2f}")
        slots = {
            "year": plan.received_at.year - rng.randint(0, 2),
            "ins": rng.choice(INSURANCES[plan.group]),
            "months": rng.randint(2, 18),
            "amount": f"{amount:,.2f}" if amount is not None else "若干",
            "wage": rng.randrange(2200, 9000, 100),
        }
        summaries = []
        claims = []
        for code in codes:
            summary_t, claims_t = TEMPLATES.get(code, TEMPLATES["10"])
            summaries.append(rng.choice(summary_t).format(**slots))
            claims.append(rng.choice(claims_t).format(**slots))
        owner = rng.choice(self.clerks[receiving])
        was_routed = path in ("general", "major", "unclear") and stage_i > 0
        classification = ""
        reason = ""
        if was_routed:
            classification = {"general": Classification.GENERAL, "major": Classification.MAJOR}.get(
                path, Classification.UNCLEAR
            ).value
            if path == "major":
                reason = rng.choice(MAJOR_REASONS)
            elif path == "unclear":
                reason = rng.choice(UNCLEAR_REASONS)
        informed = None
        informed_name = note = ""
        if path == "inform":
            target = lead if lead != receiving else rng.choice([c for c in RECEIVING_DEPARTMENTS if c != receiving])
            informed = self.dept_pk.get(target)
            informed_name = self.dept_name.get(target, target)
            note = f"请携带身份证件前往{informed_name}窗口办理"
        routed_to: list[str] = []
        if path == "general" and was_routed:
            for code in codes:
                c_lead, c_co, _basis = ROUTING.get(code, ("tax", [], ""))
                for d in [c_lead, *c_co]:
                    if d not in routed_to and d in self.dept_pk:
                        routed_to.append(d)
            routed_to = routed_to[: 1 + rng.randint(1, 3)]  # the lead first, then 1–3 co-handlers
        channel = CHANNELS.pick(rng)
        received_db = self.rows.dt(plan.received_at)
        row: list[Any] = [
            None,  # id, set when the batch's ids are reserved
            self.county.pk,
            plan.number,
            self.townships[self.township_pick.pick(rng)][0],
            channel,
            received_db,
            self.dept_pk[receiving],
            owner[0],
            None,  # payer: the case's own party row, set with the batch's ids
            None,  # other_party
            "；".join(summaries),
            "；".join(claims),
            self.rows.decimal(amount) if amount is not None else None,
            stage.state,
            self.rows.dt(changed),
            outcome.value,
            classification,
            reason,
            informed,
            note,
            due_on,
            provisional,
            (stage.limit or "") if due_on is not None else "",  # how due_on was computed (recomputable)
            self.rows.date(stage_day) if due_on is not None else None,
            merge_into if stage.state == CaseState.MERGED else None,
            1 + stage_i,  # version: one more for every transition taken
            received_db,  # created_at: registered when received
            False,  # decision_ready
            False,  # archive_ready
            None,  # archive_window_until
        ]
        return _Case(
            plan=plan,
            codes=codes,
            path=path,
            stage_i=stage_i,
            state=stage.state,
            changed=changed,
            owner=owner,
            outcome=outcome,
            channel=channel,
            classification=classification,
            reason=reason,
            informed_name=informed_name,
            routed_to=routed_to,
            row=row,
        )

    def _routed_at(self, c: _Case) -> datetime:
        """When review moved the case on: its last change if that was the review, else soon
        after intake."""
        if c.stage_i == 1:
            return c.changed
        return min(c.plan.received_at + timedelta(hours=2), self.now)

    def _events(self, pk: int, c: _Case, received_db: Any) -> list[tuple[Any, ...]]:
        """The events intake (and review, for routed cases) would have written, each linked to
        the one before it as ``CaseEvent.save`` links them (``cases.chain``)."""
        stages = PATHS[c.path]
        first = stages[0]
        owner_pk, owner_name = c.owner
        received = c.plan.received_at
        # (at, at as stored, actor, kind, from, to, summary, data)
        planned: list[tuple[datetime, Any, int | None, str, str, str, str, dict[str, Any]]] = [
            (
                received,
                received_db,
                owner_pk,
                EventKind.REGISTERED.value,
                "",
                first.state,
                f"{owner_name} 受理登记（{self.outcome_labels[c.outcome]}）",
                {"transition": first.transition, "channel": c.channel, "categories": c.codes, "demo": True},
            )
        ]
        if c.path == "inform":
            planned.append(
                (
                    received,
                    received_db,
                    owner_pk,
                    EventKind.INFORMED.value,
                    "",
                    "",
                    f"书面告知缴费人前往{c.informed_name}办理",
                    {"note": f"请携带身份证件前往{c.informed_name}窗口办理", "demo": True},
                )
            )
        elif c.stage_i >= 1 and stages[1].transition:
            second = stages[1]
            data: dict[str, Any] = {"transition": second.transition, "demo": True}
            actor = owner_pk
            if c.path != "merged":
                actor = self.office_pk or owner_pk
                data.update(classification=c.classification, reason=c.reason, departments=c.routed_to)
            routed_at = self._routed_at(c)
            planned.append(
                (
                    routed_at,
                    self.rows.dt(routed_at),
                    actor,
                    EventKind.TRANSITION.value,
                    first.state,
                    second.state,
                    self.transition_labels[second.transition],
                    data,
                )
            )
        events: list[tuple[Any, ...]] = []
        prev = timeline_chain.GENESIS
        for seq, (at, at_db, actor_pk, kind, from_state, to_state, summary, values) in enumerate(planned, 1):
            values = timeline_chain.stored_json(values)
            key_id, prev = timeline_chain.event_link(
                prev, pk, seq, at, actor_pk, kind, from_state, to_state, summary, values
            )
            row = (pk, at_db, actor_pk, kind, from_state, to_state, summary, self.rows.json(values), seq, key_id, prev)
            events.append(row)
        return events


@dataclass
class _Tuning:
    """Connection settings changed for the generator's run, and what to put back."""

    restore: list[str] = field(default_factory=list)


def _tune() -> _Tuning:
    """Bulk-load settings for this connection only: on SQLite no fsync per commit and a larger
    page cache; on PostgreSQL asynchronous commit and, for a superuser, no per-row foreign-key
    triggers (``session_replication_role = replica``, the setting of bulk restores). Django's
    foreign keys are deferred: each COPYed row queued one check per key (about 18 a case), run
    at COMMIT as an index lookup and a row lock in the referenced table; they took ~40 % of the
    server's time and grew with the tables (the rate fell from ~2,400 to under 1,000 cases/s
    over a million). The generator makes every reference itself (module docstring), and the
    tests, which run inside a transaction where nothing is changed here, have the constraints
    checked. Restored afterwards."""
    tuning = _Tuning()
    if connection.in_atomic_block:
        return tuning
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for pragma, value in (("synchronous", "OFF"), ("cache_size", "-262144"), ("temp_store", "MEMORY")):
                cursor.execute(f"PRAGMA {pragma}")
                old = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA {pragma}={value}")
                tuning.restore.append(f"PRAGMA {pragma}={old}")
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit = off")
            tuning.restore.append("RESET synchronous_commit")
            cursor.execute("SHOW is_superuser")
            if cursor.fetchone()[0] == "on":
                cursor.execute("SET session_replication_role = replica")
                tuning.restore.append("RESET session_replication_role")
    return tuning


def _untune(tuning: _Tuning) -> None:
    with connection.cursor() as cursor:
        for statement in tuning.restore:
            cursor.execute(statement)


def demo_cases_generate(
    *,
    county: Jurisdiction,
    cases: int,
    seed: int = 42,
    batch: int = 5000,
    years: int = 2,
    password: str = "",
    progress: Callable[[int], object] | None = None,
) -> DemoResult:
    """Add ``cases`` realistic cases to ``county``, received over the last ``years`` years, in
    transactions of ``batch`` cases. Safe to run again: it adds more (see the module docstring).
    ``progress`` is called with the number of cases written after every batch."""
    if getattr(settings, "PRODUCTION", False):
        raise DemoRefused("demo data is never generated in production")
    if cases < 0 or batch < 1 or years < 1:
        raise ValueError("cases >= 0, batch >= 1 and years >= 1 are required")
    gen = Generator(county=county, seed=seed, years=years, password=password)
    gen.prepare()
    if not cases:
        return gen.result
    moments = gen.received_times(cases)
    reserved = gen.numbers_reserve(moments)
    seq = {year: first for year, (_pattern, first) in reserved.items()}
    tuning = _tune()
    try:
        for i in range(0, cases, batch):
            chunk = moments[i : i + batch]
            with transaction.atomic():
                gen.batch(chunk, reserved, seq)
            if progress is not None:
                progress(len(chunk))
    finally:
        _untune(tuning)
    statistics_update()
    return gen.result


# The tables the generator fills, whose statistics it brings up to date at the end.
FILLED = (Payer, CaseParty, Case, Case.categories.through, CaseDepartment, CaseEvent)


def statistics_update() -> None:
    """``ANALYZE`` the tables just filled, so the query planner knows their sizes and the spread
    of their indexed columns: without statistics SQLite guessed plans that walked a million
    cases (registration fell to 5 requests/s at 1,000,000 cases and rose to 70–86 after
    ``ANALYZE``; issue 12). PostgreSQL also gets ``VACUUM`` first, outside a transaction:
    it sets the visibility map of the freshly loaded pages, so index-only scans (the capped
    counts) need not visit the table."""
    qn = connection.ops.quote_name
    tables = [qn(model._meta.db_table) for model in FILLED]  # names from the models only
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{verb} {', '.join(tables)}")
        else:
            # Full statistics, whatever analysis_limit the connection has: a sampled ANALYZE at a
            # million cases made every index of cases_case look alike (core.sqlite).
            cursor.execute("PRAGMA analysis_limit")
            limit = int(cursor.fetchone()[0])
            cursor.execute("PRAGMA analysis_limit=0")
            try:
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")
            finally:
                cursor.execute(f"PRAGMA analysis_limit={limit}")
