"""Every write to a case: intake (四(一)), review and routing (四(二)), links and merges,
attachments and reveals of personal data (五(三)).

Each function is one transaction; the timeline event is written in it. Input arrives
already validated by ``fengqiao.cases.forms`` (the pages and the API share those forms), and
the services check again what depends on the case's current state.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.signals import post_save
from django.dispatch import Signal
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases import permissions, workflow
from fengqiao.cases.models import (
    Attachment,
    Case,
    CaseDepartment,
    CaseEvent,
    CaseLink,
    CaseNumbering,
    CaseParty,
    DisputeCategory,
    EventKind,
    Payer,
    PayerKind,
    RevealRecord,
)
from fengqiao.cases.states import Classification, IntakeOutcome
from fengqiao.core import crypto, dates, timelimits
from fengqiao.core.identifiers import mask_mobile, mask_resident_id
from fengqiao.org.models import Department, Jurisdiction, Staff

RESIDENT_ID_PURPOSE = "resident_id"
PHONE_PURPOSE = "phone"


@dataclass
class PayerData:
    """A payer as entered at intake (already validated and normalised)."""

    kind: str
    name: str
    payer_group: str
    id_number: str = ""
    credit_code: str = ""
    phone: str = ""
    address: str = ""
    contact_name: str = ""


@dataclass
class IntakeData:
    """The registration fields of 四(一): payer, visit time, contact, jurisdiction, matter."""

    payer: PayerData
    channel: str
    received_at: datetime
    township: Jurisdiction
    categories: Sequence[DisputeCategory]
    summary: str
    outcome: str
    claims: str = ""
    disputed_amount: Decimal | None = None
    other_party: PayerData | None = None
    informed_department: Department | None = None
    informed_note: str = ""
    link_to: Sequence[Case] = field(default_factory=list)
    attachments: Sequence[tuple[str, UploadedFile]] = field(default_factory=list)
    # The clerk confirmed that a known ID number (or credit code) goes with another name.
    name_confirmed: bool = False


def mask_name(name: str) -> str:
    """A name shown to someone who may not see the case it belongs to (五(三)): a person's
    surname (the first character) and the rest hidden, ``张**``; an employer's first four and
    last two characters."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) <= 4:
        return name[0] + "*" * (len(name) - 1)
    keep = 4 if len(name) > 8 else 2
    return name[:keep] + "*" * (len(name) - keep - 2) + name[-2:]


def _identity_of(*, county: Jurisdiction, data: PayerData) -> dict[str, object]:
    if data.kind == PayerKind.PERSON and data.id_number:
        return {
            "jurisdiction": county,
            "id_number_index": crypto.blind_index(data.id_number, purpose=RESIDENT_ID_PURPOSE),
        }
    if data.kind == PayerKind.EMPLOYER and data.credit_code:
        return {"jurisdiction": county, "credit_code": data.credit_code}
    return {}


def payer_known(*, county: Jurisdiction, data: PayerData) -> Payer | None:
    """The person or employer already registered in ``county`` with this ID number (blind
    index) or credit code, if any."""
    identity = _identity_of(county=county, data=data)
    return _identity_find(identity) if identity else None


def _identity_find(identity: dict[str, object]) -> Payer | None:
    """The one payer with this identity, read through its unique index whatever the planner's
    statistics: the query repeats the index's condition (a non-empty blind index or credit
    code), so SQLite may use the partial index ``cases_payer_person_unique`` /
    ``_employer_unique``; without it, and without ANALYZE, SQLite chose the county's index and
    read every payer of the county (registration at 5 requests/s at 1,000,000 cases). No
    ``first()``: its ORDER BY id is not needed for one row."""
    key = "id_number_index" if "id_number_index" in identity else "credit_code"
    return next(iter(Payer.objects.filter(**identity).exclude(**{key: ""})[:1]), None)


def name_conflict(*, known: Payer | None, data: PayerData) -> str:
    """The warning for a clerk who enters a known ID number with another name (issue 11),
    naming the earlier name masked; "" when the names agree or the identity is new."""
    if known is None or known.name.strip() == data.name.strip():
        return ""
    what = _("公民身份号码") if data.kind == PayerKind.PERSON else _("统一社会信用代码")
    return _(
        "该%(what)s已登记为“%(earlier)s”，与本次填写的“%(name)s”不一致。请核对证件；确属同一人"
        "（单位）的，勾选“确认姓名（名称）不一致”后再登记，本案按本次填写的姓名登记，其他案件不受影响；"
        "如需更正已登记的信息，请在案件页面“更正当事人信息”。"
    ) % {"what": what, "earlier": mask_name(known.name), "name": data.name}


def payer_identify(
    *, county: Jurisdiction, data: PayerData, known: Payer | None = None, looked_up: bool = False
) -> Payer:
    """Find the payer again by blind index (person) or credit code (employer), or add them.

    An existing identity is never changed here: what the payer says now is recorded on the
    new case (``CaseParty``), and every other case keeps what it registered. The shared row
    changes only through the recorded step ``party_correct``."""
    identity = _identity_of(county=county, data=data)
    if known is not None:
        return known
    if identity and not looked_up:
        found = _identity_find(identity)
        if found is not None:
            return found
    payer = Payer(
        jurisdiction=county,
        kind=data.kind,
        name=data.name,
        payer_group=data.payer_group,
        id_number=data.id_number,
        id_number_index=str(identity.get("id_number_index", "")),
        credit_code=data.credit_code,
        phone=data.phone,
        phone_index=crypto.blind_index(data.phone, purpose=PHONE_PURPOSE) if data.phone else "",
        address=data.address,
        contact_name=data.contact_name,
    )
    if not identity:
        payer.save()
        return payer
    # Two clerks registering the same new payer at once: one insert wins, the other uses it.
    # SQLite runs each write transaction alone (IMMEDIATE: the write lock is taken at BEGIN),
    # so the row looked up above cannot have appeared since and no savepoint is needed.
    if connection.vendor == "sqlite" and transaction.get_connection().in_atomic_block:
        payer.save()
        return payer
    try:
        with transaction.atomic():
            payer.save()
    except IntegrityError:
        return Payer.objects.get(**identity)
    return payer


def party_record(*, identity: Payer, data: PayerData, at: datetime) -> CaseParty:
    """The party as registered on one case (its own copy: name, group, contact, address)."""
    return CaseParty.objects.create(
        identity=identity,
        kind=data.kind,
        name=data.name,
        payer_group=data.payer_group,
        id_number=data.id_number,
        credit_code=data.credit_code,
        phone=data.phone,
        address=data.address,
        contact_name=data.contact_name,
        recorded_at=at,
    )


PARTY_LABELS = {"payer": _("缴费人"), "other_party": _("争议另一方")}
CORRECTABLE = {
    "name": _("姓名/单位名称"),
    "phone": _("联系电话"),
    "address": _("地址"),
    "contact_name": _("联系人"),
}


@transaction.atomic
def party_correct(
    *,
    case: Case,
    party: str,
    actor: Staff,
    reason: str,
    name: str,
    phone: str,
    address: str,
    contact_name: str,
    expected_version: int | None = None,
) -> list[Case]:
    """更正当事人信息: correct a person's (or employer's) name, phone, address or contact as an
    explicit, recorded step (issue 11 §3: a person is never renamed behind another case).

    The shared identity (``Payer``) takes the corrected details, and so does the party of
    every *open* case of that person — each gets a "信息变更" event on its timeline with the
    reason. Closed cases keep what they registered, and a sealed (archived) case is never
    touched; a correction started from one is refused. Returns the cases changed."""
    from fengqiao.cases.states import OPEN_STATES, CaseState

    if party not in PARTY_LABELS:
        raise ValidationError({"party": [_("请选择缴费人或争议另一方。")]})
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": [_("请说明更正理由（至少4个字）。")]})
    if not name.strip():
        raise ValidationError({"name": [_("请填写姓名/单位名称。")]})
    # Lock order: the person first, then the cases. Two corrections of the same person started
    # from two of their cases wait on the person instead of each holding a case the other needs.
    registered = case.other_party if party == "other_party" else case.payer
    if registered is not None:
        list(Payer.objects.select_for_update().filter(pk=registered.identity_id).values_list("pk", flat=True))
    case = _locked(case)
    if not permissions.may_correct_party(actor, case):
        raise PermissionDenied(_("您无权更正该案件的当事人信息。"))
    if case.state == CaseState.ARCHIVED:
        raise ValidationError(_("案件已归档，案卷已封存，当事人信息不能更正。"), code="state")
    if case.state not in OPEN_STATES:
        raise ValidationError(_("案件已办结，当事人信息按登记时保留，不能更正。"), code="state")
    if expected_version is not None and expected_version != case.version:
        raise ValidationError(_("该案件已被他人更新，请刷新页面后重试。"), code="stale")
    current = case.other_party if party == "other_party" else case.payer
    if current is None:
        raise ValidationError({"party": [_("该案件没有争议另一方。")]})
    values = {
        "name": name.strip(),
        "phone": phone.strip(),
        "address": address.strip(),
        "contact_name": contact_name.strip(),
    }
    changed = [f for f, v in values.items() if (getattr(current, f) or "") != v]
    if not changed:
        raise ValidationError({"name": [_("与登记信息相同，没有需要更正的内容。")]})
    identity = Payer.objects.select_for_update().get(pk=current.identity_id)
    for f, v in values.items():
        setattr(identity, f, v)
    identity.phone_index = crypto.blind_index(values["phone"], purpose=PHONE_PURPOSE) if values["phone"] else ""
    identity.save()
    # Only the case rows are locked: the other party is the nullable side of an outer join,
    # which PostgreSQL refuses to lock.
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .filter(Q(payer__identity=identity) | Q(other_party__identity=identity), state__in=OPEN_STATES)
        .select_related("payer", "other_party")
        .order_by("pk")
    )
    now = timezone.now()
    what = "、".join(str(CORRECTABLE[f]) for f in changed)
    events = []
    for c in cases:
        for role, p in (("payer", c.payer), ("other_party", c.other_party)):
            if p is None or p.identity_id != identity.pk:
                continue
            old_name = p.name
            for f, v in values.items():
                setattr(p, f, v)
            p.save()
            data: dict[str, object] = {
                "party": role,
                "fields": changed,
                "reason": reason.strip(),
                "from_case": case.number,
            }
            if "name" in changed:
                data["name"] = [old_name, values["name"]]  # names are not confidential; contact details are
            events.append(
                CaseEvent(
                    case=c,
                    at=now,
                    actor=actor,
                    kind=EventKind.CHANGED,
                    summary=(_("更正%(who)s信息：%(what)s") % {"who": PARTY_LABELS[role], "what": what})[:255],
                    data=data,
                )
            )
    for event in events:
        event.save()
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(version=F("version") + 1)
    return cases


def _number_take(*, county: Jurisdiction, year: int) -> str:
    """The next case number of ``county`` in ``year``: one ``UPDATE … RETURNING`` of the
    counter row. Its row lock is held until the registering transaction commits, so numbers
    are never issued twice and never skipped (a rolled-back registration gives its number
    back); ``case_register`` takes it as its last statement, so the lock serialises only the
    commit, not the registration's other work. The first case of a year creates the row."""
    q = connection.ops.quote_name
    table = q(CaseNumbering._meta.db_table)
    # Only quoted names of our own table are formatted in; the values are parameters.
    sql = (
        f"UPDATE {table} SET {q('last')} = {q('last')} + 1 "  # noqa: S608
        f"WHERE {q('jurisdiction_id')} = %s AND {q('year')} = %s RETURNING {q('last')}, {q('pattern')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [county.pk, year])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    CaseNumbering.objects.create(jurisdiction=county, year=year)
            except IntegrityError:  # another intake created the row first: use theirs
                pass
            cursor.execute(sql, [county.pk, year])
            row = cursor.fetchone()
    last, pattern = row
    return str(pattern).format(code=county.code, year=year, seq=last)


OUTCOME_TRANSITION = {
    IntakeOutcome.OWN: "register_own",
    IntakeOutcome.INFORM: "register_inform",
    IntakeOutcome.REVIEW: "register_review",
}

# The events written while a registration runs (its timeline, built from what was written
# instead of read back); None outside one.
_events_written: ContextVar[list[CaseEvent] | None] = ContextVar("cases_events_written", default=None)


def _event_written(sender: type, instance: CaseEvent, created: bool = False, **kwargs: Any) -> None:
    kept = _events_written.get()
    if kept is not None and created:
        kept.append(instance)


post_save.connect(_event_written, sender=CaseEvent, dispatch_uid="cases.services.event_written")


#: Sent in a registration's transaction (at the window and online alike) once the case's rows
#: are written and before it takes its number: what every new case gets from an app above
#: cases — the payer's query code (查询码, fengqiao.portal), printed on the 受理告知书. ``case``.
case_registered = Signal()
#: Sent in the step's transaction when a case goes to its receiving department's own handling
#: (四(一) 属本部门职责: at the window, or at the review of an online filing): the department's
#: own task (fengqiao.handling). ``case``, ``actor``.
own_handling_started = Signal()
#: Sent in the review's transaction once the case is routed (四(二)) and its departments are
#: written: the apps that take it on from here — handling (joint handling's tasks, 四(三)1; the
#: request for the leader's consent, 四(三)2) and referrals (the 报送单 of a matter whose
#: responsibility is unclear, 四(八)). ``case``, ``actor``, ``classification``, ``departments``
#: (the lead first; none unless general), ``lead``, ``reason``.
case_routed = Signal()


def case_register(*, actor: Staff, data: IntakeData) -> Case:
    """一站受理: register a dispute at the window where the payer arrives.

    The clerk becomes the first receiver (首问责任人) and owns the case to the end. The
    outcome decides the next step: own handling within the time limit, written notice of
    where to go (closed as informed), or registration for review and routing. The checks and
    writes are ``intake_write``'s, shared with the payer's online filing (fengqiao.portal), in
    its one transaction (a second atomic block here would cost a savepoint pair per case)."""
    if not permissions.may_register(actor):
        raise PermissionDenied(_("您无权受理登记争议事项。"))
    department = actor.department
    assert department is not None  # may_register checked it
    return intake_write(data=data, department=department, owner=actor, actor=actor)


@transaction.atomic
def intake_write(*, data: IntakeData, department: Department, owner: Staff, actor: Staff | None) -> Case:
    """The checks and writes of a registration (四(一)), for the clerk at the window
    (``case_register``, ``actor`` the clerk) and for the payer filing online (``actor`` None:
    the payer; ``owner`` the online intake clerk on duty, fengqiao.portal.services). The
    caller has checked who may register.

    Cost (docs/cases.md "Registration cost"): the case is inserted under a provisional
    number and the counter is read and advanced as the last step before the commit, so two
    clerks wait on each other only for that moment. The case returned carries what was
    written — its categories, departments, attachments, links and events — in
    ``case.written_rows``, so a response is built without reading the case back. They are not
    put in the relations' prefetch cache: a caller that adds to the case afterwards (an
    attachment, a document) reads the relations afresh and never a stale list."""
    county = department.jurisdiction
    if data.township.parent_id != county.pk and data.township.county != county:
        raise ValidationError({"township": [_("事项所在辖区不属于本旗县。")]})
    if data.outcome == IntakeOutcome.INFORM and data.informed_department is None:
        raise ValidationError({"informed_department": [_("请选择告知缴费人前往的部门。")]})
    now = timezone.now()
    # 来访时间 (四(一)): not ahead of the clock, not before the mechanism — it also picks the
    # year of the number series, so a typo must not open a 1900 series.
    dates.received_at_check(data.received_at, now=now)
    parties: list[CaseParty | None] = []
    conflicts: dict[str, list[str]] = {}
    for key, given in (("payer_name", data.payer), ("other_name", data.other_party)):
        if given is None:
            parties.append(None)
            continue
        known = payer_known(county=county, data=given)
        warning = name_conflict(known=known, data=given)
        if warning and not data.name_confirmed:
            conflicts[key] = [warning]
            continue
        identity = payer_identify(county=county, data=given, known=known, looked_up=True)
        parties.append(party_record(identity=identity, data=given, at=now))
    if conflicts:
        raise ValidationError(conflicts, code="name_conflict")
    payer, other = parties
    assert payer is not None
    year = timezone.localtime(data.received_at).year
    case = Case(
        jurisdiction=county,
        # Provisional and unique; replaced by the real number before the commit.
        number=f"~{secrets.token_hex(8)}",
        township=data.township,
        channel=data.channel,
        received_at=data.received_at,
        receiving_department=department,
        owner=owner,
        payer=payer,
        other_party=other,
        summary=data.summary,
        claims=data.claims,
        disputed_amount=data.disputed_amount,
        intake_outcome=data.outcome,
        informed_department=data.informed_department if data.outcome == IntakeOutcome.INFORM else None,
        informed_note=data.informed_note if data.outcome == IntakeOutcome.INFORM else "",
        state_changed_at=now,
    )
    events: list[CaseEvent] = []
    token = _events_written.set(events)
    try:
        with timelimits.rows_kept():
            workflow.transition(
                case=case,
                name=OUTCOME_TRANSITION[IntakeOutcome(data.outcome)],
                actor=actor,
                at=now,
                summary=(
                    _("%(clerk)s 受理登记（%(outcome)s）")
                    % {"clerk": actor, "outcome": IntakeOutcome(data.outcome).label}
                    if actor is not None
                    else _("缴费人网上提交，待%(dept)s审核转办") % {"dept": department.name}
                ),
                data={"channel": data.channel, "categories": [c.code for c in data.categories]},
                by_payer=actor is None,
            )
            categories = list({c.pk: c for c in data.categories}.values())
            through = Case.categories.through
            through.objects.bulk_create([through(case_id=case.pk, disputecategory_id=c.pk) for c in categories])
            receiving = CaseDepartment.objects.create(
                case=case, department=department, role=CaseDepartment.Role.RECEIVING
            )
            if data.outcome == IntakeOutcome.OWN:
                # 四(一) own handling: the receiving department's own task (fengqiao.handling).
                assert actor is not None  # a payer's filing is registered for review
                own_handling_started.send(sender=Case, case=case, actor=actor)
        if data.outcome == IntakeOutcome.INFORM and data.informed_department is not None:
            _informed_event(
                case=case, actor=actor, at=now, department=data.informed_department, note=data.informed_note
            )
        attachments = [
            attachment_store(case=case, actor=actor, uploaded_by=owner, upload=upload, kind=kind)
            for kind, upload in data.attachments
        ]
        # What every new case gets from the apps above (the payer's query code: fengqiao.portal).
        case_registered.send(sender=Case, case=case)
        # The number last: the counter's row lock is held from here to the commit.
        case.number = _number_take(county=county, year=year)
        Case.objects.filter(pk=case.pk).update(number=case.number)
        links = [
            _link(case=case, other=other_case, actor=actor, created_by=owner, at=now) for other_case in data.link_to
        ]
    finally:
        _events_written.reset(token)
    timeline = sorted((e for e in events if e.case_id == case.pk), key=lambda e: (e.at, e.pk))
    case.written_rows = {
        "categories": categories,
        "involvements": [receiving],
        "attachments": attachments,
        "links_out": links,
        "links_in": [],
        "events": timeline,
    }
    return case


def _locked(case: Case) -> Case:
    """Re-read the case under a row lock; every later write in the transaction uses this copy."""
    return Case.objects.select_for_update().get(pk=case.pk)


@transaction.atomic
def case_review(
    *,
    case: Case,
    actor: Staff,
    classification: str,
    lead_department: Department | None = None,
    co_departments: Sequence[Department] = (),
    reason: str = "",
    expected_version: int | None = None,
    informed_department: Department | None = None,
    informed_note: str = "",
) -> Case:
    """审核转办 (四(二)): classify the matter and route it.

    - general (一般事项): a lead and at least one co-handling department; joint handling;
    - major (重大疑难事项): the reason; waits for the group leader's consent;
    - unclear responsibility (职责不清): the reason; goes to the referral path (四(八)).

    A dispute filed online (fengqiao.portal) meets a clerk here first, so its review also
    offers the window's outcomes of 四(一) (``classification`` ``own`` / ``inform``:
    ``intake_outcome_at_review``)."""
    if classification in (IntakeOutcome.OWN, IntakeOutcome.INFORM):
        return intake_outcome_at_review(
            case=case,
            actor=actor,
            outcome=classification,
            informed_department=informed_department,
            informed_note=informed_note,
            expected_version=expected_version,
        )
    case = _locked(case)
    departments: list[Department] = []
    if classification == Classification.GENERAL:
        if lead_department is None:
            raise ValidationError({"lead_department": [_("请选择牵头部门。")]})
        departments = [lead_department, *[d for d in co_departments if d != lead_department]]
        if any(d.jurisdiction_id != case.jurisdiction_id for d in departments):
            raise ValidationError({"co_departments": [_("所选部门不属于本旗县。")]})
        name = "route_general"
    elif classification == Classification.MAJOR:
        name = "route_major"
    elif classification == Classification.UNCLEAR:
        name = "route_unclear"
    else:
        raise ValidationError({"classification": [_("请选择事项分类。")]})
    case.classification = classification
    case.classification_reason = reason.strip()
    workflow.transition(
        case=case,
        name=name,
        actor=actor,
        expected_version=expected_version,
        data={
            "classification": classification,
            "reason": reason.strip(),
            "departments": [d.code for d in departments],
        },
    )
    if departments:
        CaseDepartment.objects.bulk_create(
            [
                CaseDepartment(
                    case=case,
                    department=d,
                    role=CaseDepartment.Role.LEAD if d == lead_department else CaseDepartment.Role.CO,
                )
                for d in departments
            ],
            ignore_conflicts=True,
        )
        CaseEvent.objects.create(
            case=case,
            at=timezone.now(),
            actor=actor,
            kind=EventKind.ROUTED,
            summary=_("转办：牵头 %(lead)s；协办 %(co)s")
            % {"lead": lead_department, "co": "、".join(str(d) for d in departments[1:]) or "—"},
            data={"lead": departments[0].code, "co": [d.code for d in departments[1:]]},
        )
    # 四(三): the tasks of joint handling, or the request for the leader's consent; 四(八): the
    # referral form to the 旗政府办 hotline office (case_routed: fengqiao.handling, fengqiao.referrals).
    case_routed.send(
        sender=Case,
        case=case,
        actor=actor,
        classification=classification,
        departments=departments,
        lead=lead_department,
        reason=reason,
    )
    return case


@transaction.atomic
def intake_outcome_at_review(
    *,
    case: Case,
    actor: Staff,
    outcome: str,
    informed_department: Department | None = None,
    informed_note: str = "",
    expected_version: int | None = None,
) -> Case:
    """一站受理 (四(一)) for a dispute filed online: the clerk reviewing it decides, as at the
    window, that it is the receiving department's own duty (限时办结: the department's own
    task) or not (书面告知 the department the payer should go to; the case closes as informed).
    Only for channel 网上 (``workflow._filed_online``)."""
    case = _locked(case)
    now = timezone.now()
    if outcome == IntakeOutcome.INFORM:
        if informed_department is None:
            raise ValidationError({"informed_department": [_("请选择告知缴费人前往的部门。")]})
        if informed_department.pk == case.receiving_department_id:
            raise ValidationError({"informed_department": [_("告知前往的部门不能是本部门。")]})
        if informed_department.jurisdiction_id != case.jurisdiction_id:
            raise ValidationError({"informed_department": [_("所选部门不属于本旗县。")]})
        case.informed_department = informed_department
        case.informed_note = informed_note.strip()
    case.intake_outcome = outcome
    workflow.transition(
        case=case,
        name="review_own" if outcome == IntakeOutcome.OWN else "review_inform",
        actor=actor,
        at=now,
        expected_version=expected_version,
        data={"outcome": outcome},
    )
    if outcome == IntakeOutcome.OWN:
        own_handling_started.send(sender=Case, case=case, actor=actor)
    elif informed_department is not None:
        _informed_event(case=case, actor=actor, at=now, department=informed_department, note=case.informed_note)
    return case


def _informed_event(*, case: Case, actor: Staff | None, at: datetime, department: Department, note: str) -> None:
    """书面告知 (四(一)): the department the payer is told to go to, and the notice's text."""
    CaseEvent.objects.create(
        case=case,
        at=at,
        actor=actor,
        kind=EventKind.INFORMED,
        summary=_("书面告知缴费人前往%(dept)s办理") % {"dept": department.name},
        data={"department": department.code, "note": note},
    )


def _link(
    *, case: Case, other: Case, actor: Staff | None, at: datetime, note: str = "", created_by: Staff | None = None
) -> CaseLink:
    """Link ``case`` to ``other`` both ways on their timelines. ``actor`` None: linked at a
    payer's online filing (the duplicate check), the link made in the name of the case's
    first receiver (``created_by``)."""
    if other.pk == case.pk:
        raise ValidationError({"other": [_("不能关联案件本身。")]})
    if other.jurisdiction_id != case.jurisdiction_id:
        raise ValidationError({"other": [_("只能关联本旗县的案件。")]})
    link, _created = CaseLink.objects.get_or_create(
        case=case, other=other, defaults={"created_by": created_by or actor, "note": note}
    )
    for a, b in ((case, other), (other, case)):
        CaseEvent.objects.create(
            case=a,
            at=at,
            actor=actor,
            kind=EventKind.LINKED,
            summary=_("关联案件 %(number)s") % {"number": b.number},
            data={"other": b.number, "note": note, **({} if actor is not None else {"by": "payer"})},
        )
    return link


@transaction.atomic
def case_link(*, case: Case, other: Case, actor: Staff, note: str = "") -> None:
    """Link two cases of the same payer (shown as duplicates at intake)."""
    if not permissions.may_edit_intake(actor, case):
        raise PermissionDenied(_("您无权关联该案件。"))
    _link(case=_locked(case), other=other, actor=actor, at=timezone.now(), note=note)


@transaction.atomic
def case_merge(*, case: Case, into: Case, actor: Staff, reason: str, expected_version: int | None = None) -> Case:
    """Merge a duplicate into its survivor. The merged case keeps its history, points to the
    survivor and is closed; its departments join the survivor."""
    if into.pk == case.pk:
        raise ValidationError({"into": [_("不能合并到案件本身。")]})
    locked = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[case.pk, into.pk])}
    case, into = locked[case.pk], locked[into.pk]
    if into.jurisdiction_id != case.jurisdiction_id:
        raise ValidationError({"into": [_("只能合并到本旗县的案件。")]})
    if not into.is_open:
        raise ValidationError({"into": [_("案件 %(number)s 已办结，不能作为合并目标。") % {"number": into.number}]})
    case.merged_into = into
    now = timezone.now()
    workflow.transition(
        case=case,
        name="merge",
        actor=actor,
        at=now,
        expected_version=expected_version,
        data={"reason": reason, "into": into.number},
        summary=_("合并至案件 %(number)s") % {"number": into.number},
    )
    CaseEvent.objects.create(
        case=into,
        at=now,
        actor=actor,
        kind=EventKind.MERGED,
        summary=_("案件 %(number)s 合并至本案") % {"number": case.number},
        data={"merged": case.number, "reason": reason},
    )
    CaseDepartment.objects.bulk_create(
        [
            CaseDepartment(case=into, department_id=d.department_id, role=CaseDepartment.Role.CO)
            for d in case.involvements.exclude(department_id__in=into.involvements.values("department_id"))
        ],
        ignore_conflicts=True,
    )
    return case


REVEALABLE = {
    "id_number": (_("公民身份号码"), mask_resident_id),
    "phone": (_("联系电话"), mask_mobile),
    "address": (_("地址"), lambda v: "（已隐藏）" if v else ""),
}


@transaction.atomic
def personal_data_reveal(*, case: Case, actor: Staff, party: str, field: str, reason: str) -> str:
    """查看明文 (五(三)): show one item of a payer's personal data to someone whose role allows
    it, for a stated reason. Every reveal is recorded: who, when, which case, what, why."""
    if field not in REVEALABLE:
        raise ValidationError({"field": [_("不支持查看该字段。")]})
    if len(reason.strip()) < 4:
        raise ValidationError({"reason": [_("请说明查看理由（至少4个字）。")]})
    if not permissions.may_reveal(actor, case):
        raise PermissionDenied(_("您无权查看明文。"))
    payer = case.other_party if party == "other_party" else case.payer
    if payer is None:
        raise ValidationError({"party": [_("该案件没有争议另一方。")]})
    value: str = getattr(payer, field)
    now = timezone.now()
    RevealRecord.objects.create(
        case=case, payer_id=payer.identity_id, field=field, reason=reason.strip(), staff=actor, at=now
    )
    CaseEvent.objects.create(
        case=case,
        at=now,
        actor=actor,
        kind=EventKind.REVEALED,
        summary=_("查看%(who)s的%(what)s明文") % {"who": payer.name, "what": REVEALABLE[field][0]},
        data={"party": party, "field": field, "reason": reason.strip()},
    )
    # 五(三) the audit trail, in this transaction: the item by name, never its value.
    from fengqiao.audit import trail

    trail.revealed(case=case, actor=actor, fields=[f"{party}.{field}"], via="reveal")
    return value


# --- Attachments ----------------------------------------------------------------------

ALLOWED_ATTACHMENTS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    # extension: (content type, accepted leading bytes)
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "ofd": ("application/ofd", (b"PK\x03\x04",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
}


def attachment_check(upload: UploadedFile) -> tuple[str, str]:
    """Refuse a file of a type not allowed, whose content does not match its type, or that is
    too large. Returns (extension, content type)."""
    name = upload.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_ATTACHMENTS:
        raise ValidationError(
            _("附件“%(name)s”的类型不允许，仅限：%(allowed)s。")
            % {"name": name, "allowed": "、".join(sorted(ALLOWED_ATTACHMENTS))},
            code="type",
        )
    max_bytes = settings.FENGQIAO_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            _("附件“%(name)s”超过大小上限 %(limit)s。") % {"name": name, "limit": filesizeformat(max_bytes)},
            code="size",
        )
    content_type, magics = ALLOWED_ATTACHMENTS[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError(_("附件“%(name)s”的内容与扩展名不符。") % {"name": name}, code="content")
    return ext, content_type


@transaction.atomic
def attachment_add(*, case: Case, actor: Staff, upload: UploadedFile, kind: str) -> Attachment:
    """Store an attachment of the case outside the web root, with its SM3 digest. The
    receiving department adds them, and so does a department writing its written opinion
    on the case (四(三); ``permissions.may_attach``)."""
    if not permissions.may_attach(actor, case):
        raise PermissionDenied(_("您无权为该案件上传附件。"))
    return attachment_store(case=case, actor=actor, uploaded_by=actor, upload=upload, kind=kind)


def attachment_store(
    *, case: Case, actor: Staff | None, uploaded_by: Staff, upload: UploadedFile, kind: str
) -> Attachment:
    """The checks and writes of an attachment (``attachment_add``'s, and a registration's).
    ``actor`` None: sent by the payer with an online filing — the event is the payer's, and
    the row names the case's first receiver (``uploaded_by``), who received it online."""
    _ext, content_type = attachment_check(upload)
    digest = crypto.sm3_hex(b"".join(upload.chunks()))
    upload.seek(0)
    attachment = Attachment(
        case=case,
        kind=kind,
        token=secrets.token_hex(16),
        original_name=(upload.name or "")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sm3=digest,
        uploaded_by=uploaded_by,
    )
    attachment.file.save(attachment.token, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    # If the surrounding transaction rolls back later, the stored file is orphaned but
    # never reachable: only an Attachment row makes a file visible. Callers that must leave
    # nothing behind (the payer's filing) remove it themselves (fengqiao.portal.services).
    CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        kind=EventKind.ATTACHMENT,
        summary=_("上传附件：%(name)s") % {"name": attachment.original_name},
        data={
            "token": attachment.token,
            "size": attachment.size,
            "sm3": digest,
            **({} if actor is not None else {"by": "payer"}),
        },
    )
    return attachment
