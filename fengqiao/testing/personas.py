"""Named personas: the people of the mechanism, as tests meet them.

Each persona is a member of staff of the Naiman Banner set-up with the roles the mechanism
gives them. Tests ask for them by name (pytest fixtures in ``fengqiao/conftest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fengqiao.org.models import Department, Division, Jurisdiction, Role, Staff, Studio
from fengqiao.org.services import staff_create

PASSWORD = "persona-pass-123"  # noqa: S105 — test personas only


@dataclass(frozen=True)
class PersonaSpec:
    username: str
    name: str
    department: str  # department code in the Naiman set-up; "" for none
    roles: tuple[str, ...]
    division: str = ""
    at_studio: bool = False


PERSONAS: dict[str, PersonaSpec] = {
    # The first receiver at the dispute studio in the government service centre (四(一)).
    "intake_clerk": PersonaSpec("p_clerk", "窗口受理员", "tax", (Role.INTAKE_CLERK,), "taxpayer_service", True),
    "tax_handler": PersonaSpec("p_tax", "税务经办人", "tax", (Role.HANDLER,), "social_nontax"),
    "hrss_handler": PersonaSpec("p_hrss", "人社经办人", "hrss", (Role.HANDLER,)),
    "medical_handler": PersonaSpec("p_medical", "医保经办人", "medical", (Role.HANDLER,)),
    "department_head": PersonaSpec("p_head", "税务部门负责人", "tax", (Role.DEPARTMENT_HEAD,), "social_nontax"),
    "group_office": PersonaSpec("p_office", "领导小组办公室", "tax", (Role.GROUP_OFFICE,), "group_office"),
    "group_leader": PersonaSpec("p_leader", "组长", "banner_gov", (Role.GROUP_LEADER,)),
    "hotline_officer": PersonaSpec("p_hotline", "热线办", "gov_office", (Role.HOTLINE_OFFICE,), "hotline"),
    "discipline_liaison": PersonaSpec("p_discipline", "纪委监委联络人", "discipline", (Role.DISCIPLINE_LIAISON,)),
    "administrator": PersonaSpec("p_admin", "系统管理员", "tax", (Role.ADMINISTRATOR,)),
    # 三员分立: reads the audit trail, sees no case.
    "auditor": PersonaSpec("p_auditor", "审计管理员", "gov_office", (Role.AUDITOR,)),
    # Signed in, but holds no role in the mechanism and belongs to no department.
    "outsider": PersonaSpec("p_outsider", "无关人员", "", ()),
}


def persona_create(key: str, county: Jurisdiction) -> Staff:
    spec = PERSONAS[key]
    dept = Department.objects.get(jurisdiction=county, code=spec.department) if spec.department else None
    division = Division.objects.get(department=dept, code=spec.division) if spec.division else None
    studio = Studio.objects.filter(jurisdiction=county).first() if spec.at_studio else None
    return staff_create(
        username=spec.username,
        name=spec.name,
        password=PASSWORD,
        department=dept,
        division=division,
        studio=studio,
        roles=spec.roles,
    )
