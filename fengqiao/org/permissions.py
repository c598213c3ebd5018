"""What the 系统管理员 (administrator) role may do in the configuration admin, and who uses the API.

Roles are rows (``org.StaffRole``); what a role may do is code, here. Django's model
permissions are not stored per user or group: ``fengqiao.org.backends.RoleBackend`` answers
``has_perm`` from the roles a member of staff holds, so granting the administrator role (in
the admin, in ``demo_staff``, through ``staff_create`` / ``staff_roles_set``) grants exactly
this access, and revoking it takes the access away at the next request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fengqiao.org.models import Role

if TYPE_CHECKING:
    from fengqiao.org.models import Staff

ALL = ("view", "add", "change", "delete")
VIEW = ("view",)

#: The configuration the administrator keeps (README: departments, staff and their roles,
#: categories, routing rules, time limits, holidays, scoring rules, API tokens, …), by model
#: label and the actions allowed. Records the mechanism keeps as they were (issued documents,
#: dossiers, reports, reveal records, meetings, work orders) are shown read-only: their model
#: admins refuse every change anyway, and the administrator has no case work to do there.
ADMINISTRATOR_MODEL_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # 三(一)(二) the organisation: jurisdictions, member units, divisions, studio, staff, group
    "org.jurisdiction": ALL,
    "org.department": ALL,
    "org.division": ALL,
    "org.studio": ALL,
    "org.staff": ALL,
    "org.staffrole": ALL,
    "org.leadershipgroup": ALL,
    "org.groupmembership": ALL,
    # 代签 is given and revoked by the department head on the pages; shown for supervision.
    "org.signingdelegation": VIEW,
    # the working-day calendar and the time limits (工作日历, 规定时限)
    "core.calendaryear": ALL,
    "core.calendarday": ALL,
    "core.timelimit": ("view", "change"),
    # 三(三) categories, 四(二) routing, case numbering
    "cases.disputecategory": ALL,
    "cases.routingrule": ALL,
    "cases.casenumbering": ALL,
    "cases.revealrecord": VIEW,
    # 五(四) scoring rules; the monthly reports as generated
    "analytics.scoringrule": ALL,
    "analytics.monthlyreport": VIEW,
    # 四(七) retention rules and archive settings; sealed dossiers read-only
    "archive.retentionrule": ALL,
    "archive.archivesettings": ALL,
    "archive.dossier": VIEW,
    # 五(三) information releases: who approves (per county); the requests read-only
    "releases.releaseapprover": ALL,
    "releases.releaserequest": VIEW,
    # document numbering (文号格式); issued documents read-only
    "documents.documentnumbering": ALL,
    "documents.issueddocument": VIEW,
    # 四(八) the 12345 dispatch catalogue
    "referrals.dispatchcatalogueentry": ALL,
    # the 12345 platform endpoint, the outbox (failed messages are retried by hand), work orders
    "integrations.endpoint": ALL,
    "integrations.outboxmessage": ("view", "change"),
    "integrations.workorder": VIEW,
    # meetings are held and minuted on the pages; read-only here
    "meetings.consultation": VIEW,
    "meetings.resolution": VIEW,
    # 三(二)9 online items: their numbering (舆-…) is configuration; the items read-only here
    "opinion.itemnumbering": ALL,
    "opinion.onlineitem": VIEW,
    # API tokens (Authorization: Token …) of any account, e.g. the 12345 platform's
    "authtoken.tokenproxy": ALL,
    "authtoken.token": ALL,
    # background jobs: the schedule (monthly analysis, outbox delivery) and what ran
    "django_q.schedule": ("view", "change"),
    "django_q.success": VIEW,
    "django_q.failure": VIEW,
    "django_q.ormq": VIEW,
    # Sign-in (docs/security.md): locked sign-ins are lifted by deleting their attempts; a lost
    # authenticator is reset by deleting the person's device (they set up a new one).
    "axes.accessattempt": ("view", "delete"),
    "axes.accessfailurelog": VIEW,
    "axes.accesslog": VIEW,
    "otp_totp.totpdevice": ("view", "delete"),
}

#: Models registered in the admin that the administrator role deliberately does not get.
#: Django groups are not used (roles are rows), so nobody edits them.
ADMINISTRATOR_WITHHELD: frozenset[str] = frozenset({"auth.group"})


def _expand(table: dict[str, tuple[str, ...]]) -> frozenset[str]:
    perms: set[str] = set()
    for label, actions in table.items():
        app_label, model_name = label.split(".")
        perms.update(f"{app_label}.{action}_{model_name}" for action in actions)
    return frozenset(perms)


#: Role → the Django permission strings ("app.action_model") it carries.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMINISTRATOR: _expand(ADMINISTRATOR_MODEL_PERMISSIONS),
}


def role_permissions(staff: Staff) -> frozenset[str]:
    """Every model permission the roles of ``staff`` carry."""
    perms: set[str] = set()
    for role in staff.role_set:
        perms |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(perms)


def may_administer(staff: Staff) -> bool:
    """May open the configuration admin (/admin/): the administrator role, or a superuser
    (the account ``createsuperuser`` makes on a new installation)."""
    return staff.is_active and (staff.is_superuser or staff.has_role(Role.ADMINISTRATOR))


#: Roles whose work uses the REST API (and so may hold API tokens and see 接口文档):
#: the 12345 hotline office (its account is the 12345 platform's, docs/integrations.md), the
#: group office (work orders, exports, its own tools), the administrator (who connects
#: other systems) and the auditor (who reads the audit trail into the county's own audit
#: tools, GET /api/v1/audit/records/). Everyone else does their work on the pages.
API_ROLES: tuple[str, ...] = (Role.HOTLINE_OFFICE, Role.GROUP_OFFICE, Role.ADMINISTRATOR, Role.AUDITOR)


def may_use_api(staff: Staff) -> bool:
    """Holds a role that uses the API: may create and revoke their own tokens and sees the API
    docs in the navigation."""
    return staff.is_active and (staff.is_superuser or staff.has_role(*API_ROLES))


#: 三员分立 (等保 2.0 level 3: system, security and audit administrators kept apart): only the
#: 审计管理员 reads the audit trail — not the 系统管理员, not a superuser (whose account the
#: administrator keeps); the auditor changes no configuration and sees no case.
AUDIT_ROLES: tuple[str, ...] = (Role.AUDITOR,)


def may_read_audit(staff: Staff) -> bool:
    """May read and export the audit trail (审计日志): the 审计管理员 alone."""
    return staff.is_active and staff.has_role(*AUDIT_ROLES)


def audit_only(staff: Staff) -> bool:
    """Holds no role but the auditor's: the navigation and the workbench show no case work."""
    roles = staff.role_set
    return bool(roles) and roles <= set(AUDIT_ROLES) and not staff.is_superuser
