"""The steps of a referral as one table, shared by the pages and the API: which form parses the
input, who may take the step (for the buttons), and which service takes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.utils.translation import gettext_lazy as _

from fengqiao.org.models import Staff
from fengqiao.referrals import forms, permissions, services
from fengqiao.referrals.models import Referral, ReferralStatus


@dataclass(frozen=True)
class Step:
    name: str
    label: Any
    form: type[django_forms.Form]
    may: Callable[[Staff, Referral], bool]
    open_when: Callable[[Referral], bool]
    run: Callable[[Referral, Staff, dict[str, Any]], Any]


def _v(data: dict[str, Any]) -> int | None:
    return data.get("version")


def _returnable(r: Referral) -> bool:
    return r.status == ReferralStatus.DISPATCHED and not r.designated and not r.return_rejected


def _transferable(r: Referral) -> bool:
    return services.refusal_ground(r) is not None


STEPS: dict[str, Step] = {
    s.name: s
    for s in [
        Step(
            "work_order",
            _("登记工单号"),
            forms.WorkOrderForm,
            permissions.may_dispatch,
            lambda r: r.status != ReferralStatus.ANSWERED,
            lambda r, u, d: services.referral_work_order_set(
                referral=r, actor=u, work_order_number=d["work_order_number"], expected_version=_v(d)
            ),
        ),
        Step(
            "dispatch",
            _("派单 / 重新派单"),
            forms.DispatchForm,
            permissions.may_dispatch,
            lambda r: (
                r.status in (ReferralStatus.SENT, ReferralStatus.RETURNED, ReferralStatus.DISPATCHED)
                and not r.designated
                and r.returns < services.DESIGNATE_AFTER_RETURNS
            ),
            lambda r, u, d: services.referral_dispatch(
                referral=r, actor=u, department=d["department"], kind=d.get("kind") or None, expected_version=_v(d)
            ),
        ),
        Step(
            "designate",
            _("指定承办部门"),
            forms.DispatchForm,
            permissions.may_dispatch,
            lambda r: r.status == ReferralStatus.RETURNED and r.returns >= services.DESIGNATE_AFTER_RETURNS,
            lambda r, u, d: services.referral_designate(
                referral=r, actor=u, department=d["department"], kind=d.get("kind") or None, expected_version=_v(d)
            ),
        ),
        Step(
            "reject_return",
            _("退回理由不成立，发回办理"),
            forms.ReasonForm,
            permissions.may_dispatch,
            lambda r: r.status == ReferralStatus.RETURNED,
            lambda r, u, d: services.referral_return_reject(
                referral=r, actor=u, reason=d["reason"], expected_version=_v(d)
            ),
        ),
        Step(
            "sign",
            _("签收"),
            forms.VersionForm,
            permissions.may_work,
            lambda r: r.status == ReferralStatus.DISPATCHED,
            lambda r, u, d: services.referral_sign(referral=r, actor=u, expected_version=_v(d)),
        ),
        Step(
            "return",
            _("退回（附理由）"),
            forms.ReasonForm,
            permissions.may_work,
            _returnable,
            lambda r, u, d: services.referral_return(referral=r, actor=u, reason=d["reason"], expected_version=_v(d)),
        ),
        Step(
            "feedback",
            _("办理反馈"),
            forms.FeedbackForm,
            permissions.may_work,
            lambda r: r.status == ReferralStatus.SIGNED,
            lambda r, u, d: services.referral_feedback(
                referral=r,
                actor=u,
                request=d["request"],
                facts_and_reasons=d["facts_and_reasons"],
                result=d["result"],
                legal_basis=d["legal_basis"],
                remedies=d["remedies"],
                feedback_to_office=d["feedback_to_office"],
                expected_version=_v(d),
            ),
        ),
        Step(
            "transfer",
            _("移交纪委监委"),
            forms.TransferForm,
            lambda u, r: permissions.may_transfer(u, r.case),
            _transferable,
            lambda r, u, d: services.discipline_transfer(
                referral=r, actor=u, note=d.get("note", ""), expected_version=_v(d)
            ),
        ),
    ]
}


def form_for(step: Step, data: Any, referral: Referral) -> django_forms.Form:
    if step.form is forms.DispatchForm:
        return forms.DispatchForm(data, county=referral.case.jurisdiction)
    if step.form is forms.FeedbackForm:
        return forms.FeedbackForm(data, case=referral.case)
    return step.form(data)


def steps_for(*, user: Staff, referral: Referral) -> list[Step]:
    """The steps ``user`` may take on ``referral`` now (the buttons of the page)."""
    transferred = DisciplineTransferLookup.done(referral)
    return [
        s
        for s in STEPS.values()
        if s.may(user, referral) and s.open_when(referral) and not (s.name == "transfer" and transferred)
    ]


class DisciplineTransferLookup:
    @staticmethod
    def done(referral: Referral) -> bool:
        from fengqiao.referrals.models import DisciplineTransfer

        return DisciplineTransfer.objects.filter(referral_id=referral.pk).exists()
