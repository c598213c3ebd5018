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

        # 四(八): a referred matter is decided by the feedback of the department that signed for it.
        workflow.guard_add("decide", referral_answered)
