"""What the payer's status page reads (线上枫桥): the state in plain words, each step's date
from the timeline through a whitelist of payer wording (never a staff summary), the current
time limit and the department that holds the case now (its name only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case, CaseDepartment, CaseEvent, EventKind
from fengqiao.cases.states import CaseState

#: 办理状态 as a payer reads it, one line per state of the life cycle (四 工作流程).
PAYER_STATE = {
    CaseState.REGISTERED: _("已受理，正在审核并分派办理部门"),
    CaseState.OWN_HANDLING: _("受理部门正在办理"),
    CaseState.INFORMED: _("已书面告知您前往负责的部门办理，本案办结"),
    CaseState.JOINT_HANDLING: _("相关部门正在联合办理"),
    CaseState.AWAITING_APPROVAL: _("属重大疑难事项，正在报请领导小组同意专案处理"),
    CaseState.SPECIAL_HANDLING: _("领导小组正在组织专案处理"),
    CaseState.REFERRED: _("已报送有关部门办理"),
    CaseState.DECIDED: _("已形成处理意见，将向您送达"),
    CaseState.NOTIFIED: _("处理意见已送达"),
    CaseState.FOLLOWING_UP: _("处理意见已送达，正在回访"),
    CaseState.REMEDY_TRACKING: _("您对处理意见有异议，正在跟踪救济途径"),
    CaseState.ARCHIVED: _("已办结并归档"),
    CaseState.MERGED: _("已与您反映的相同事项合并办理"),
}

#: The steps of the timeline a payer sees, by the step's name (``data["transition"]``): the
#: payer's wording, never the staff summary. A step not listed is not shown.
PAYER_STEP = {
    "register_own": _("受理登记"),
    "register_inform": _("受理登记"),
    "register_review": _("受理登记"),
    "review_own": _("审核：由受理部门办理"),
    "route_general": _("分派相关部门联合办理"),
    "route_major": _("报请领导小组同意专案处理"),
    "route_unclear": _("报送有关部门办理"),
    "approve_special": _("领导小组同意专案处理"),
    "decline_special": _("转由相关部门联合办理"),
    "decide": _("形成处理意见"),
    "notify": _("处理意见送达"),
    "object": _("提出异议"),
    "reopen": _("重新办理"),
    "reopen_own": _("重新办理"),
    "archive": _("办结归档"),
    "merge": _("合并办理"),
}
#: Events other than steps that the payer is told of: the event kind and its wording.
PAYER_EVENT = {
    EventKind.INFORMED: _("书面告知前往负责的部门"),
    EventKind.EXTENSION_TOLD: _("办理期限延长，已告知"),
    EventKind.VISIT: _("回访"),
}


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str


def payer_steps(case: Case) -> list[Step]:
    """The case's steps as the payer sees them: one query, whitelisted wording only."""
    kinds = [EventKind.REGISTERED, EventKind.TRANSITION, *PAYER_EVENT]
    steps: list[Step] = []
    for at, kind, data in (
        CaseEvent.objects.filter(case=case, kind__in=kinds).order_by("at", "pk").values_list("at", "kind", "data")
    ):
        text: object
        if kind in (EventKind.REGISTERED, EventKind.TRANSITION):
            text = PAYER_STEP.get(str((data or {}).get("transition", "")))
        elif kind == EventKind.VISIT:
            text = _payer_visit(data or {})
        else:
            text = PAYER_EVENT.get(kind)
        if text is not None:
            steps.append(Step(at=at, text=str(text)))
    return steps


def _payer_visit(data: dict[str, object]) -> str | None:
    """A visit of the payer — arranged, then done; the other party's visits are not the payer's
    to read (五(三))."""
    if data.get("party", "payer") != "payer":
        return None
    return str(_("安排回访") if "scheduled_on" in data else _("完成回访"))


def holding_department(case: Case) -> str:
    """The department that holds the case now, by name: the lead department while several
    handle it, the department a referral was dispatched to, else the receiving department."""
    if case.state in (CaseState.JOINT_HANDLING, CaseState.SPECIAL_HANDLING):
        lead = (
            CaseDepartment.objects.filter(case=case, role=CaseDepartment.Role.LEAD).select_related("department").first()
        )
        if lead is not None:
            return lead.department.name
    if case.state == CaseState.REFERRED:
        from fengqiao.referrals.models import Referral

        referral = Referral.objects.filter(case=case).select_related("department").order_by("-pk").first()
        if referral is not None and referral.department is not None:
            return referral.department.name
    return case.receiving_department.name


def payer_state(case: Case) -> str:
    return str(PAYER_STATE.get(CaseState(case.state), ""))
