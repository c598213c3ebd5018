"""URL map: staff pages, the API under /api/v1/, the admin for configuration."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from fengqiao.core import todo_views
from fengqiao.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # 个人设置: my password, my API token
    path("account/", include("fengqiao.core.account_urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("todo/badge/", todo_views.todo_badge, name="todo-badge"),
    path("cases/<str:number>/documents/", include("fengqiao.documents.urls")),
    path("cases/", include("fengqiao.cases.urls")),
    path("meetings/", include("fengqiao.meetings.urls")),
    # 报送办理, 移交纪委监委 (fengqiao.referrals, issue 6)
    path("referrals/", include("fengqiao.referrals.urls")),
    # 时限督办, 延期, 调解, 法律审查 (fengqiao.handling, issue 5 items 5-6)
    path("handling/followthrough/", include("fengqiao.handling.followthrough.urls")),
    # 调查处理: tasks, written opinions, the leader's approval, the decision (fengqiao.handling, issue 5)
    path("handling/", include("fengqiao.handling.urls")),
    # 结果反馈, 跟踪回访, 救济途径 (fengqiao.followup, 四(四)(五))
    path("followup/", include("fengqiao.followup.urls")),
    # 综合分析, 绩效考评 (fengqiao.analytics, 四(六), 五(四))
    path("analytics/", include("fengqiao.analytics.urls")),
    # 案卷归档 (fengqiao.archive, issue 7 item 4)
    path("archive/", include("fengqiao.archive.urls")),
    # 信息发布审批 (fengqiao.releases, 五(三), issue 13 §3)
    path("releases/", include("fengqiao.releases.urls")),
    # 网络舆情 (fengqiao.opinion, 三(二)9, issue 15)
    path("opinion/", include("fengqiao.opinion.urls")),
    # 审计日志 (fengqiao.audit, issue 13: 三员分立, the auditor's pages)
    path("audit/", include("fengqiao.audit.urls")),
    # 责任追究 (fengqiao.accountability, 五(四), issue 15)
    path("accountability/", include("fengqiao.accountability.urls")),
    # 线上枫桥: the payer's own pages, no staff login (fengqiao.portal, issue 14)
    path("payer/", include("fengqiao.portal.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("fengqiao.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI with its start-up script as a file (the CSP allows no inline script); its
    # page carries a <style> block and draws data: images (docs/security.md).
    path(
        "api/v1/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

# Under /api/ the API's error shape as JSON, elsewhere the pages' error pages (fengqiao.core.errors).
handler400 = "fengqiao.core.errors.bad_request"
handler403 = "fengqiao.core.errors.permission_denied"
handler404 = "fengqiao.core.errors.page_not_found"
handler500 = "fengqiao.core.errors.server_error"
