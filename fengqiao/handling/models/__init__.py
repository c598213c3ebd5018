"""The models of 调查处理, one module per part of the app: ``investigation`` (tasks, written
opinions, special handling, the decision, legal review) and ``followthrough`` (reminders and
escalations, extensions, mediation). Both are imported here, where Django looks for an app's
models; code imports them from here."""

from fengqiao.handling.models.followthrough import (
    Extension,
    ExtensionStatus,
    FollowUpKind,
    FollowUpNotice,
    MediationResult,
    MediationSession,
)
from fengqiao.handling.models.investigation import (
    DECISION_CONTENT_FIELDS,
    OPEN_TASK_STATUSES,
    REMEDY_KEYS,
    Decision,
    DecisionResult,
    DecisionStatus,
    LegalReview,
    LegalReviewConclusion,
    Opinion,
    OpinionStatus,
    SignedOpinionImmutable,
    SpecialHandlingRequest,
    SpecialHandlingStatus,
    Task,
    TaskKind,
    TaskStatus,
    decision_content_digest,
)

__all__ = [
    "DECISION_CONTENT_FIELDS",
    "OPEN_TASK_STATUSES",
    "REMEDY_KEYS",
    "Decision",
    "DecisionResult",
    "DecisionStatus",
    "Extension",
    "ExtensionStatus",
    "FollowUpKind",
    "FollowUpNotice",
    "LegalReview",
    "LegalReviewConclusion",
    "MediationResult",
    "MediationSession",
    "Opinion",
    "OpinionStatus",
    "SignedOpinionImmutable",
    "SpecialHandlingRequest",
    "SpecialHandlingStatus",
    "Task",
    "TaskKind",
    "TaskStatus",
    "decision_content_digest",
]
