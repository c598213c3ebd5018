"""争议案件: payers, cases, the ten dispute categories, routing rules, links, attachments
and the append-only timeline (三(三), 四(一)(二))."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from fengqiao.cases import chain
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.core.choices import ChoiceLabels
from fengqiao.core.crypto import EncryptedTextField
from fengqiao.core.models import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet  # noqa: F401 (AppendOnlyError read with the case models)
from fengqiao.org.models import Department, Jurisdiction


class DisputeCategory(models.Model):
    """争议事项 — one of the categories of 三(三) (ten by default; administrators may add).

    ``group`` ties related categories together for duplicate detection: a new dispute about
    the contribution amount is shown beside an open one about the contribution base."""

    code = models.CharField(_("编号"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    description = models.TextField(_("说明"), blank=True)
    group = models.CharField(_("关联组"), max_length=32, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("争议事项类别")
        verbose_name_plural = _("争议事项类别")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PayerKind(models.TextChoices):
    PERSON = "person", _("个人")
    EMPLOYER = "employer", _("用人单位")


class PayerGroup(models.TextChoices):
    """争议群体 for the monthly analysis (四(六))."""

    EMPLOYEE = "employee", _("职工")
    FLEXIBLE = "flexible", _("灵活就业人员")
    RESIDENT = "resident", _("城乡居民")
    RETIREE = "retiree", _("退休人员")
    EMPLOYER = "employer", _("用人单位")
    OTHER = "other", _("其他")


class RoutingRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    CO = "co", _("协办")


class RoutingRule(models.Model):
    """审核转办 routing: which department handles a category (三(二) department duties).

    Rules are data. The reviewer sees the departments the rules propose for the case's
    categories and payer kind, and confirms or changes them."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE)
    category = models.ForeignKey(DisputeCategory, verbose_name=_("争议事项"), on_delete=models.CASCADE)
    payer_kind = models.CharField(
        _("缴费人类型"),
        max_length=16,
        choices=PayerKind.choices,
        blank=True,
        help_text=_("留空表示不限"),
    )
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.CASCADE)
    role = models.CharField(_("作用"), max_length=8, choices=RoutingRole.choices)
    basis = models.CharField(_("依据"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("转办规则")
        verbose_name_plural = _("转办规则")
        ordering = ["category", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "category", "payer_kind", "department"],
                name="cases_routing_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.department}（{self.get_role_display()}）"


class Payer(models.Model):
    """缴费人 — a person or an employer (用人单位) who raises a dispute, or the other party.

    Personal data (五(三)): the ID number, phone numbers and address are stored SM4-GCM
    encrypted; ``*_index`` columns hold keyed SM3 blind indexes so the same person is found
    again without decrypting. An employer's unified social credit code is public
    registration data and is stored as it is."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT)
    kind = models.CharField(_("类型"), max_length=16, choices=PayerKind.choices)
    name = models.CharField(_("姓名/单位名称"), max_length=128)
    payer_group = models.CharField(_("缴费人群体"), max_length=16, choices=PayerGroup.choices)
    id_number = EncryptedTextField(_("公民身份号码"), blank=True)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = EncryptedTextField(_("地址"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    #: The blind indexes and what they are computed from (index field: (source field, purpose of
    #: ``crypto.blind_index``, as cases.services computes them)): ``keys_rotate`` recomputes them.
    blind_indexes: ClassVar[dict[str, tuple[str, str]]] = {
        "id_number_index": ("id_number", "resident_id"),
        "phone_index": ("phone", "phone"),
    }

    class Meta:
        verbose_name = _("缴费人")
        verbose_name_plural = _("缴费人")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="cases_payer_person_unique",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "credit_code"],
                condition=~models.Q(credit_code=""),
                name="cases_payer_employer_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseParty(ChoiceLabels, models.Model):
    """争议当事人（登记时）— a party of one case as the clerk registered it (四(一) 缴费人基本情况、
    联系方式): the payer, or the other party of the dispute.

    A case keeps its parties as they were registered: a later case of the same person under
    another name, phone or address never changes this one. ``identity`` is the shared
    ``Payer`` behind the blind index (the same person found again, duplicates, repeat
    payers). Correcting a person's details is its own recorded step
    (``fengqiao.cases.services.party_correct``); it changes the open cases only, never a
    closed or sealed (archived) one. Personal data is SM4-GCM encrypted as on ``Payer``."""

    identity = models.ForeignKey(
        Payer, verbose_name=_("缴费人（身份）"), on_delete=models.PROTECT, related_name="registrations"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=PayerKind.choices)
    name = models.CharField(_("姓名/单位名称"), max_length=128)
    payer_group = models.CharField(_("缴费人群体"), max_length=16, choices=PayerGroup.choices)
    id_number = EncryptedTextField(_("公民身份号码"), blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    address = EncryptedTextField(_("地址"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("案件当事人")
        verbose_name_plural = _("案件当事人")
        # The case list's search by name (``selectors._search_matches``): an exact name is an index seek.
        indexes = [models.Index(fields=["name"], name="cases_party_name")]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    """受理渠道."""

    WINDOW = "window", _("窗口来访")
    PHONE = "phone", _("电话（12366等）")
    HOTLINE = "hotline", _("12345热线")
    ONLINE = "online", _("网上")
    PETITION = "petition", _("信访")
    PUBLIC_OPINION = "public_opinion", _("舆情线索")
    TRANSFER = "transfer", _("其他部门转来")


class CaseNumbering(models.Model):
    """How one county numbers its cases, and the counter behind it.

    ``pattern`` is a ``str.format`` template with ``{code}`` (the county's region code),
    ``{year}`` and ``{seq}``; the row for a county and year is locked while a number is taken,
    so concurrent intake never issues the same number twice."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)
    pattern = models.CharField(_("编号格式"), max_length=64, default="{code}-{year}-{seq:06d}")

    class Meta:
        verbose_name = _("案件编号")
        verbose_name_plural = _("案件编号")
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "year"], name="cases_numbering_unique")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.year}"


#: ``cases.kept.KEPT_FIELDS``: written by ``kept.refresh`` only, never by ``Case.save``.
KEPT_COLUMNS = frozenset({"decision_ready", "archive_ready", "archive_window_until"})


class StateGuardedQuerySet(models.QuerySet["Case"]):
    """Refuses ``update(state=...)``: the state only changes through the workflow."""

    def update(self, **kwargs: Any) -> int:
        if "state" in kwargs and not kwargs.pop("_via_workflow", False):
            raise StateChangeRefused("案件状态只能通过办理流程变更 (use fengqiao.cases.workflow.transition)")
        return super().update(**kwargs)


class StateChangeRefused(Exception):
    """Someone tried to set a case's state outside the workflow."""


class Case(ChoiceLabels, models.Model):
    """社会保险费征缴争议 — one matter a payer raises, from 一站受理 to 案卷归档.

    The first receiver (``owner``, 首问责任人) owns it to the end. ``state`` changes only
    through ``fengqiao.cases.workflow.transition``: ``save()`` refuses a changed state that
    did not come from there. ``version`` rises with every write, so an edit made on a stale
    page is refused instead of overwriting someone else's. The one other writer is the demo
    generator (``fengqiao.cases.demo``), which inserts demo cases in bulk and keeps the same
    invariants itself; it never runs in production."""

    #: Set by ``services.case_register`` on the case it returns: the rows it wrote, by relation
    #: name, for the registration's answer (not a field; absent on a case read from the database).
    written_rows: dict[str, list[Any]]

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.PROTECT, related_name="cases"
    )
    number = models.CharField(_("案件编号"), max_length=40)
    township = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("事项所在辖区"),
        on_delete=models.PROTECT,
        related_name="township_cases",
    )
    channel = models.CharField(_("受理渠道"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("来访（受理）时间"))
    receiving_department = models.ForeignKey(
        Department,
        verbose_name=_("受理部门"),
        on_delete=models.PROTECT,
        related_name="received_cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("首问责任人"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    # The parties as registered on this case (``CaseParty``); ``payer.identity`` is the person.
    payer = models.ForeignKey(CaseParty, verbose_name=_("缴费人"), on_delete=models.PROTECT, related_name="cases")
    other_party = models.ForeignKey(
        CaseParty,
        verbose_name=_("争议另一方"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_as_other_party",
    )
    categories = models.ManyToManyField(DisputeCategory, verbose_name=_("争议事项"), related_name="cases")
    summary = models.TextField(_("反映主要事项"))
    claims = models.TextField(_("争议诉求"), blank=True)
    disputed_amount = models.DecimalField(_("争议金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)

    state = models.CharField(_("状态"), max_length=24, choices=CaseState.choices, db_index=True)
    state_changed_at = models.DateTimeField(_("状态变更时间"))
    intake_outcome = models.CharField(_("受理结果"), max_length=16, choices=IntakeOutcome.choices)
    classification = models.CharField(_("事项分类"), max_length=16, choices=Classification.choices, blank=True)
    classification_reason = models.TextField(_("分类理由"), blank=True)
    informed_department = models.ForeignKey(
        Department,
        verbose_name=_("告知前往部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    informed_note = models.TextField(_("告知内容"), blank=True)
    due_on = models.DateField(_("当前环节办理期限"), null=True, blank=True)
    due_provisional = models.BooleanField(_("期限暂定"), default=False)
    # How ``due_on`` was computed, so it can be recomputed once a missing year's holidays are
    # entered: the ``TimeLimit`` code (blank when the date was set explicitly) and its start day.
    due_limit = models.CharField(_("期限依据"), max_length=48, blank=True)
    due_from = models.DateField(_("期限起算日"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # Kept to-do values (``cases.kept``): each rule's answer for this case, written only by
    # ``kept.refresh`` (the services that change the rule's inputs call it; ``save`` leaves
    # these columns alone) and read by the to-do sources through the partial indexes below.
    # 综合意见、出具处理意见书 waits on the receiving department (``handling.todo.decision_ready_q``).
    decision_ready = models.BooleanField(_("待出具处理意见"), default=False, editable=False)
    # 封存归档 may be done once no window for a further remedy is open
    # (``followup.selectors.archive_ready_q``); ``archive_window_until`` is the last day of the
    # latest such window of a case in remedy tracking (``followup.selectors.archive_window_until``).
    archive_ready = models.BooleanField(_("待归档"), default=False, editable=False)
    archive_window_until = models.DateField(_("后续救济期限届满日"), null=True, blank=True, editable=False)

    # Set by the workflow for the one save that may change the state; the state as loaded.
    _workflow_token: bool = False
    _loaded_state: str = ""

    objects: ClassVar[StateGuardedQuerySet] = StateGuardedQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("争议案件")
        verbose_name_plural = _("争议案件")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "number"], name="cases_case_number_unique")]
        indexes = [
            # Ending in the id, as the lists' order does: cases received in the same second (an
            # import, a batch) are a tie the index already orders, where PostgreSQL read the
            # whole tie and joined each row before sorting (docs/cases.md, "Whole pages").
            models.Index(fields=["jurisdiction", "-received_at", "-id"], name="cases_case_county_recv"),
            models.Index(fields=["receiving_department", "-received_at"], name="cases_case_dept_recv"),
            # "mine": the county and the owner in the index let the count read only the index.
            models.Index(fields=["jurisdiction", "owner", "-received_at"], name="cases_case_county_owner"),
            # A handler's own cases of one state (首问责任人 outside the receiving department's
            # clerks and head: the staff home's 结果反馈 count): a few entries, where the
            # department's index walked all its decided cases for none (5,332 at a million).
            models.Index(fields=["owner", "state"], name="cases_case_owner_state"),
            # The id included (PostgreSQL; SQLite's indexes hold it anyway): the tabs' and the
            # API's capped counts of due-soon and overdue cases read the index alone, not a heap
            # row per case (the overdue count to 10,001: ~12,000 cases of a county).
            models.Index(fields=["jurisdiction", "state", "due_on"], include=["id"], name="cases_case_county_due"),
            # "awaiting my review" of a department: its registered cases, not all it received —
            # by deadline, so a department's to-do rows of one state (审核转办, 结果反馈) are its
            # first entries, not a sort of every case of the state (cases 0019).
            models.Index(fields=["receiving_department", "state", "due_on"], name="cases_case_dept_state"),
            # "due soon" / "overdue" lists, ordered by deadline: only cases with a deadline (the
            # open ones) are in it, so the first rows in deadline order are found at once — in
            # the lists' whole order: a day's deadlines are hundreds of cases a county, which
            # PostgreSQL read, joined and sorted to show 25.
            models.Index(
                fields=["jurisdiction", "due_on", "-received_at", "-id"],
                condition=models.Q(due_on__isnull=False),
                name="cases_case_county_deadline",
            ),
            # 向另一方反馈 / 回访另一方 (followup.selectors.other_party_to_notify, …_to_visit): the
            # cases of a county or a department that have another party, by state — a few
            # thousand of a million — instead of every open case's row read to test other_party.
            models.Index(
                fields=["jurisdiction", "state", "state_changed_at"],
                condition=models.Q(other_party__isnull=False),
                name="cases_case_county_other",
            ),
            models.Index(
                fields=["receiving_department", "state", "state_changed_at"],
                condition=models.Q(other_party__isnull=False),
                name="cases_case_dept_other",
            ),
            # The same cases in the lists' order (oldest state change first), for PostgreSQL: its
            # plans join the payer and the other party to every match before sorting (or walk
            # cases_case_other_party_id, 85,000 entries) where this index gives the first 50
            # in order — 244 → 5 ms for a county. SQLite does not take it: Django binds the
            # states as parameters and SQLite matches a partial index's IN only to literals.
            models.Index(
                fields=["jurisdiction", "state_changed_at", "id"],
                condition=models.Q(
                    other_party__isnull=False,
                    state__in=("notified", "following_up", "remedy_tracking"),
                ),
                name="cases_case_county_other_ord",
            ),
            models.Index(
                fields=["receiving_department", "state_changed_at", "id"],
                condition=models.Q(
                    other_party__isnull=False,
                    state__in=("notified", "following_up", "remedy_tracking"),
                ),
                name="cases_case_dept_other_ord",
            ),
            # The kept to-do values (cases.kept): the few cases whose decision or archiving
            # waits on the receiving department, of a county or a department, in the to-do
            # sources' order — instead of testing every open case per request.
            models.Index(
                fields=["jurisdiction", "due_on", "id"],
                condition=models.Q(decision_ready=True),
                name="cases_case_county_decide",
            ),
            models.Index(
                fields=["receiving_department", "due_on", "id"],
                condition=models.Q(decision_ready=True),
                name="cases_case_dept_decide",
            ),
            models.Index(
                fields=["jurisdiction", "state_changed_at", "id"],
                condition=models.Q(archive_ready=True),
                name="cases_case_county_archive",
            ),
            models.Index(
                fields=["receiving_department", "state_changed_at", "id"],
                condition=models.Q(archive_ready=True),
                name="cases_case_dept_archive",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        loaded = self._loaded_state
        allowed = self._workflow_token
        if self.pk is not None and "state" in self.__dict__ and self.state != loaded and not allowed:
            raise StateChangeRefused("案件状态只能通过办理流程变更 (use fengqiao.cases.workflow.transition)")
        if self.pk is None and not allowed:
            raise StateChangeRefused("案件只能通过受理登记创建 (use fengqiao.cases.services.case_register)")
        if self.pk is not None and loaded == CaseState.ARCHIVED:
            raise CaseSealed()  # 四(七): a sealed case never changes
        if self.pk is not None and not args and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            # The kept to-do values are ``kept.refresh``'s alone: a case loaded before a
            # refresh must not write its stale copy back.
            kwargs["update_fields"] = [
                f.attname
                for f in self._meta.concrete_fields
                if not f.primary_key and f.attname not in KEPT_COLUMNS and f.attname in self.__dict__
            ]
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # its first events need no read of the timeline chain (cases.chain)
            chain.remember(self.pk, 0, chain.GENESIS, using=kwargs.get("using") or router.db_for_write(Case))
        self._loaded_state = self.state
        self._workflow_token = False

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Case:
        instance = super().from_db(db, field_names, values)
        instance._loaded_state = instance.__dict__.get("state", "")
        return instance

    @property
    def is_open(self) -> bool:
        from fengqiao.cases.states import OPEN_STATES

        return self.state in OPEN_STATES


class CaseDepartment(ChoiceLabels, models.Model):
    """A department involved in a case: receiving, lead or co-handling. Who may see a case
    follows from these rows (plus the group office and leader, who see the county)."""

    class Role(models.TextChoices):
        RECEIVING = "receiving", _("受理部门")
        LEAD = "lead", _("牵头部门")
        CO = "co", _("协办部门")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="involvements")
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT)
    role = models.CharField(_("作用"), max_length=16, choices=Role.choices)
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("参与部门")
        verbose_name_plural = _("参与部门")
        constraints = [models.UniqueConstraint(fields=["case", "department", "role"], name="cases_involvement_unique")]
        indexes = [models.Index(fields=["department", "case"], name="cases_involvement_dept")]

    def __str__(self) -> str:
        return f"{self.case} · {self.department}（{self.get_role_display()}）"


class CaseLink(models.Model):
    """A link between two cases of the same payer found at intake (疑似重复)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("说明"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("关联案件")
        verbose_name_plural = _("关联案件")
        constraints = [models.UniqueConstraint(fields=["case", "other"], name="cases_link_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.other_id}"


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("受理登记")
    TRANSITION = "transition", _("状态变更")
    ROUTED = "routed", _("审核转办")
    INFORMED = "informed", _("书面告知去向")
    CHANGED = "changed", _("信息变更")
    ATTACHMENT = "attachment", _("上传附件")
    REVEALED = "revealed", _("查看明文")
    LINKED = "linked", _("关联案件")
    MERGED = "merged", _("合并案件")
    DOCUMENT = "document", _("出具文书")
    NOTE = "note", _("备注")
    # 时限督办 and 调解/法律审查 (fengqiao.handling.followthrough, extensions, mediation, legal)
    REMINDER = "reminder", _("催办")
    ESCALATION = "escalation", _("督办升级")
    EXTENSION = "extension", _("延期")
    EXTENSION_TOLD = "extension_told", _("延期告知缴费人")
    MEDIATION = "mediation", _("调解")
    LEGAL_REVIEW = "legal_review", _("法律审查")
    CONSULTATION = "consultation", _("会商")  # 四(三)3 (fengqiao.meetings)
    # 调查处理 (fengqiao.handling.services): tasks, written opinions, the decision, the leader's approval
    TASK = "task", _("办理任务")
    OPINION = "opinion", _("书面意见")
    DECISION = "decision", _("处理意见")
    APPROVAL = "approval", _("专案审批")
    # 报送办理 (fengqiao.referrals): the referral form, dispatch, sign-for, return, feedback
    REFERRAL = "referral", _("报送办理")
    TRANSFER = "transfer", _("移交纪委监委")
    ARCHIVED = "archived", _("案卷归档")  # 四(七) (fengqiao.archive)
    # 结果反馈、跟踪回访、救济途径 (fengqiao.followup)
    FEEDBACK = "feedback", _("结果反馈")
    VISIT = "visit", _("跟踪回访")
    REMEDY = "remedy", _("救济途径")


# 四(七) 案件归档: once a case's dossier is sealed, only reading it is still recorded — 查看明文
# and downloading a form that prints personal data (REVEALED), and the sealing itself (the
# ARCHIVED event, and the step into ARCHIVED). Every other step is refused (``CaseSealed``).
AFTER_ARCHIVE_EVENTS = frozenset({EventKind.REVEALED, EventKind.ARCHIVED})


class CaseSealed(ValidationError):
    """四(七): the case is archived and its dossier sealed; nothing more is added to it or
    changed in it. Code ``state``, so the API answers 409 like any step the case's state
    no longer allows."""

    def __init__(self) -> None:
        super().__init__(_("案件已归档，案卷已封存，不能再添加或变更任何内容。"), code="state")


def sealed_check(case: Case) -> None:
    """The one guard every write of a case consults (四(七)): refuse if ``case`` is archived.
    Write services call it on the row they have locked; ``CaseEvent`` and ``Case`` call it
    on save as well, so a write that forgot still cannot record its step on a sealed case."""
    if case.state == CaseState.ARCHIVED:
        raise CaseSealed()


def _event_sealed_check(event: CaseEvent) -> None:
    if event.kind in AFTER_ARCHIVE_EVENTS:
        return
    if event.to_state == CaseState.ARCHIVED and event.from_state != CaseState.ARCHIVED:
        return  # the step into the archive itself
    if CaseEvent.case.is_cached(event):
        sealed_check(event.case)
    elif Case.objects.filter(pk=event.case_id, state=CaseState.ARCHIVED).exists():
        raise CaseSealed()


class CaseEventQuerySet(AppendOnlyQuerySet):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[CaseEvent]:
        objs = list(objs)
        for event in objs:
            _event_sealed_check(event)
        with transaction.atomic(using=self.db, savepoint=False):
            chain.chain_events(objs)  # the timeline's keyed chain (cases.chain)
            return super().bulk_create(objs, *args, **kwargs)


class CaseEvent(ChoiceLabels, AppendOnlyModel):
    """One entry of a case's timeline: who did what when, with the before and after.

    Deadlines, the monthly analysis and department scorecards are computed from these."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("事项"), max_length=16, choices=EventKind.choices)
    from_state = models.CharField(_("原状态"), max_length=24, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=24, choices=CaseState.choices, blank=True)
    summary = models.CharField(_("摘要"), max_length=255)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    # The keyed chain of the case's timeline (``cases.chain``): set on insert, never by hand.
    seq = models.PositiveIntegerField(_("序号"), editable=False)
    key_id = models.CharField(max_length=16, editable=False)
    link = models.CharField(max_length=64, editable=False)

    objects: ClassVar[CaseEventQuerySet] = CaseEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="cases_event_case_at"),
            # Events of one kind across a county (the 司法局's queue reads the requested legal
            # reviews, ``handling.legal.review_queue``): 1.5 s → 0.14 s at 100,000 cases.
            models.Index(fields=["kind", "case"], name="cases_event_kind"),
        ]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="cases_event_case_seq")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()} {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            super().save(*args, **kwargs)  # refused (AppendOnlyModel)
            return
        _event_sealed_check(self)
        using = kwargs.get("using") or router.db_for_write(CaseEvent, instance=self)
        # The previous link is read and this event inserted in one transaction (cases.chain).
        with transaction.atomic(using=using, savepoint=False):
            chain.chain_events([self])
            super().save(*args, **kwargs)

    def chain_fields(self) -> dict[str, Any]:
        """What the link covers (``cases.chain.event_fields``)."""
        return chain.event_fields(*(getattr(self, column) for column in chain.EVENT_CHAIN_COLUMNS))


class AttachmentKind(models.TextChoices):
    EVIDENCE = "evidence", _("证据材料")
    IDENTITY = "identity", _("身份证明")
    NOTICE = "notice", _("文书")
    OTHER = "other", _("其他")


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never carries the user's file name (which may hold personal data).
    return f"attachments/{instance.case.jurisdiction.code}/{instance.case_id}/{instance.token}"


class Attachment(ChoiceLabels, models.Model):
    """附件 — stored outside the web root, served only to those who may see the case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    kind = models.CharField(_("材料类型"), max_length=16, choices=AttachmentKind.choices)
    token = models.CharField(max_length=32, unique=True, editable=False)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sm3 = models.CharField(_("SM3摘要"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class RevealRecord(AppendOnlyModel):
    """查看明文 — one reveal of a payer's personal data, with the stated reason (五(三))."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reveals")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("字段"), max_length=32)
    reason = models.CharField(_("理由"), max_length=255)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("查看人"), on_delete=models.PROTECT)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("明文查看记录")
        verbose_name_plural = _("明文查看记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.field} {self.at:%Y-%m-%d %H:%M}"
