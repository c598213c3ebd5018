"""组织机构 (三(一)(二)): jurisdictions, member units, staff and the leadership group.

Departments, divisions and the group's membership are data: 五(一) says the leadership
group may add member units at any time, so administrators edit them in the admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from collections.abc import Iterable


class JurisdictionLevel(models.TextChoices):
    """Levels of the territorial tree, 旗 down to 嘎查/村."""

    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("旗县级")
    TOWNSHIP = "township", _("苏木乡镇级")
    VILLAGE = "village", _("嘎查村级")


class Jurisdiction(models.Model):
    """辖区 — a territorial unit. 四 says cases are handled 按照属地管辖原则.

    The county (旗) is the unit that runs one mechanism: its departments, leadership group
    and case numbers belong to it. Townships (苏木/镇/乡/街道/农场) hang below it, villages
    (嘎查/村) below those. ``path`` holds the codes from the root so a subtree is one indexed
    prefix query.
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=JurisdictionLevel.choices)
    kind = models.CharField(
        _("类别"),
        max_length=16,
        blank=True,
        help_text=_("旗、苏木、镇、乡、街道、农场、嘎查、村等"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.path = f"{self.parent.path}/{self.code}" if self.parent else self.code
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def county(self) -> Jurisdiction:
        """The 旗/县 this unit belongs to (itself when it is one)."""
        node: Jurisdiction | None = self
        while node is not None and node.level != JurisdictionLevel.COUNTY:
            node = node.parent
        return node or self


class Department(models.Model):
    """成员单位 and other departments of one county's mechanism.

    ``is_member_unit`` marks the nine member units of 三(一); the banner government (whose
    deputy head leads the group) and the discipline commission are departments the system
    knows without being member units.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("所属旗县"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    short_name = models.CharField(_("简称"), max_length=16)
    is_member_unit = models.BooleanField(_("领导小组成员单位"), default=True)
    duties = models.TextField(_("部门职责"), blank=True, help_text=_("三（二）所列职责"))
    # Where a payer told to go to this department finds it (告知书, 四(一)); when blank, the
    # dispute studio the department sits in is named instead.
    address = models.CharField(_("办公地址"), max_length=128, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["jurisdiction", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["jurisdiction", "code"], name="org_department_code_per_county")]

    def __str__(self) -> str:
        return self.short_name or self.name


class DivisionKind(models.TextChoices):
    DIVISION = "division", _("内设部门")
    ONLINE_TEAM = "online_team", _("线上团队")
    MEDIATION_CENTRE = "mediation_centre", _("调解中心")
    OFFICE = "office", _("办公室")


class Division(models.Model):
    """A department's internal division, e.g. the tax bureau's 社保非税部门 (三(二)2)."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="divisions"
    )
    code = models.SlugField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类别"), max_length=24, choices=DivisionKind.choices, default=DivisionKind.DIVISION)
    duties = models.TextField(_("职责"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("内设机构")
        verbose_name_plural = _("内设机构")
        ordering = ["department", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="org_division_code_per_department")]

    def __str__(self) -> str:
        return f"{self.department}·{self.name}"


class Studio(models.Model):
    """争议处理工作室(中心): the one window at the government service centre (三(一)),
    run jointly by the tax bureau, 人社局 and 医保局."""

    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("所属旗县"), on_delete=models.PROTECT)
    name = models.CharField(_("名称"), max_length=64)
    address = models.CharField(_("地点"), max_length=128, blank=True)
    departments = models.ManyToManyField(Department, verbose_name=_("进驻部门"), related_name="studios")

    class Meta:
        verbose_name = _("争议处理工作室")
        verbose_name_plural = _("争议处理工作室")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a member of staff may do. The procedure's permissions are code; who holds which
    role is data."""

    INTAKE_CLERK = "intake_clerk", _("受理人员")
    HANDLER = "handler", _("部门经办人")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    GROUP_OFFICE = "group_office", _("领导小组办公室")
    GROUP_LEADER = "group_leader", _("领导小组组长")
    DEPUTY_LEADER = "deputy_leader", _("领导小组副组长")
    HOTLINE_OFFICE = "hotline_office", _("12345热线办")
    DISCIPLINE_LIAISON = "discipline_liaison", _("纪委监委联络人")
    CYBERSPACE_OFFICE = "cyberspace_office", _("网信办")
    ADMINISTRATOR = "administrator", _("系统管理员")
    # 三员分立 (等保 2.0 level 3): the audit administrator reads the audit trail and nothing else;
    # the administrator keeps the configuration and does not read the trail.
    AUDITOR = "auditor", _("审计管理员")


class Staff(AbstractUser):
    """工作人员 — a user of the system, in one department, holding one or more roles."""

    name = models.CharField(_("姓名"), max_length=32, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("内设机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    studio = models.ForeignKey(
        Studio,
        verbose_name=_("所在工作室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    title = models.CharField(_("职务"), max_length=32, blank=True)
    office_phone = models.CharField(_("办公电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["department", "username"]

    def __str__(self) -> str:
        return self.name or self.username

    @cached_property
    def role_set(self) -> frozenset[str]:
        """The roles this person holds (read once per request)."""
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        """True when the person holds any of ``roles``."""
        return bool(self.role_set.intersection(roles))

    def role_labels(self) -> list[str]:
        return [str(label) for value, label in Role.choices if value in self.role_set]

    @property
    def jurisdiction(self) -> Jurisdiction | None:
        """The county whose mechanism this person works in."""
        return self.department.jurisdiction if self.department_id and self.department else None

    def holds_any(self, roles: Iterable[str]) -> bool:
        return bool(self.role_set.intersection(roles))


class StaffRole(models.Model):
    """One role held by one member of staff."""

    staff = models.ForeignKey(Staff, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="org_staffrole_unique")]

    def __str__(self) -> str:
        return self.get_role_display()


class LeadershipGroup(models.Model):
    """社会保险费征缴争议联合处置工作领导小组 of one county (三(一)); its office sits at the
    tax bureau and does the daily work."""

    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name=_("旗县"),
        on_delete=models.PROTECT,
        related_name="leadership_group",
    )
    name = models.CharField(_("名称"), max_length=128)
    office_department = models.ForeignKey(
        Department, verbose_name=_("办公室所在部门"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("领导小组")
        verbose_name_plural = _("领导小组")

    def __str__(self) -> str:
        return self.name


class GroupPosition(models.TextChoices):
    LEADER = "leader", _("组长")
    DEPUTY = "deputy", _("副组长")
    MEMBER = "member", _("成员")


class GroupMembership(models.Model):
    """A seat in the leadership group: the position, the department it represents and the
    person who holds it (三(一): 组长, 副组长, 成员)."""

    group = models.ForeignKey(
        LeadershipGroup,
        verbose_name=_("领导小组"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    position = models.CharField(_("职位"), max_length=16, choices=GroupPosition.choices)
    department = models.ForeignKey(Department, verbose_name=_("部门"), on_delete=models.PROTECT)
    holder_title = models.CharField(_("担任人职务"), max_length=64, help_text=_("如：分管负责同志"))
    staff = models.ForeignKey(
        Staff,
        verbose_name=_("担任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_memberships",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("领导小组成员")
        verbose_name_plural = _("领导小组成员")
        ordering = ["group", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "position", "department"], name="org_groupmembership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} · {self.department}"


class SigningDelegation(models.Model):
    """代签授权: a department head authorises a deputy of the same department to sign its
    written opinions (部门负责人签发) for a period — while the head is away, a task waits
    待负责人签发 for nobody. The head creates and revokes it; an opinion signed under it records
    it, and the case timeline says "由X代签". Never deleted: a revoked one keeps who revoked it
    and when."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, related_name="signing_delegations"
    )
    principal = models.ForeignKey(
        Staff, verbose_name=_("授权人（部门负责人）"), on_delete=models.PROTECT, related_name="delegations_given"
    )
    deputy = models.ForeignKey(
        Staff, verbose_name=_("代签人"), on_delete=models.PROTECT, related_name="delegations_held"
    )
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    reason = models.TextField(_("授权事由"))
    created_at = models.DateTimeField(_("授权时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        Staff, verbose_name=_("撤销人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("撤销理由"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("代签授权")
        verbose_name_plural = _("代签授权")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["deputy", "department", "ends_on"], name="org_delegation_deputy")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="org_delegation_period")
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.deputy}（{self.starts_on}～{self.ends_on}）"
