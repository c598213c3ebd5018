"""Every write of the payer's own pages (线上枫桥, issue 14; docs/portal.md).

- the query code (查询码) every case gets at registration (``access_create``);
- filing online (四(一) 线上受理, ``case_file_online``): the window's checks and writes
  (``fengqiao.cases.services.intake_write``), channel 网上, registered for the 四(二) review
  in the county's online intake department, owned by its intake clerk on duty;
- following a case: the number with the query code or with a one-time SMS code, counted per
  case number for the lockout (``lookup_by_query_code``, ``sms_code_send``, ``lookup_by_sms_code``).

Every answer of a lookup is a case or None: the caller answers every failure the same way.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_save
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.audit.models import Action
from fengqiao.cases.models import Attachment, Case, CaseParty, DisputeCategory, Payer, PayerKind
from fengqiao.cases.services import RESIDENT_ID_PURPOSE, IntakeData, intake_write
from fengqiao.cases.states import OPEN_STATES, CaseState, IntakeOutcome
from fengqiao.core import crypto
from fengqiao.org.models import Department, Jurisdiction, Role, Staff
from fengqiao.portal.models import LookupFailure, OneTimeCode, OnlineIntake, PayerAccess

#: The query code's alphabet: capitals without the look-alikes I, L and O (read over the phone,
#: typed on a phone; no digits to mistake for them). 23^8 ≈ 7.8 × 10^10 codes, five guesses per
#: number per 30 minutes (the lockout).
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
SMS_CODE_DIGITS = 6
#: Compared against when the number is unknown, so a guess costs the same as a real number.
_NO_CODE = "-" * CODE_LENGTH

NUMBER_PURPOSE = "portal.number"
SMS_PURPOSE = "portal.sms"
#: The online intake department of a county without an ``OnlineIntake`` row: the tax bureau,
#: whose 办税服务厅 / 云上服务中心 takes the disputes filed online (四(一)).
DEFAULT_ONLINE_DEPARTMENT = "tax"
#: The actor name of the payer's own acts in the audit trail (no staff account).
PAYER = "缴费人"


# --- The query code -------------------------------------------------------------------------


def query_code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    """What a payer types, as stored: capitals, no spaces or dashes."""
    return "".join(value.split()).replace("-", "").upper()


def normalise_number(value: str) -> str:
    return "".join(value.split())


def access_create(*, case: Case, submission: str = "") -> PayerAccess:
    """The case's query code (查询码), made at registration (window and online alike)."""
    return PayerAccess.objects.create(case=case, query_code=query_code_new(), submission=submission)


def access_on_registration(sender: type, case: Case, **kwargs: Any) -> None:
    """查询码 (issue 14): every case, at the window or online, gets the payer's query code when
    it is registered, printed on the 受理告知书 ("可凭案件编号查询办理进度")
    (``cases.services.case_registered``, connected in ``PortalConfig.ready``)."""
    access_create(case=case)


def access_for(case: Case) -> PayerAccess:
    """The case's query code row; a case registered before the portal gets one on first use
    (its 受理告知书 printed again, a lookup by SMS)."""
    try:
        return case.payer_access  # the reverse one-to-one
    except PayerAccess.DoesNotExist:
        access, _created = PayerAccess.objects.get_or_create(case=case, defaults={"query_code": query_code_new()})
        return access


def query_code_of(case: Case) -> str:
    """The query code as printed on the 受理告知书."""
    return str(access_for(case).query_code)


# --- Filing online --------------------------------------------------------------------------


def online_department(county: Jurisdiction) -> Department:
    """网上受理部门 of ``county``: its ``OnlineIntake`` row (set in the admin), else its tax
    bureau (四(一): 税务部门办税服务厅、云上服务中心 receive disputes online)."""
    row = OnlineIntake.objects.filter(jurisdiction=county).select_related("department").first()
    if row is not None:
        return row.department
    return Department.objects.get(jurisdiction=county, code=DEFAULT_ONLINE_DEPARTMENT)


def clerk_on_duty(department: Department) -> Staff:
    """首问责任人 of an online filing: the department's active intake clerk (受理人员) who owns
    the fewest open cases, the lowest id first among equals — a deterministic rule that
    spreads online filings over the clerks as the window's queue does."""
    clerk = (
        Staff.objects.filter(department=department, is_active=True, roles__role=Role.INTAKE_CLERK)
        .annotate(open_cases=Count("owned_cases", filter=Q(owned_cases__state__in=OPEN_STATES), distinct=True))
        .order_by("open_cases", "pk")
        .first()
    )
    if clerk is None:
        raise ValidationError(_("网上受理暂不可用，请到争议处理工作室窗口或拨打12366反映。"), code="no_clerk")
    return clerk


def open_related_cases(*, county: Jurisdiction, data: IntakeData) -> list[Case]:
    """The payer's open cases in the same or related categories (the window's duplicate check,
    ``fengqiao.cases.selectors.duplicates_find``): the same ID number (blind index) or credit
    code as payer, any channel, not merged. The new filing is linked to them."""
    payer = data.payer
    payers = Payer.objects.filter(jurisdiction=county)
    if payer.kind == PayerKind.PERSON and payer.id_number:
        payers = payers.filter(id_number_index=crypto.blind_index(payer.id_number, purpose=RESIDENT_ID_PURPOSE))
    elif payer.kind == PayerKind.EMPLOYER and payer.credit_code:
        payers = payers.filter(credit_code=payer.credit_code)
    else:
        return []
    groups = {c.group for c in data.categories if c.group}
    alike = DisputeCategory.objects.filter(Q(pk__in=[c.pk for c in data.categories]) | Q(group__in=groups))
    parties = CaseParty.objects.filter(identity__in=payers).values("pk")
    return list(
        Case.objects.filter(jurisdiction=county, payer__in=parties, state__in=OPEN_STATES, categories__in=alike)
        .exclude(state=CaseState.MERGED)
        .distinct()
        .order_by("received_at")[:20]
    )


def case_file_online(
    *, county: Jurisdiction, data: IntakeData, submission: str, request: HttpRequest | None = None
) -> Case:
    """网上受理 (四(一) 线上受理): the payer's own filing.

    The same checks and writes as the window (``intake_write``): channel 网上, registered for
    the 四(二) review (待审核转办) in the county's online intake department, its intake clerk
    on duty the first receiver. An open case of the same payer in a related category is
    linked (CaseLink) as the window's duplicate check proposes; the payer is told nothing of
    it. One transaction: a failure leaves no case and no stored file. The query code goes to
    the payer's phone through the outbox."""
    department = online_department(county)
    owner = clerk_on_duty(department)
    data.channel = "online"
    data.outcome = IntakeOutcome.REVIEW
    data.informed_department = None
    data.informed_note = ""
    # A known ID number under another name: registered as filed, never told to the filer (五(三)).
    data.name_confirmed = True
    stored: list[str] = []
    kept = _files_stored.set(stored)
    try:
        with transaction.atomic():
            data.link_to = open_related_cases(county=county, data=data)
            case = intake_write(data=data, department=department, owner=owner, actor=None)
            access = access_for(case)  # made by the registration, read from its cache
            access.submission = submission
            access.save(update_fields=["submission"])
            _sms_filed(case=case, code=str(access.query_code))
            _payer_audit(
                Action.PAYER_FILING, request=request, case=case, summary=_("缴费人网上提交争议事项"), via="online"
            )
    except BaseException:
        _files_remove(stored)
        raise
    finally:
        _files_stored.reset(kept)
    return case


# The files a filing stored so far (their attachment rows saved), to remove if it rolls back.
_files_stored: ContextVar[list[str] | None] = ContextVar("portal_files_stored", default=None)


def _attachment_saved(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    stored = _files_stored.get()
    if stored is not None and created:
        stored.append(instance.file.name)


post_save.connect(_attachment_saved, sender=Attachment, dispatch_uid="portal.services.attachment_saved")


def _files_remove(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        with contextlib.suppress(OSError):
            storage.delete(name)


def _sms_filed(*, case: Case, code: str) -> None:
    from fengqiao.integrations.models import Channel
    from fengqiao.integrations.outbox import outbox_enqueue

    phone = case.payer.phone
    if not phone:
        return
    outbox_enqueue(
        channel=Channel.SMS,
        event_type="portal.filed",
        payload={
            "case": case.number,
            "text": _("您的涉费争议事项已网上提交，案件编号%(n)s，查询码%(c)s，可凭案件编号和查询码查询办理进度。")
            % {"n": case.number, "c": code},
        },
        idempotency_key=f"portal-filed-{case.pk}",
        recipient=phone,
        group=f"case-{case.pk}",
    )


def filing_by_submission(submission: str) -> Case | None:
    """The case an earlier submit of the same form made (a double submit files once)."""
    if not submission:
        return None
    access = PayerAccess.objects.filter(submission=submission).select_related("case").first()
    return access.case if access is not None else None


# --- Lookup, lockout, SMS codes -------------------------------------------------------------


def number_key(number: str) -> str:
    """The lockout counts by a keyed hash of the number: the table holds no number."""
    return crypto.blind_index(normalise_number(number), purpose=NUMBER_PURPOSE)


def locked(number: str, *, now: datetime | None = None) -> bool:
    """FENGQIAO_PORTAL_LOCK_FAILURES wrong codes for this number within the last
    FENGQIAO_PORTAL_LOCK_MINUTES lock it (a failure while locked keeps it locked)."""
    now = now or timezone.now()
    since = now - timedelta(minutes=settings.FENGQIAO_PORTAL_LOCK_MINUTES)
    return (
        LookupFailure.objects.filter(key=number_key(number), at__gte=since).count()
        >= settings.FENGQIAO_PORTAL_LOCK_FAILURES
    )


def _failed(number: str, *, request: HttpRequest | None, via: str) -> None:
    LookupFailure.objects.create(key=number_key(number), at=timezone.now())
    _payer_audit(Action.PAYER_LOOKUP_FAILED, request=request, result="denied", summary=_("缴费人查询案件失败"), via=via)


def _granted(case: Case, *, request: HttpRequest | None, via: str) -> None:
    _payer_audit(Action.PAYER_LOOKUP, request=request, case=case, summary=_("缴费人查询案件"), via=via)


def _payer_audit(
    action: str,
    *,
    request: HttpRequest | None,
    summary: str,
    via: str,
    case: Case | None = None,
    result: str = "ok",
) -> None:
    """The payer's act in the audit trail: no staff user, the actor name 缴费人 (docs/audit.md);
    a failed lookup names no case (it may not exist)."""
    from fengqiao.audit.services import record

    record(
        action,
        request=request,
        result=result,
        case=case,
        actor_name=PAYER,
        summary=summary,
        detail={"by": "payer", "via": via},
    )


def _case_numbered(number: str) -> Case | None:
    return Case.objects.filter(number=normalise_number(number)).select_related("payer").first()


@transaction.atomic
def lookup_by_query_code(*, number: str, code: str, request: HttpRequest | None = None) -> Case | None:
    """The case if ``code`` is its query code and the number is not locked; else None (the
    failure counted against the number, real or not)."""
    if not number or locked(number):
        if number:
            _failed(number, request=request, via="query_code")
        return None
    case = _case_numbered(number)
    expected = query_code_of(case) if case is not None else _NO_CODE
    if case is None or not hmac.compare_digest(normalise_code(code).encode(), expected.encode()):
        _failed(number, request=request, via="query_code")
        return None
    _granted(case, request=request, via="query_code")
    return case


def _sms_digest(case: Case, code: str) -> str:
    return crypto.blind_index(f"{case.pk}:{code}", purpose=SMS_PURPOSE)


@transaction.atomic
def sms_code_send(*, number: str, request: HttpRequest | None = None) -> None:
    """Send a one-time code to the phone registered on the case, if the number exists, is not
    locked and has a phone; nothing is said either way (the page answers the same)."""
    if not number or locked(number):
        return
    case = _case_numbered(number)
    if case is None or not case.payer.phone:
        return
    now = timezone.now()
    code = f"{secrets.randbelow(10**SMS_CODE_DIGITS):0{SMS_CODE_DIGITS}d}"
    # A new code replaces the earlier ones: only the newest is valid.
    OneTimeCode.objects.filter(case=case, used_at__isnull=True).update(used_at=now)
    sent = OneTimeCode.objects.create(
        case=case,
        digest=_sms_digest(case, code),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.FENGQIAO_PORTAL_SMS_CODE_SECONDS),
    )
    from fengqiao.integrations.models import Channel
    from fengqiao.integrations.outbox import outbox_enqueue

    outbox_enqueue(
        channel=Channel.SMS,
        event_type="portal.sms_code",
        payload={
            "case": case.number,
            "text": _("您查询涉费争议案件的验证码为%(c)s，%(m)d分钟内有效。请勿告诉他人。")
            % {"c": code, "m": settings.FENGQIAO_PORTAL_SMS_CODE_SECONDS // 60},
        },
        idempotency_key=f"portal-code-{sent.pk}",
        recipient=case.payer.phone,
        group=f"portal-code-{case.pk}",
    )


@transaction.atomic
def lookup_by_sms_code(*, number: str, code: str, request: HttpRequest | None = None) -> Case | None:
    """The case if ``code`` is its newest unused, unexpired SMS code (used up by this); else
    None, counted against the number."""
    if not number or locked(number):
        if number:
            _failed(number, request=request, via="sms")
        return None
    case = _case_numbered(number)
    now = timezone.now()
    given = "".join(code.split())
    current = (
        OneTimeCode.objects.select_for_update().filter(case=case, used_at__isnull=True, expires_at__gt=now).last()
        if case is not None
        else None
    )
    digest = _sms_digest(case, given) if case is not None else _NO_CODE
    if current is None or not hmac.compare_digest(digest.encode(), current.digest.encode()):
        _failed(number, request=request, via="sms")
        return None
    current.used_at = now
    current.save(update_fields=["used_at"])
    assert case is not None
    _granted(case, request=request, via="sms")
    return case
