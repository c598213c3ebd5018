"""Writes to the organisation: the default set-up, staff and their roles.

Every change goes through a function here; the admin, commands and tests call them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models, transaction

from fengqiao.org import naiman
from fengqiao.org.models import (
    Department,
    Division,
    GroupMembership,
    GroupPosition,
    Jurisdiction,
    JurisdictionLevel,
    LeadershipGroup,
    Role,
    Staff,
    StaffRole,
    Studio,
)


def _jurisdiction_upsert(
    *, code: str, name: str, level: str, kind: str, parent: Jurisdiction | None, sort_order: int = 0
) -> Jurisdiction:
    obj, _created = Jurisdiction.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "level": level,
            "kind": kind,
            "parent": parent,
            "sort_order": sort_order,
        },
    )
    return obj


#: What the apps above org add to a county's default set-up (``manage.py setup_naiman``), each
#: registered in the app's ``AppConfig.ready()``: a function of the county that loads the app's
#: defaults (safe to run again) and says what it added in one line, or None — cases' routing
#: rules, analytics' scoring rules. Run in the order the apps are installed.
SetupLoader = Callable[[Jurisdiction], "str | None"]
SETUP_LOADERS: list[SetupLoader] = []


def setup_loader_register(loader: SetupLoader) -> None:
    """Add an app's defaults to the county set-up (once per function)."""
    if loader not in SETUP_LOADERS:
        SETUP_LOADERS.append(loader)


@transaction.atomic
def naiman_setup_load() -> Jurisdiction:
    """Load (or bring up to date) the Naiman Banner set-up: the banner and its 16 townships,
    the member units and their duties (三(二)), the tax bureau's divisions, the dispute
    studio and the leadership group (三(一)). Safe to run any number of times."""
    province = _jurisdiction_upsert(
        code=naiman.PROVINCE[0],
        name=naiman.PROVINCE[1],
        level=JurisdictionLevel.PROVINCE,
        kind="自治区",
        parent=None,
    )
    city = _jurisdiction_upsert(
        code=naiman.CITY[0],
        name=naiman.CITY[1],
        level=JurisdictionLevel.CITY,
        kind="市",
        parent=province,
    )
    county = _jurisdiction_upsert(
        code=naiman.COUNTY[0],
        name=naiman.COUNTY[1],
        level=JurisdictionLevel.COUNTY,
        kind="旗",
        parent=city,
    )
    for order, (suffix, name, kind) in enumerate(naiman.TOWNSHIPS):
        _jurisdiction_upsert(
            code=naiman.COUNTY[0] + suffix,
            name=name,
            level=JurisdictionLevel.TOWNSHIP,
            kind=kind,
            parent=county,
            sort_order=order,
        )

    departments: dict[str, Department] = {}
    for order, (code, name, short, member, duties) in enumerate(naiman.DEPARTMENTS):
        departments[code], _ = Department.objects.update_or_create(
            jurisdiction=county,
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "is_member_unit": member,
                "duties": duties,
                "sort_order": order * 10,
            },
        )
    # Each member unit's address and phone for the 告知书 (四(一)): blanks only, so an address an
    # administrator entered is never overwritten by loading the set-up again.
    for code, (address, phone) in naiman.DEPARTMENT_CONTACTS.items():
        Department.objects.filter(pk=departments[code].pk, address="").update(address=address)
        Department.objects.filter(pk=departments[code].pk, phone="").update(phone=phone)
        departments[code].refresh_from_db(fields=["address", "phone"])

    def divisions(dept: Department, rows: Iterable[tuple[str, str, str, str]]) -> None:
        for order, (code, name, kind, duties) in enumerate(rows):
            Division.objects.update_or_create(
                department=dept,
                code=code,
                defaults={"name": name, "kind": kind, "duties": duties, "sort_order": order},
            )

    divisions(departments["tax"], [*naiman.TAX_DIVISIONS, naiman.TAX_OFFICE_DIVISION])
    divisions(departments["gov_office"], naiman.GOV_OFFICE_DIVISIONS)

    studio_name, studio_address, studio_depts = naiman.STUDIO
    studio, _ = Studio.objects.update_or_create(
        jurisdiction=county, name=studio_name, defaults={"address": studio_address}
    )
    studio.departments.set([departments[c] for c in studio_depts])

    group, _ = LeadershipGroup.objects.update_or_create(
        jurisdiction=county,
        defaults={"name": naiman.GROUP_NAME, "office_department": departments["tax"]},
    )
    seats: list[tuple[str, str, str]] = [(GroupPosition.LEADER, *naiman.GROUP_LEADER)]
    seats += [(GroupPosition.DEPUTY, code, "主要负责同志") for code in naiman.GROUP_DEPUTIES]
    seats += [(GroupPosition.MEMBER, code, "分管负责同志") for code in naiman.GROUP_MEMBERS]
    for order, (position, code, title) in enumerate(seats):
        GroupMembership.objects.update_or_create(
            group=group,
            position=position,
            department=departments[code],
            defaults={"holder_title": title, "sort_order": order},
        )
    return county


@transaction.atomic
def staff_create(
    *,
    username: str,
    name: str,
    password: str | None,
    department: Department | None,
    roles: Iterable[str],
    division: Division | None = None,
    studio: Studio | None = None,
    title: str = "",
) -> Staff:
    """Add a member of staff with their roles. Administrators get access to the admin site."""
    role_list = sorted(set(roles))
    unknown = set(role_list) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    staff = Staff(
        username=username,
        name=name,
        department=department,
        division=division,
        studio=studio,
        title=title,
        is_staff=Role.ADMINISTRATOR in role_list,
    )
    if password:
        staff.set_password(password)
    else:
        staff.set_unusable_password()
    staff.save()
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in role_list])
    return staff


@transaction.atomic
def staff_roles_set(*, staff: Staff, roles: Iterable[str]) -> None:
    """Replace the roles a member of staff holds."""
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    StaffRole.objects.filter(staff=staff).exclude(role__in=wanted).delete()
    have = set(StaffRole.objects.filter(staff=staff).values_list("role", flat=True))
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=r) for r in sorted(wanted - have)])
    Staff.objects.filter(pk=staff.pk).update(is_staff=Role.ADMINISTRATOR in wanted)
    staff.__dict__.pop("role_set", None)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    department: str
    roles: str


# (username, name, department code, division code or "", at studio, title, roles)
DEMO_STAFF: list[tuple[str, str, str, str, bool, str, list[str]]] = [
    ("clerk", "王晓燕", "tax", "taxpayer_service", True, "窗口受理员", [Role.INTAKE_CLERK]),
    ("hrss_clerk", "李春梅", "hrss", "", True, "窗口受理员", [Role.INTAKE_CLERK]),
    ("medical_clerk", "赵海霞", "medical", "", True, "窗口受理员", [Role.INTAKE_CLERK]),
    ("tax_handler", "张志强", "tax", "social_nontax", False, "科员", [Role.HANDLER]),
    ("tax_head", "刘建国", "tax", "social_nontax", False, "社保非税股股长", [Role.DEPARTMENT_HEAD]),
    ("hrss_handler", "陈丽娟", "hrss", "", False, "科员", [Role.HANDLER]),
    ("hrss_head", "孙立军", "hrss", "", False, "副局长", [Role.DEPARTMENT_HEAD]),
    ("medical_handler", "周慧敏", "medical", "", False, "科员", [Role.HANDLER]),
    ("medical_head", "吴国栋", "medical", "", False, "副局长", [Role.DEPARTMENT_HEAD]),
    ("justice_handler", "郑文博", "justice", "", False, "公职律师", [Role.HANDLER]),
    ("justice_head", "何志远", "justice", "", False, "副局长", [Role.DEPARTMENT_HEAD]),
    ("finance_handler", "冯雪", "finance", "", False, "科员", [Role.HANDLER]),
    ("finance_head", "曹永利", "finance", "", False, "副局长", [Role.DEPARTMENT_HEAD]),
    ("govservice_handler", "褚明", "gov_service", "", False, "科员", [Role.HANDLER]),
    ("govservice_head", "许海燕", "gov_service", "", False, "副局长", [Role.DEPARTMENT_HEAD]),
    ("petition_handler", "卫红", "petition", "", False, "科员", [Role.HANDLER]),
    ("petition_head", "邓晓东", "petition", "", False, "副局长", [Role.DEPARTMENT_HEAD]),
    ("cyberspace", "蒋涛", "cyberspace", "", False, "科员", [Role.CYBERSPACE_OFFICE, Role.HANDLER]),
    ("cyberspace_head", "马骏", "cyberspace", "", False, "副主任", [Role.DEPARTMENT_HEAD]),
    ("govoffice_handler", "田野", "gov_office", "", False, "科员", [Role.HANDLER]),
    ("govoffice_head", "宋丽华", "gov_office", "", False, "副主任", [Role.DEPARTMENT_HEAD]),
    ("office", "沈静", "tax", "group_office", False, "领导小组办公室主任", [Role.GROUP_OFFICE]),
    ("leader", "韩振华", "banner_gov", "", False, "副旗长", [Role.GROUP_LEADER]),
    ("deputy", "杨光", "hrss", "", False, "局长", [Role.DEPUTY_LEADER, Role.DEPARTMENT_HEAD]),
    ("hotline", "朱丹", "gov_office", "hotline", False, "热线办科员", [Role.HOTLINE_OFFICE]),
    ("discipline", "秦岭", "discipline", "", False, "联络员", [Role.DISCIPLINE_LIAISON]),
    ("admin", "许可", "tax", "", False, "系统管理员", [Role.ADMINISTRATOR]),
    ("auditor", "齐明", "gov_office", "", False, "安全审计员", [Role.AUDITOR]),
]


@transaction.atomic
def demo_staff_create(*, county: Jurisdiction, password: str) -> list[DemoLogin]:
    """Create one demo login for every role (skipping those that exist). For demos and
    training only; never run on a production database."""
    logins: list[DemoLogin] = []
    studio = Studio.objects.filter(jurisdiction=county).first()
    for username, name, dept_code, div_code, at_studio, title, roles in DEMO_STAFF:
        dept = Department.objects.get(jurisdiction=county, code=dept_code)
        division = Division.objects.get(department=dept, code=div_code) if div_code else None
        if not Staff.objects.filter(username=username).exists():
            staff_create(
                username=username,
                name=name,
                password=password,
                department=dept,
                division=division,
                studio=studio if at_studio else None,
                title=title,
                roles=roles,
            )
        logins.append(DemoLogin(username, name, dept.short_name, "、".join(str(Role(r).label) for r in roles)))
    group = LeadershipGroup.objects.get(jurisdiction=county)
    leader = Staff.objects.get(username="leader")
    GroupMembership.objects.filter(group=group, position=GroupPosition.LEADER).update(staff=leader)
    return logins


def member_units_without_head(county: Jurisdiction) -> list[Department]:
    """Member units of ``county`` where nobody active holds 部门负责人: their written opinions
    could be drafted but never signed (部门负责人签发), so every task sent there would wait for
    ever. ``setup_naiman`` and ``demo_staff`` report them; an administrator adds a head."""
    heads = Staff.objects.filter(department=models.OuterRef("pk"), is_active=True, roles__role=Role.DEPARTMENT_HEAD)
    return list(
        Department.objects.filter(jurisdiction=county, is_member_unit=True, active=True)
        .exclude(models.Exists(heads))
        .order_by("sort_order", "id")
    )
