"""代签授权: a department head authorises a deputy of the same department to sign its written
opinions (部门负责人签发, 四(三)1 3) 各联办单位…提供书面意见) for a period, so a task does not wait
待负责人签发 while the head is away.

The head creates and revokes the authorisation (pages ``/handling/delegations/`` and the API
``/api/v1/delegations/``); ``permissions.may_sign_opinion`` honours it on the days it covers;
``services.opinion_sign`` records it on the opinion and on the case timeline ("由X代签").

An authorisation lapses by itself when its period ends, when it is revoked, when the head no
longer heads the department, or when the deputy leaves it: all of this is checked when it is
used, so nothing has to be cleaned up.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.workflow import TransitionError
from fengqiao.core import calendar
from fengqiao.handling import permissions
from fengqiao.org.models import Role, SigningDelegation, Staff

# An authorisation covers an absence; a longer one means appointing another head (admin).
MAX_PERIOD_DAYS = 90
# How far ahead an authorisation may be given.
MAX_LEAD_DAYS = 90


def _today() -> date:
    return calendar.local_day(timezone.now())


# --- reads ------------------------------------------------------------------------------


def delegation_active(*, deputy: Staff, department_id: int | None, day: date | None = None) -> SigningDelegation | None:
    """The authorisation under which ``deputy`` signs for ``department_id`` on ``day`` (today):
    not revoked, the day within its period, the deputy still of the department and its head
    still its head. One query."""
    if department_id is None or deputy.department_id != department_id or not deputy.is_active:
        return None
    day = day or _today()
    return (
        SigningDelegation.objects.filter(
            deputy=deputy,
            department_id=department_id,
            revoked_at__isnull=True,
            starts_on__lte=day,
            ends_on__gte=day,
            principal__department_id=department_id,
            principal__is_active=True,
            principal__roles__role=Role.DEPARTMENT_HEAD,
        )
        .select_related("principal")
        .order_by("-starts_on", "-id")
        .first()
    )


def delegations_visible_to(user: Staff) -> QuerySet[SigningDelegation]:
    """The authorisations of ``user``'s department, for its head; the ones given to ``user``,
    for anyone else. Newest first."""
    qs = SigningDelegation.objects.select_related("principal", "deputy", "revoked_by", "department")
    if user.department_id is None:
        return qs.none()
    if permissions.may_delegate_signing(user):
        return qs.filter(department_id=user.department_id).order_by("-starts_on", "-id")
    return qs.filter(deputy=user, department_id=user.department_id).order_by("-starts_on", "-id")


def delegation_get_for(*, user: Staff, pk: int) -> SigningDelegation:
    """One authorisation ``user`` may see; otherwise 404 as if it did not exist."""
    try:
        return delegations_visible_to(user).get(pk=pk)
    except (SigningDelegation.DoesNotExist, ValueError):
        raise Http404("no such delegation") from None


def deputies_for(head: Staff) -> QuerySet[Staff]:
    """Whom a head may authorise: the active handlers of the department who are not heads."""
    if head.department_id is None:
        return Staff.objects.none()
    return (
        Staff.objects.filter(department_id=head.department_id, is_active=True, roles__role=Role.HANDLER)
        .exclude(roles__role=Role.DEPARTMENT_HEAD)
        .exclude(pk=head.pk)
        .distinct()
        .order_by("username")
    )


# --- writes -----------------------------------------------------------------------------


@transaction.atomic
def delegation_create(*, actor: Staff, deputy: Staff, starts_on: date, ends_on: date, reason: str) -> SigningDelegation:
    """授权代签: the head of a department authorises ``deputy`` (a handler of the same
    department) to sign its written opinions from ``starts_on`` to ``ends_on`` (both included)
    for ``reason``. The period starts today or later, ends on or after its start, and lasts at
    most ``MAX_PERIOD_DAYS`` days; the same deputy holds no two overlapping authorisations."""
    if not permissions.may_delegate_signing(actor):
        raise PermissionDenied(_("只有部门负责人可以授权代签。"))
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("请写明授权代签的事由（如：负责人外出学习）。")]
    if deputy.department_id != actor.department_id or not deputy.is_active:
        errors["deputy"] = [_("代签人须为本部门在岗工作人员。")]
    elif deputy.pk == actor.pk or deputy.has_role(Role.DEPARTMENT_HEAD):
        errors["deputy"] = [_("代签人已是部门负责人，无需授权。")]
    elif not deputy.has_role(Role.HANDLER):
        errors["deputy"] = [_("代签人须为本部门经办人。")]
    today = _today()
    if starts_on < today:
        errors["starts_on"] = [_("起始日期不能早于今天（%(d)s）。") % {"d": today.isoformat()}]
    elif starts_on > today + timedelta(days=MAX_LEAD_DAYS):
        errors["starts_on"] = [_("起始日期不能晚于%(n)d日之后。") % {"n": MAX_LEAD_DAYS}]
    if ends_on < starts_on:
        errors["ends_on"] = [_("截止日期不能早于起始日期。")]
    elif (ends_on - starts_on).days + 1 > MAX_PERIOD_DAYS:
        errors["ends_on"] = [
            _("代签期限最长%(n)d日；负责人长期不在岗的，请由管理员调整部门负责人。") % {"n": MAX_PERIOD_DAYS}
        ]
    if errors:
        raise ValidationError(errors)
    department_id = actor.department_id
    assert department_id is not None  # may_delegate_signing: a head of a department
    # Serialise authorisations of one deputy: lock the deputy's row, then look for overlaps.
    _lock_staff(deputy.pk)
    overlapping = SigningDelegation.objects.filter(
        deputy=deputy,
        department_id=department_id,
        revoked_at__isnull=True,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).first()
    if overlapping is not None:
        raise ValidationError(
            {
                "starts_on": [
                    _("%(who)s在%(a)s至%(b)s已有代签授权。")
                    % {"who": deputy, "a": overlapping.starts_on.isoformat(), "b": overlapping.ends_on.isoformat()}
                ]
            }
        )
    return SigningDelegation.objects.create(
        department_id=department_id,
        principal=actor,
        deputy=deputy,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_at=timezone.now(),
    )


def _for_update(qs: Any) -> Any:
    # PostgreSQL: lock only the named row, not the rows joined by select_related.
    if connection.features.has_select_for_update_of:
        return qs.select_for_update(of=("self",))
    return qs.select_for_update()


def _lock_staff(pk: int) -> None:
    list(_for_update(Staff.objects.filter(pk=pk)).values_list("pk", flat=True))


@transaction.atomic
def delegation_revoke(
    *, delegation: SigningDelegation, actor: Staff, reason: str = "", expected_version: int | None = None
) -> SigningDelegation:
    """撤销代签授权: a head of the department ends an authorisation before its period ends.
    The row stays, with who revoked it, when and why; opinions already signed under it keep
    it."""
    locked: SigningDelegation = _for_update(SigningDelegation.objects.filter(pk=delegation.pk)).get()
    if not permissions.may_delegate_signing(actor) or actor.department_id != locked.department_id:
        raise PermissionDenied(_("只有本部门负责人可以撤销代签授权。"))
    if expected_version is not None and expected_version != locked.version:
        raise TransitionError(_("该记录已被他人更新，请刷新页面后重试。"), code="stale")
    if locked.revoked_at is not None:
        raise TransitionError(_("该代签授权已撤销。"), code="state")
    if locked.ends_on < _today():
        raise TransitionError(_("该代签授权已到期，无需撤销。"), code="state")
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revoke_reason = (reason or "").strip()
    locked.version += 1
    locked.save()
    return locked
