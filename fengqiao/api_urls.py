"""REST API v1 routes. Each app adds its own router here."""

from django.urls import path

from fengqiao.cases import api as cases_api
from fengqiao.core import api as core_api
from fengqiao.core import todo_views
from fengqiao.documents import api as documents_api
from fengqiao.handling import api as handling_api
from fengqiao.handling import legal_api, taskcontrol_api
from fengqiao.handling.followthrough import api as followthrough_api
from fengqiao.integrations import api as integrations_api
from fengqiao.meetings import api as meetings_api

urlpatterns = [
    path("me/", core_api.MeView.as_view(), name="api-me"),
    # 待办: what waits on the caller (core.todo)
    path("todo/", todo_views.TodoView.as_view(), name="api-todo"),
    # 四(一) 一站受理, 四(二) 审核转办
    path("categories/", cases_api.CategoryListView.as_view(), name="api-categories"),
    path("cases/", cases_api.CaseListView.as_view(), name="api-cases"),
    path("cases/duplicates/", cases_api.DuplicateListView.as_view(), name="api-case-duplicates"),
    path("cases/<str:number>/", cases_api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<str:number>/routing/", cases_api.CaseRoutingView.as_view(), name="api-case-routing"),
    path("cases/<str:number>/reveal/", cases_api.CaseRevealView.as_view(), name="api-case-reveal"),
    path(
        "cases/<str:number>/parties/<str:party>/correction/",
        cases_api.CasePartyCorrectionView.as_view(),
        name="api-case-party-correction",
    ),
    # 文书 (GB/T 9704 DOCX and PDF)
    path("cases/<str:number>/documents/", documents_api.CaseDocumentListView.as_view(), name="api-case-documents"),
    path(
        "cases/<str:number>/documents/<int:document_id>/docx/",
        documents_api.CaseDocumentDocxView.as_view(),
        name="api-case-document-docx",
    ),
    path(
        "cases/<str:number>/documents/<int:document_id>/pdf/",
        documents_api.CaseDocumentPdfView.as_view(),
        name="api-case-document-pdf",
    ),
    path(
        "cases/<str:number>/attachments/<str:token>/",
        cases_api.CaseAttachmentDownloadView.as_view(),
        name="api-case-attachment",
    ),
    # 时限督办, 延期, 调解 (fengqiao.handling.followthrough.api); 法律审查 (fengqiao.handling.legal_api)
    path("followthrough/overdue/", followthrough_api.SupervisionView.as_view(), name="api-followthrough-overdue"),
    path("followthrough/reminders/", followthrough_api.MyRemindersView.as_view(), name="api-followthrough-reminders"),
    path(
        "cases/<str:number>/extensions/",
        followthrough_api.CaseExtensionsView.as_view(),
        name="api-case-extensions",
    ),
    path(
        "extensions/<int:pk>/decision/",
        followthrough_api.ExtensionDecideView.as_view(),
        name="api-extension-decision",
    ),
    path(
        "cases/<str:number>/mediations/",
        followthrough_api.CaseMediationsView.as_view(),
        name="api-case-mediations",
    ),
    path(
        "mediations/<int:pk>/result/",
        followthrough_api.MediationResultView.as_view(),
        name="api-mediation-result",
    ),
    path("legal-reviews/queue/", legal_api.LegalQueueView.as_view(), name="api-legal-queue"),
    path(
        "decisions/<int:pk>/legal-reviews/",
        legal_api.DecisionLegalReviewsView.as_view(),
        name="api-decision-legal-reviews",
    ),
    path(
        "decisions/<int:pk>/legal-review-request/",
        legal_api.DecisionLegalRequestView.as_view(),
        name="api-decision-legal-request",
    ),
]

# 四(三)3 会商 (fengqiao.meetings)
urlpatterns += [
    path("consultations/", meetings_api.ConsultationListView.as_view(), name="api-consultations"),
    path("consultations/<int:pk>/", meetings_api.ConsultationDetailView.as_view(), name="api-consultation"),
    path("consultations/<int:pk>/step/", meetings_api.ConsultationStepView.as_view(), name="api-consultation-step"),
    path(
        "consultations/<int:pk>/approval/",
        meetings_api.ConsultationApprovalView.as_view(),
        name="api-consultation-approval",
    ),
    path(
        "consultations/<int:pk>/attendance/",
        meetings_api.ConsultationAttendanceView.as_view(),
        name="api-consultation-attendance",
    ),
    path(
        "consultations/<int:pk>/minutes/",
        meetings_api.ConsultationMinutesView.as_view(),
        name="api-consultation-minutes",
    ),
    path(
        "consultations/<int:pk>/resolutions/",
        meetings_api.ConsultationResolutionsView.as_view(),
        name="api-consultation-resolutions",
    ),
    path(
        "consultations/<int:pk>/resolutions/<int:resolution_id>/task/",
        meetings_api.ResolutionTaskView.as_view(),
        name="api-consultation-resolution-task",
    ),
    path("consultations/<int:pk>/issue/", meetings_api.ConsultationIssueView.as_view(), name="api-consultation-issue"),
    path(
        "consultations/<int:pk>/documents/<int:document_id>/docx/",
        meetings_api.MinutesDocxView.as_view(),
        name="api-consultation-document-docx",
    ),
    path(
        "consultations/<int:pk>/documents/<int:document_id>/pdf/",
        meetings_api.MinutesPdfView.as_view(),
        name="api-consultation-document-pdf",
    ),
    # 四(三) 调查处理: tasks, written opinions, the decision, the leader's approval (fengqiao.handling)
    path("tasks/", handling_api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/", handling_api.TaskDetailView.as_view(), name="api-task"),
    path("tasks/<int:pk>/sign/", handling_api.TaskSignView.as_view(), name="api-task-sign"),
    path("tasks/<int:pk>/return/", handling_api.TaskReturnView.as_view(), name="api-task-return"),
    path("tasks/<int:pk>/reroute/", handling_api.TaskRerouteView.as_view(), name="api-task-reroute"),
    path("tasks/<int:pk>/cancel/", taskcontrol_api.TaskCancelView.as_view(), name="api-task-cancel"),
    path("tasks/<int:pk>/reassign/", taskcontrol_api.TaskReassignView.as_view(), name="api-task-reassign"),
    path("tasks/<int:pk>/transfer/", taskcontrol_api.TaskTransferView.as_view(), name="api-task-transfer"),
    path("delegations/", taskcontrol_api.DelegationListView.as_view(), name="api-delegations"),
    path("delegations/<int:pk>/revoke/", taskcontrol_api.DelegationRevokeView.as_view(), name="api-delegation-revoke"),
    path("tasks/<int:pk>/opinion/", handling_api.OpinionView.as_view(), name="api-task-opinion"),
    path("tasks/<int:pk>/opinion/submit/", handling_api.OpinionSubmitView.as_view(), name="api-task-opinion-submit"),
    path("tasks/<int:pk>/opinion/sign/", handling_api.OpinionSignView.as_view(), name="api-task-opinion-sign"),
    path("cases/<str:number>/decision/", handling_api.DecisionView.as_view(), name="api-case-decision"),
    path(
        "cases/<str:number>/decision/issue/", handling_api.DecisionIssueView.as_view(), name="api-case-decision-issue"
    ),
    path("special-requests/", handling_api.SpecialRequestListView.as_view(), name="api-special-requests"),
    path(
        "special-requests/<int:pk>/forward/",
        handling_api.SpecialForwardView.as_view(),
        name="api-special-request-forward",
    ),
    path(
        "special-requests/<int:pk>/approve/",
        handling_api.SpecialApproveView.as_view(),
        name="api-special-request-approve",
    ),
    path(
        "special-requests/<int:pk>/decline/",
        handling_api.SpecialDeclineView.as_view(),
        name="api-special-request-decline",
    ),
]

# 四(八) 12345 platform: work orders in (fengqiao.integrations; status reports go out through the outbox)
urlpatterns += [
    path("hotline/work-orders/", integrations_api.WorkOrderReceiveView.as_view(), name="api-hotline-work-orders"),
]

# 四(八) 报送办理, 移交纪委监委 (fengqiao.referrals)
from fengqiao.referrals import api as referrals_api  # noqa: E402

urlpatterns += [
    path("referrals/", referrals_api.ReferralListView.as_view(), name="api-referrals"),
    path("referrals/<int:pk>/", referrals_api.ReferralDetailView.as_view(), name="api-referral"),
    *[
        path(
            f"referrals/<int:pk>/{name.replace('_', '-')}/",
            view.as_view(),
            name=f"api-referral-{name.replace('_', '-')}",
        )
        for name, view in referrals_api.STEP_VIEWS.items()
    ],
    path("discipline-transfers/", referrals_api.TransferListView.as_view(), name="api-discipline-transfers"),
    path("discipline-transfers/<int:pk>/", referrals_api.TransferDetailView.as_view(), name="api-discipline-transfer"),
]

from fengqiao.archive import api as archive_api  # noqa: E402

# 案卷归档 (fengqiao.archive, 四(七))
urlpatterns += [
    path("cases/<str:number>/dossier/", archive_api.DossierView.as_view(), name="api-case-dossier"),
    path("cases/<str:number>/dossier/export/", archive_api.DossierExportView.as_view(), name="api-case-dossier-export"),
    path("cases/<str:number>/dossier/verify/", archive_api.DossierVerifyView.as_view(), name="api-case-dossier-verify"),
]

from fengqiao.releases import api as releases_api  # noqa: E402

# 信息发布审批 (fengqiao.releases, 五(三))
urlpatterns += [
    path("releases/", releases_api.ReleaseListView.as_view(), name="api-releases"),
    path("releases/<int:pk>/", releases_api.ReleaseDetailView.as_view(), name="api-release"),
    path("releases/<int:pk>/decision/", releases_api.ReleaseDecisionView.as_view(), name="api-release-decision"),
    path("releases/<int:pk>/withdrawal/", releases_api.ReleaseWithdrawalView.as_view(), name="api-release-withdrawal"),
    path("releases/<int:pk>/record/", releases_api.ReleaseRecordView.as_view(), name="api-release-record"),
]

from fengqiao.followup import api as followup_api  # noqa: E402

# 结果反馈 (四(四)), 跟踪回访 (四(五)) and the remedies of a payer who objects (fengqiao.followup)
urlpatterns += [
    path("followup/work/", followup_api.FollowUpWorkView.as_view(), name="api-followup-work"),
    path("cases/<str:number>/followup/", followup_api.CaseFollowUpView.as_view(), name="api-case-followup"),
    path("cases/<str:number>/deliveries/", followup_api.CaseDeliveriesView.as_view(), name="api-case-deliveries"),
    path(
        "cases/<str:number>/deliveries/<int:pk>/reveal/",
        followup_api.CaseDeliveryRevealView.as_view(),
        name="api-case-delivery-reveal",
    ),
    path("cases/<str:number>/visits/", followup_api.CaseVisitsView.as_view(), name="api-case-visits"),
    path("visits/<int:pk>/record/", followup_api.VisitRecordView.as_view(), name="api-visit-record"),
    path("cases/<str:number>/remedies/", followup_api.CaseRemediesView.as_view(), name="api-case-remedies"),
    path("remedies/<int:pk>/check/", followup_api.RemedyCheckView.as_view(), name="api-remedy-check"),
    path("remedies/<int:pk>/outcome/", followup_api.RemedyOutcomeView.as_view(), name="api-remedy-outcome"),
]

from fengqiao.analytics import api as analytics_api  # noqa: E402

# 综合分析, 绩效考评 (fengqiao.analytics, 四(六), 五(四))
urlpatterns += [
    path("analytics/monthly/<str:month>/", analytics_api.MonthlyView.as_view(), name="api-analytics-monthly"),
    path("analytics/scorecards/<str:month>/", analytics_api.ScorecardsView.as_view(), name="api-analytics-scorecards"),
    path("analytics/reports/<str:month>/", analytics_api.ReportsView.as_view(), name="api-analytics-reports"),
    path("analytics/recount/<str:month>/", analytics_api.RecountView.as_view(), name="api-analytics-recount"),
]

from fengqiao.audit import api as audit_api  # noqa: E402

# 审计记录 (fengqiao.audit, issue 13: 三员分立 — the 审计管理员 alone)
urlpatterns += [
    path("audit/records/", audit_api.AuditRecordListView.as_view(), name="api-audit-records"),
]

from fengqiao.accountability import api as accountability_api  # noqa: E402

# 责任追究 (fengqiao.accountability, 五(四))
urlpatterns += [
    path("accountability/records/", accountability_api.RecordListView.as_view(), name="api-accountability-records"),
    path(
        "accountability/records/<int:pk>/",
        accountability_api.RecordDetailView.as_view(),
        name="api-accountability-record",
    ),
    path(
        "accountability/records/<int:pk>/confirm/",
        accountability_api.RecordConfirmView.as_view(),
        name="api-accountability-record-confirm",
    ),
    path(
        "accountability/records/<int:pk>/dismiss/",
        accountability_api.RecordDismissView.as_view(),
        name="api-accountability-record-dismiss",
    ),
]

from fengqiao.opinion import api as opinion_api  # noqa: E402

# 网络舆情 (fengqiao.opinion, 三(二)9, issue 15)
urlpatterns += [
    path("opinion/items/", opinion_api.ItemListView.as_view(), name="api-opinion-items"),
    path("opinion/items/<int:pk>/", opinion_api.ItemDetailView.as_view(), name="api-opinion-item"),
    path("opinion/items/<int:pk>/case-search/", opinion_api.ItemCaseSearchView.as_view(), name="api-opinion-search"),
    path("opinion/items/<int:pk>/links/", opinion_api.ItemLinkView.as_view(), name="api-opinion-link"),
    path("opinion/items/<int:pk>/lead-case/", opinion_api.ItemLeadView.as_view(), name="api-opinion-lead"),
    path("opinion/items/<int:pk>/assignment/", opinion_api.ItemAssignView.as_view(), name="api-opinion-assign"),
    path("opinion/items/<int:pk>/steps/", opinion_api.ItemStepView.as_view(), name="api-opinion-step"),
    path("opinion/items/<int:pk>/closing/", opinion_api.ItemCloseView.as_view(), name="api-opinion-close"),
    path(
        "opinion/items/<int:pk>/screenshots/", opinion_api.ItemScreenshotView.as_view(), name="api-opinion-screenshot"
    ),
]
