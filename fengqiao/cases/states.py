"""The states of a case's life cycle (四 工作流程), one per box of ARCHITECTURE.md's diagram.

Only ``fengqiao.cases.workflow.transition`` moves a case between them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    REGISTERED = "registered", _("待审核转办")  # 四(一) registered for 四(二) review and routing
    OWN_HANDLING = "own_handling", _("本部门办理")  # 四(一) within the receiving department's duty
    INFORMED = "informed", _("已告知去向")  # 四(一) not its duty: payer told where to go, closed
    JOINT_HANDLING = "joint_handling", _("联合办理")  # 四(三)1 general matter
    AWAITING_APPROVAL = "awaiting_approval", _("待组长审批")  # 四(三)2 major matter, 报请组长同意
    SPECIAL_HANDLING = "special_handling", _("专案处理")  # 四(三)2 approved major matter
    REFERRED = "referred", _("已报送办理")  # 四(八) responsibility unclear, via 旗政府办/12345
    DECIDED = "decided", _("已形成处理意见")
    NOTIFIED = "notified", _("已反馈结果")  # 四(四)
    FOLLOWING_UP = "following_up", _("跟踪回访")  # 四(五)
    REMEDY_TRACKING = "remedy_tracking", _("救济途径跟踪")  # 四(四)(五) objection
    ARCHIVED = "archived", _("已归档")  # 四(七)
    MERGED = "merged", _("已合并")  # a duplicate merged into its survivor


# States in which nothing more is done on the case itself.
CLOSED_STATES = frozenset({CaseState.INFORMED, CaseState.ARCHIVED, CaseState.MERGED})
OPEN_STATES = frozenset(set(CaseState) - CLOSED_STATES)


class IntakeOutcome(models.TextChoices):
    """The three outcomes of 四(一) 一站受理."""

    OWN = "own", _("属本部门职责，限时办结")
    INFORM = "inform", _("不属本部门职责，告知缴费人前往相关部门")
    REVIEW = "review", _("需多部门办理或职责不清，登记后审核转办")


class Classification(models.TextChoices):
    """四(二): general or major; unclear responsibility goes to 四(八)."""

    GENERAL = "general", _("一般事项")
    MAJOR = "major", _("重大疑难事项")
    UNCLEAR = "unclear", _("职责不清（报送办理）")
