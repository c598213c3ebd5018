"""线上枫桥: what the payer's own pages keep beside the case (issue 14).

- ``PayerAccess``: the case's query code (查询码), given at registration to every case, window
  or online, and printed on the 受理告知书 ("可凭案件编号查询办理进度"); the payer's consent to
  electronic delivery; the online filing's submission key (a double submit makes one case).
- ``OneTimeCode``: a 6-digit code sent by SMS to the phone registered on the case, stored hashed.
- ``LookupFailure``: a wrong number or code, counted per case number for the lockout.
- ``OnlineIntake``: which department of a county takes online filings (四(一): the tax bureau's
  办税服务厅 / 云上服务中心 by default).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fengqiao.cases.models import Case
from fengqiao.core.crypto import EncryptedTextField
from fengqiao.org.models import Department, Jurisdiction


class PayerAccess(models.Model):
    """查询码 of one case, and what the payer chose on the portal.

    The code is SM4-GCM encrypted (it is printed again on the 受理告知书) and compared in
    constant time; the case is found by its number, so no index on the code is needed."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="payer_access")
    query_code = EncryptedTextField(_("查询码"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    # 结果反馈 by electronic delivery: consent given on the portal by the granted payer (B's consent_give).
    e_delivery_consent_at = models.DateTimeField(_("同意电子送达时间"), null=True, blank=True)
    # The online filing's one-time form key: the same form submitted twice finds this case.
    submission = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("缴费人查询码")
        verbose_name_plural = _("缴费人查询码")
        constraints = [
            models.UniqueConstraint(
                fields=["submission"], condition=~models.Q(submission=""), name="portal_access_submission_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.case)


class OneTimeCode(models.Model):
    """短信验证码: 6 digits sent to the phone registered on the case; valid for
    ``FENGQIAO_PORTAL_SMS_CODE_SECONDS``, used once, stored as a keyed hash."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["case", "expires_at"], name="portal_code_case_expires")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.created_at:%Y-%m-%d %H:%M}"


class LookupFailure(models.Model):
    """A wrong case number or code, by a keyed hash of the number (a guessed number counts as
    a real one does): ``FENGQIAO_PORTAL_LOCK_FAILURES`` of them within
    ``FENGQIAO_PORTAL_LOCK_MINUTES`` lock that number."""

    key = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("查询失败")
        verbose_name_plural = _("查询失败")

    def __str__(self) -> str:
        return f"{self.key[:8]} {self.at:%Y-%m-%d %H:%M}"


class OnlineIntake(models.Model):
    """网上受理部门: the department of a county that takes the disputes filed online (四(一):
    the tax bureau's 办税服务厅 / 云上服务中心). Without a row the county's tax bureau
    (department code ``tax``) takes them."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("旗县"), on_delete=models.CASCADE, related_name="online_intake"
    )
    department = models.ForeignKey(Department, verbose_name=_("网上受理部门"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("网上受理部门")
        verbose_name_plural = _("网上受理部门")

    def __str__(self) -> str:
        return f"{self.jurisdiction} → {self.department}"
