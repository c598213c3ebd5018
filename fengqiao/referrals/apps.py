from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """报送办理 — 四(八): referral forms (报送单) of matters whose responsibility is unclear, the
    旗政府办 12345 hotline office's dispatch, the handling department's sign-for, return, handling
    and feedback, and the transfer of case clues to the 纪委监委 on refusal without justification."""

    name = "fengqiao.referrals"
    label = "referrals"
    verbose_name = _("报送办理")

    def ready(self) -> None:
        # A referral's provisional limits become exact when their year is entered, as the case's.
        from fengqiao.core.calendar import calendar_year_completed
        from fengqiao.referrals.recompute import calendar_year_completed_receiver

        calendar_year_completed.connect(calendar_year_completed_receiver, dispatch_uid="referrals.recompute")

        from fengqiao.cases import workflow
        from fengqiao.referrals.selectors import referral_answered

        # 四(八): a referred matter is decided by the feedback of the department that signed for it,
        # and by that department.
        workflow.guard_add("decide", referral_answered)

        from fengqiao.cases.states import CaseState
        from fengqiao.handling.permissions import decider_register
        from fengqiao.referrals.permissions import may_answer_case

        decider_register(CaseState.REFERRED, may_answer_case)

        from fengqiao.cases.services import case_routed

        # 四(八): a matter whose responsibility is unclear gets its 报送单 when the review routes it.
        case_routed.connect(_routed, dispatch_uid="referrals.routed")

        from fengqiao.cases import panels

        # The case page's 报送办理: the referral of a matter whose responsibility is unclear.
        panels.register(panels.Panel("referrals", _case_panel, order=50))


def _routed(sender: Any, case: Any, actor: Any, classification: str, reason: str, **kwargs: Any) -> None:
    """职责不清 (四(二), 四(八)): the referral form (报送单) to the 旗政府办 hotline office."""
    from fengqiao.cases.states import Classification

    if classification == Classification.UNCLEAR:
        from fengqiao.referrals.services import referral_create

        referral_create(case=case, actor=actor, reason=reason)

        from django.db.models import Exists, OuterRef, Q

        from fengqiao.cases.selectors import seen_by_register
        from fengqiao.org.models import Role
        from fengqiao.referrals.models import DisciplineTransfer, Referral

        # 四(八): the 12345 hotline office sees the referred cases of its county, the discipline
        # liaison those whose clues were transferred to the 纪委监委.
        seen_by_register(Role.HOTLINE_OFFICE, lambda: Q(Exists(Referral.objects.filter(case=OuterRef("pk")))))
        seen_by_register(
            Role.DISCIPLINE_LIAISON, lambda: Q(Exists(DisciplineTransfer.objects.filter(case=OuterRef("pk"))))
        )


def _case_panel(*, user: Any, case: Any, page: dict[str, Any]) -> dict[str, Any]:
    from fengqiao.referrals.views import case_referral_context

    return case_referral_context(user=user, case=case)
