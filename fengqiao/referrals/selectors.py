"""Every read of 报送办理 that depends on who is asking (CONVENTIONS 3): a referral or a
transfer someone may not see and one that does not exist give the same 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case
from fengqiao.cases.permissions import COUNTY_WIDE_ROLES
from fengqiao.cases.selectors import cases_visible_to
from fengqiao.cases.states import CaseState
from fengqiao.core import calendar
from fengqiao.org.models import Department, Role, Staff
from fengqiao.referrals import permissions
from fengqiao.referrals.models import DisciplineTransfer, DispatchCatalogueEntry, Referral, ReferralStatus

LIST_RELATED = ("case", "case__payer", "case__receiving_department", "department")
DESK_VIEWS = ("incoming", "dispatched", "returned", "overdue", "answered", "all")


def referrals_visible_to(user: Staff) -> QuerySet[Referral]:
    """The referrals of the cases ``user`` may see (the hotline office: every referral of its
    county; a department: those dispatched to it; the receiving department: its own)."""
    return Referral.objects.filter(case__in=cases_visible_to(user).values("pk"))


def referral_get_for(*, user: Staff, pk: int) -> Referral:
    try:
        return (
            referrals_visible_to(user).select_related(*LIST_RELATED, "case__jurisdiction", "form_document").get(pk=pk)
        )
    except Referral.DoesNotExist:
        raise Http404("no such referral") from None


def referral_answered(case: Case, data: dict[str, Any]) -> str | None:
    """The decide step's guard (``cases.workflow``, added in ``ReferralsConfig.ready``): 四(八) a
    referred matter is decided by the handling department's feedback, once it has signed for
    the referral (``referrals.services.referral_feedback``)."""
    if case.state != CaseState.REFERRED:
        return None
    if not Referral.objects.filter(case_id=case.pk, status=ReferralStatus.SIGNED).exists():
        return _("报送办理的事项须由签收的承办部门反馈办理结果后形成处理意见")
    return None


def referral_of_case(*, case: Case) -> Referral | None:
    """The referral of a case the caller was allowed to see (``case_get_for``)."""
    return Referral.objects.filter(case=case).select_related("department", "form_document").first()


def desk_list_for(*, user: Staff, view: str = "incoming") -> QuerySet[Referral]:
    """The hotline office's desk and a department's referrals: incoming (to dispatch), dispatched
    (waiting to be signed for or handled), returned, overdue, answered, all."""
    qs = referrals_visible_to(user)
    if not user.has_role(Role.HOTLINE_OFFICE) and user.department_id is not None:
        qs = qs.filter(Q(department_id=user.department_id) | Q(case__receiving_department_id=user.department_id))
    today = calendar.local_day(timezone.now())
    if view == "incoming":
        qs = qs.filter(status=ReferralStatus.SENT)
    elif view == "dispatched":
        qs = qs.filter(status__in=[ReferralStatus.DISPATCHED, ReferralStatus.SIGNED])
    elif view == "returned":
        qs = qs.filter(status=ReferralStatus.RETURNED)
    elif view == "overdue":
        qs = qs.filter(
            Q(status=ReferralStatus.DISPATCHED, sign_due_on__lt=today)
            | Q(status=ReferralStatus.SIGNED, handle_due_on__lt=today)
        )
    elif view == "answered":
        qs = qs.filter(status=ReferralStatus.ANSWERED)
    return qs.select_related(*LIST_RELATED).order_by("-sent_at", "-id")


def catalogue_propose(*, referral: Referral) -> list[DispatchCatalogueEntry]:
    """The departments the dispatch catalogue names for the case's categories (三(二) duties)."""
    return list(
        DispatchCatalogueEntry.objects.filter(
            jurisdiction_id=referral.jurisdiction_id, category__in=referral.case.categories.all()
        )
        .select_related("department", "category")
        .order_by("category__sort_order", "sort_order", "id")
    )


def dispatch_departments(*, referral: Referral) -> QuerySet[Department]:
    return (
        Department.objects.filter(jurisdiction_id=referral.jurisdiction_id, active=True)
        .exclude(pk=referral.case.receiving_department_id)
        .order_by("sort_order", "id")
    )


def transfers_visible_to(user: Staff) -> QuerySet[DisciplineTransfer]:
    """The discipline liaison and the county-wide roles see every transfer of their county; the
    receiving department sees its own. The refusing department is not told of the transfer of
    clues against it (the 纪委监委 decides what to do with them)."""
    county = user.jurisdiction
    if county is None or not user.is_active:
        return DisciplineTransfer.objects.none()
    if permissions.is_discipline_liaison(user) or user.has_role(*COUNTY_WIDE_ROLES):
        return DisciplineTransfer.objects.filter(jurisdiction=county)
    return DisciplineTransfer.objects.filter(
        jurisdiction=county, case__receiving_department_id=user.department_id
    ).filter(case__in=cases_visible_to(user).values("pk"))


def transfer_list_for(*, user: Staff) -> QuerySet[DisciplineTransfer]:
    return transfers_visible_to(user).select_related(
        "case", "case__receiving_department", "refusing_department", "letter", "transferred_by"
    )


def transfer_get_for(*, user: Staff, pk: int) -> DisciplineTransfer:
    try:
        return transfer_list_for(user=user).select_related("referral").get(pk=pk)
    except DisciplineTransfer.DoesNotExist:
        raise Http404("no such transfer") from None
