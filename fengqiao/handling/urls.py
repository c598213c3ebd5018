from django.urls import path

from fengqiao.handling import legal_views, taskcontrol_views, views

urlpatterns = [
    path("tasks/", views.task_inbox, name="task-inbox"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/sign/", views.task_sign, name="task-sign"),
    path("tasks/<int:pk>/return/", views.task_return, name="task-return"),
    path("tasks/<int:pk>/reroute/", views.task_reroute, name="task-reroute"),
    # 任务调度 and 代签授权 (handling.taskcontrol, handling.delegation)
    path("tasks/<int:pk>/cancel/", taskcontrol_views.task_cancel, name="task-cancel"),
    path("tasks/<int:pk>/reassign/", taskcontrol_views.task_reassign, name="task-reassign"),
    path("tasks/<int:pk>/transfer/", taskcontrol_views.task_transfer, name="task-transfer"),
    path("delegations/", taskcontrol_views.delegation_list, name="delegation-list"),
    path("delegations/<int:pk>/revoke/", taskcontrol_views.delegation_revoke, name="delegation-revoke"),
    path("tasks/<int:pk>/opinion/", views.opinion_save, name="task-opinion"),
    path("tasks/<int:pk>/opinion/sign/", views.opinion_sign, name="task-opinion-sign"),
    path("tasks/<int:pk>/opinion/send-back/", views.opinion_send_back, name="task-opinion-send-back"),
    path("tasks/<int:pk>/attachments/", views.task_attachment_add, name="task-attachment-add"),
    path("approvals/", views.approval_queue, name="approval-queue"),
    path("approvals/<int:pk>/forward/", views.special_forward, name="special-forward"),
    path("approvals/<int:pk>/approve/", views.special_approve, name="special-approve"),
    path("approvals/<int:pk>/decline/", views.special_decline, name="special-decline"),
    path("cases/<str:number>/decision/", views.decision_edit, name="case-decision"),
    path("cases/<str:number>/route/", views.case_route, name="case-route"),
    # 司法局法律审查 (handling.legal_views) kept the address and names it had beside the
    # follow-through's pages (/handling/followthrough/ tries its own patterns first).
    path("followthrough/legal/", legal_views.legal_queue, name="followthrough-legal-queue"),
    path("followthrough/legal/<int:pk>/", legal_views.legal_review, name="followthrough-legal-review"),
    path("followthrough/legal/<int:pk>/request/", legal_views.legal_request, name="followthrough-legal-request"),
]
