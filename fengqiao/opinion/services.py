"""Every write of online items (三(二)9, issue 15): recording, screenshots, links to cases,
the lead case, the responsible department and deadline, the response steps, the closing and
the high-risk alert.

Each function is one transaction with its timeline entry (``ItemEvent``); the caller has
parsed the input (``forms`` for the pages, the API's serializers), the services check what
depends on the item, the county and the person, and name the field of every error."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fengqiao.cases.models import Case, CaseEvent, CaseParty, DisputeCategory, EventKind, Payer, PayerKind
from fengqiao.cases.permissions import may_register
from fengqiao.cases.services import IntakeData, PayerData, attachment_check, intake_write, payer_known
from fengqiao.cases.states import CaseState, IntakeOutcome
from fengqiao.core import calendar, crypto, dates, timelimits
from fengqiao.opinion import permissions
from fengqiao.opinion.models import (
    ItemAttachment,
    ItemCase,
    ItemEvent,
    ItemEventKind,
    ItemNotice,
    ItemNumbering,
    ItemStatus,
    LinkHow,
    NoticeKind,
    OnlineItem,
    Platform,
    ResponseStep,
    RiskLevel,
    StepKind,
)
from fengqiao.org.models import Department, Jurisdiction, Role, Staff

#: The TimeLimit row of the response by risk level (editable like the other limits).
RESPONSE_LIMITS = {
    RiskLevel.HIGH: timelimits.OPINION_RESPONSE_HIGH,
    RiskLevel.MEDIUM: timelimits.OPINION_RESPONSE_MEDIUM,
    RiskLevel.LOW: timelimits.OPINION_RESPONSE_LOW,
}
#: Screenshots per item at most, in one recording and in all.
MAX_SCREENSHOTS = 10


@dataclass
class ItemData:
    """An item as the 网信办 records it (already parsed)."""

    platform: str
    url: str
    seen_at: datetime
    summary: str
    risk: str
    views: int | None = None
    reposts: int | None = None
    categories: Sequence[DisputeCategory] = ()
    responsible_department: Department | None = None
    screenshots: Sequence[UploadedFile] = field(default_factory=list)


def response_due(*, risk: str, start: date) -> date:
    """The response deadline of an item of ``risk`` assigned on ``start`` (TimeLimit by risk)."""
    return timelimits.due(RESPONSE_LIMITS[RiskLevel(risk)], start).day


def _today() -> date:
    return timezone.localdate(timezone=calendar.WORKING_DAY_TZ)


def _event(item: OnlineItem, *, actor: Staff | None, kind: str, summary: str, **data: object) -> ItemEvent:
    return ItemEvent.objects.create(
        item=item, at=timezone.now(), actor=actor, kind=kind, summary=summary[:255], data=data
    )


def _number_take(*, county: Jurisdiction, year: int) -> str:
    """The next item number of ``county`` in ``year``; the counter row stays locked to the commit."""
    try:
        with transaction.atomic():
            ItemNumbering.objects.get_or_create(jurisdiction=county, year=year)
    except IntegrityError:  # another recording created the row first: use theirs
        pass
    row = ItemNumbering.objects.select_for_update().get(jurisdiction=county, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.pattern.format(code=county.code, year=year, seq=row.last)


def _department_check(county: Jurisdiction, department: Department | None) -> None:
    if department is not None and (department.jurisdiction_id != county.pk or not department.active):
        raise ValidationError({"responsible_department": [_("责任部门须为本旗县在用的部门。")]})


def _item_checks(*, data: ItemData, now: datetime) -> None:
    errors: dict[str, list[str]] = {}
    if data.platform not in Platform.values:
        errors["platform"] = [_("请选择平台。")]
    if data.risk not in RiskLevel.values:
        errors["risk"] = [_("请选择风险等级。")]
    if not data.url.lower().startswith(("http://", "https://")):
        errors["url"] = [_("链接须以 http:// 或 https:// 开头。")]
    if data.seen_at > now:
        errors["seen_at"] = [_("发现时间不能晚于现在。")]
    else:  # and not before the mechanism, whose monitoring it records (三(二)9)
        try:
            dates.after_mechanism_start(data.seen_at, field="seen_at", label=_("发现时间"))
        except ValidationError as exc:
            errors["seen_at"] = exc.messages
    if not data.summary.strip():
        errors["summary"] = [_("请填写内容摘要。")]
    if len(data.screenshots) > MAX_SCREENSHOTS:
        errors["screenshots"] = [_("截图最多%(n)s个。") % {"n": MAX_SCREENSHOTS}]
    for upload in data.screenshots:
        try:
            attachment_check(upload)
        except ValidationError as exc:
            errors.setdefault("screenshots", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)


def _screenshot_store(*, item: OnlineItem, actor: Staff, upload: UploadedFile, stored: list[str]) -> ItemAttachment:
    """A screenshot through the encrypted file store, checked as a case attachment is
    (``cases.services.attachment_check``), with its SM3 digest; ``stored`` collects the file's
    name so a caller that rolls back removes it again."""
    _ext, content_type = attachment_check(upload)
    digest = crypto.sm3_hex(b"".join(upload.chunks()))
    upload.seek(0)
    attachment = ItemAttachment(
        item=item,
        token=secrets.token_hex(16),
        original_name=(upload.name or "")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sm3=digest,
        uploaded_by=actor,
    )
    attachment.file.save(attachment.token, upload, save=False)
    stored.append(attachment.file.name)
    attachment.save()
    _event(
        item,
        actor=actor,
        kind=ItemEventKind.ATTACHMENT,
        summary=_("上传截图：%(name)s") % {"name": attachment.original_name},
        token=attachment.token,
        size=attachment.size,
        sm3=digest,
    )
    return attachment


def _files_remove(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def item_record(*, actor: Staff, data: ItemData) -> OnlineItem:
    """登记网络舆情: the 网信办 (or the group office) records an item with its screenshots. With a
    responsible department, its response deadline runs from today by the risk level; a
    high-risk item alerts the group office and the leader at once (``alert_send``). One
    transaction: an error leaves no item and no stored file."""
    if not permissions.may_record(actor):
        raise PermissionDenied(_("您无权登记网络舆情。"))
    county = actor.jurisdiction
    assert county is not None  # may_record checked it
    now = timezone.now()
    _item_checks(data=data, now=now)
    _department_check(county, data.responsible_department)
    stored: list[str] = []
    try:
        with transaction.atomic():
            item = OnlineItem.objects.create(
                jurisdiction=county,
                number=f"~{secrets.token_hex(8)}",
                platform=data.platform,
                url=data.url,
                seen_at=data.seen_at,
                summary=data.summary.strip(),
                views=data.views,
                reposts=data.reposts,
                risk=data.risk,
                responsible_department=data.responsible_department,
                response_due_on=(response_due(risk=data.risk, start=_today()) if data.responsible_department else None),
                recorded_by=actor,
                recorded_at=now,
            )
            item.categories.set(list(data.categories))
            item.number = _number_take(county=county, year=timezone.localtime(now).year)
            OnlineItem.objects.filter(pk=item.pk).update(number=item.number)
            _event(
                item,
                actor=actor,
                kind=ItemEventKind.RECORDED,
                summary=_("%(who)s 登记网络舆情（%(risk)s）") % {"who": actor, "risk": item.get_risk_display()},
                risk=item.risk,
                department=data.responsible_department.code if data.responsible_department else None,
                due_on=item.response_due_on.isoformat() if item.response_due_on else None,
            )
            for upload in data.screenshots:
                _screenshot_store(item=item, actor=actor, upload=upload, stored=stored)
            if item.risk == RiskLevel.HIGH:
                alert_send(item=item, actor=actor)
    except BaseException:
        _files_remove(stored)
        raise
    return item


def _locked(item: OnlineItem, expected_version: int | None = None) -> OnlineItem:
    locked = OnlineItem.objects.select_for_update().select_related("jurisdiction").get(pk=item.pk)
    if expected_version is not None and expected_version != locked.version:
        raise ValidationError(_("该舆情已被他人更新，请刷新页面后重试。"), code="stale")
    return locked


def _bump(item: OnlineItem, **fields: object) -> None:
    for name, value in fields.items():
        setattr(item, name, value)
    OnlineItem.objects.filter(pk=item.pk).update(version=F("version") + 1, **fields)
    item.version += 1


@transaction.atomic
def screenshot_add(*, item: OnlineItem, actor: Staff, upload: UploadedFile) -> ItemAttachment:
    """A further screenshot of an item (the office roles)."""
    if not permissions.may_manage(actor, item):
        raise PermissionDenied(_("您无权为该舆情上传截图。"))
    item = _locked(item)
    if item.attachments.count() >= MAX_SCREENSHOTS:
        raise ValidationError({"file": [_("截图最多%(n)s个。") % {"n": MAX_SCREENSHOTS}]})
    try:
        attachment_check(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    stored: list[str] = []
    try:
        with transaction.atomic():
            attachment = _screenshot_store(item=item, actor=actor, upload=upload, stored=stored)
            _bump(item)
    except BaseException:
        _files_remove(stored)
        raise
    return attachment


@transaction.atomic
def item_assign(
    *, item: OnlineItem, actor: Staff, department: Department, risk: str, expected_version: int | None = None
) -> OnlineItem:
    """确定责任部门和风险等级: the response deadline runs from today by the (new) risk level; an
    item that becomes high-risk alerts the office and the leader at once."""
    if not permissions.may_manage(actor, item):
        raise PermissionDenied(_("您无权确定该舆情的责任部门。"))
    item = _locked(item, expected_version)
    if not item.is_open:
        raise ValidationError(_("该舆情已办结。"), code="state")
    if risk not in RiskLevel.values:
        raise ValidationError({"risk": [_("请选择风险等级。")]})
    _department_check(item.jurisdiction, department)
    was_high = item.risk == RiskLevel.HIGH
    due = response_due(risk=risk, start=_today())
    _bump(item, responsible_department_id=department.pk, risk=risk, response_due_on=due)
    item.responsible_department = department
    _event(
        item,
        actor=actor,
        kind=ItemEventKind.ASSIGNED,
        summary=_("责任部门：%(d)s，%(risk)s，回应期限%(due)s")
        % {"d": department.name, "risk": item.get_risk_display(), "due": f"{due:%Y-%m-%d}"},
        department=department.code,
        risk=risk,
        due_on=due.isoformat(),
    )
    if risk == RiskLevel.HIGH and not was_high:
        alert_send(item=item, actor=actor)
    return item


# --- finding the cases an item concerns ------------------------------------------------------


def cases_by_number(*, county: Jurisdiction, number: str) -> list[Case]:
    """按编号: the county's case with this number (any case of the county: the 网信办 links what
    the post is about, and sees of the case only what the item's page shows)."""
    number = number.strip()
    if not number:
        raise ValidationError({"number": [_("请填写案件编号。")]})
    return list(Case.objects.filter(jurisdiction=county, number=number).select_related("payer")[:1])


def _payers(*, county: Jurisdiction, kind: str, id_number: str, credit_code: str) -> Payer | None:
    if kind == PayerKind.PERSON and not id_number:
        raise ValidationError({"id_number": [_("请填写公民身份号码。")]})
    if kind == PayerKind.EMPLOYER and not credit_code:
        raise ValidationError({"credit_code": [_("请填写统一社会信用代码。")]})
    data = PayerData(kind=kind, name="", payer_group="", id_number=id_number, credit_code=credit_code)
    return payer_known(county=county, data=data)  # the blind index the cases use


def cases_by_payer(*, county: Jurisdiction, kind: str, id_number: str = "", credit_code: str = "") -> list[Case]:
    """按缴费人: the cases of the person (ID number, through the blind index) or employer
    (credit code) as payer or other party, newest first."""
    payer = _payers(county=county, kind=kind, id_number=id_number, credit_code=credit_code)
    if payer is None:
        return []
    parties = CaseParty.objects.filter(identity=payer).values("pk")
    ids = Case.objects.order_by().values("pk")
    matches = ids.filter(payer__in=parties).union(ids.filter(other_party__in=parties))
    return list(
        Case.objects.filter(jurisdiction=county, pk__in=matches).select_related("payer").order_by("-received_at")[:20]
    )


def cases_by_duplicate_rules(
    *,
    county: Jurisdiction,
    kind: str,
    id_number: str = "",
    credit_code: str = "",
    categories: Sequence[DisputeCategory] = (),
) -> list[Case]:
    """按重复规则: the payer's open cases in the same or related categories — the window's
    duplicate check as an online filing runs it (``portal.services.open_related_cases``)."""
    from fengqiao.portal.services import open_related_cases

    _payers(county=county, kind=kind, id_number=id_number, credit_code=credit_code)
    if not categories:
        raise ValidationError({"categories": [_("请选择争议事项，按重复规则查找须与案件的事项相同或相关。")]})
    probe = IntakeData(
        payer=PayerData(kind=kind, name="", payer_group="", id_number=id_number, credit_code=credit_code),
        channel="public_opinion",
        received_at=timezone.now(),
        township=county,
        categories=list(categories),
        summary="",
        outcome=IntakeOutcome.REVIEW,
    )
    return open_related_cases(county=county, data=probe)


def _case_event(case: Case, *, actor: Staff, item: OnlineItem, summary: str) -> None:
    """The case's side of the link, on its timeline; a sealed case (四(七)) keeps its dossier
    as it was, so only the item records the link."""
    if case.state == CaseState.ARCHIVED:
        return
    CaseEvent.objects.create(
        case=case,
        at=timezone.now(),
        actor=actor,
        kind=EventKind.LINKED,
        summary=summary[:255],
        data={"online_item": item.pk, "item_number": item.number},
    )


@transaction.atomic
def item_link(*, item: OnlineItem, actor: Staff, case: Case, how: str) -> ItemCase:
    """关联案件: the item concerns ``case`` (found by number, payer or the duplicate rules)."""
    if not permissions.may_manage(actor, item):
        raise PermissionDenied(_("您无权关联该舆情。"))
    if how not in LinkHow.values or how == LinkHow.LEAD:
        raise ValidationError({"how": [_("请选择关联方式。")]})
    item = _locked(item)
    if case.jurisdiction_id != item.jurisdiction_id:
        raise ValidationError({"number": [_("只能关联本旗县的案件。")]})
    if ItemCase.objects.filter(item=item, case=case).exists():
        raise ValidationError({"number": [_("该舆情已关联案件%(n)s。") % {"n": case.number}]})
    link = ItemCase.objects.create(item=item, case=case, how=how, linked_by=actor, linked_at=timezone.now())
    _bump(item)
    _event(
        item,
        actor=actor,
        kind=ItemEventKind.LINKED,
        summary=_("关联案件 %(n)s（%(how)s）") % {"n": case.number, "how": LinkHow(how).label},
        case=case.number,
        how=how,
    )
    _case_event(case, actor=actor, item=item, summary=_("关联网络舆情 %(n)s") % {"n": item.number})
    return link


def lead_owner(*, actor: Staff, county: Jurisdiction) -> tuple[Department, Staff]:
    """Where a lead case is registered and who is its 首问责任人: the clerk who opens it, when
    that person may register at the window (a studio clerk, the group office); otherwise the
    county's online intake department and its intake clerk on duty — the rule an online
    filing follows (``portal.services.online_department`` / ``clerk_on_duty``)."""
    from fengqiao.portal.services import clerk_on_duty, online_department

    if may_register(actor) and actor.department is not None and actor.has_role(Role.INTAKE_CLERK):
        return actor.department, actor
    department = online_department(county)
    return department, clerk_on_duty(department)


@transaction.atomic
def lead_case_open(*, item: OnlineItem, actor: Staff, data: IntakeData) -> Case:
    """据此立案: a 舆情线索 case from the item, registered at the studio for review and routing
    (四(一)(二)) through the window's own checks and writes (``cases.services.intake_write``),
    its first receiver as at the window (``lead_owner``); the item and the case are linked
    both ways."""
    if not permissions.may_manage(actor, item):
        raise PermissionDenied(_("您无权据此舆情立案。"))
    item = _locked(item)
    if not item.is_open:
        raise ValidationError(_("该舆情已办结。"), code="state")
    department, owner = lead_owner(actor=actor, county=item.jurisdiction)
    data.channel = "public_opinion"
    data.outcome = IntakeOutcome.REVIEW
    data.informed_department = None
    data.informed_note = ""
    case = intake_write(data=data, department=department, owner=owner, actor=owner)
    ItemCase.objects.create(item=item, case=case, how=LinkHow.LEAD, linked_by=actor, linked_at=timezone.now())
    _bump(item)
    _event(
        item,
        actor=actor,
        kind=ItemEventKind.LEAD,
        summary=_("据此立案 %(n)s（%(d)s，首问责任人%(o)s）") % {"n": case.number, "d": department.name, "o": owner},
        case=case.number,
        owner=owner.pk,
    )
    _case_event(
        case, actor=actor, item=item, summary=_("据网络舆情 %(n)s 立案（%(who)s）") % {"n": item.number, "who": actor}
    )
    return case


# --- the response -----------------------------------------------------------------------------


@transaction.atomic
def step_record(
    *, item: OnlineItem, actor: Staff, kind: str, text: str, expected_version: int | None = None
) -> ResponseStep:
    """核实、回应、处置 by the responsible department or the 网信办; the first step moves the item
    to 处置中."""
    if not permissions.may_respond(actor, item):
        raise PermissionDenied(_("您无权记录该舆情的处置情况。"))
    item = _locked(item, expected_version)
    if not item.is_open:
        raise ValidationError(_("该舆情已办结。"), code="state")
    if kind not in StepKind.values:
        raise ValidationError({"kind": [_("请选择环节。")]})
    if not text.strip():
        raise ValidationError({"text": [_("请填写处置情况。")]})
    step = ResponseStep.objects.create(item=item, kind=kind, text=text.strip(), at=timezone.now(), actor=actor)
    _bump(item, status=ItemStatus.RESPONDING)
    _event(
        item,
        actor=actor,
        kind=ItemEventKind.STEP,
        summary=f"{step.get_kind_display()}：{step.text}",
        step=step.pk,
        step_kind=kind,
    )
    return step


@transaction.atomic
def item_close(*, item: OnlineItem, actor: Staff, summary: str, expected_version: int | None = None) -> OnlineItem:
    """办结 with a summary of what was done (the office roles)."""
    if not permissions.may_manage(actor, item):
        raise PermissionDenied(_("您无权办结该舆情。"))
    item = _locked(item, expected_version)
    if not item.is_open:
        raise ValidationError(_("该舆情已办结。"), code="state")
    if not summary.strip():
        raise ValidationError({"closing_summary": [_("请填写办结情况。")]})
    now = timezone.now()
    _bump(item, status=ItemStatus.CLOSED, closed_at=now, closing_summary=summary.strip())
    _event(item, actor=actor, kind=ItemEventKind.CLOSED, summary=_("办结：%(s)s") % {"s": summary.strip()})
    return item


# --- the high-risk alert ------------------------------------------------------------------------


def alert_recipients(*, county_id: int) -> list[Staff]:
    """高风险提醒: the group office and the group leader of the county (the recipients of a
    督办升级, ``handling.followthrough.deadlines``)."""
    from fengqiao.handling.followthrough.deadlines import _county_staff

    return _county_staff(county_id, (Role.GROUP_OFFICE, Role.GROUP_LEADER))


def notice_create(
    *, item: OnlineItem, kind: str, due_on: date, text: str, recipients: list[Staff], actor: Staff | None
) -> ItemNotice | None:
    """One alert, reminder or escalation about ``item`` and ``due_on``, once: the notice, its
    recipients, a message to each through the integrations outbox (SMS to the office phone,
    else e-mail) and the item's timeline entry. None when it was already sent."""
    from fengqiao.integrations.models import Channel
    from fengqiao.integrations.outbox import outbox_enqueue

    try:
        with transaction.atomic():  # a savepoint: a failed insert must not poison the transaction
            notice = ItemNotice.objects.create(
                item=item, kind=kind, due_on=due_on, created_at=timezone.now(), text=text[:255]
            )
    except IntegrityError:
        return None
    notice.recipients.set(recipients)
    for person in recipients:
        channel, address = (Channel.SMS, person.office_phone) if person.office_phone else (Channel.EMAIL, person.email)
        if not address:
            continue
        outbox_enqueue(
            channel=channel,
            event_type=f"opinion.{kind}",
            payload={"item": item.number, "risk": item.risk, "text": notice.text},
            idempotency_key=f"opinion-notice-{notice.pk}-{person.pk}",
            recipient=address,
            group=f"opinion-{item.pk}",
        )
    event_kind = {
        NoticeKind.ALERT: ItemEventKind.ALERTED,
        NoticeKind.REMINDER: ItemEventKind.REMINDER,
        NoticeKind.ESCALATION: ItemEventKind.ESCALATION,
    }[NoticeKind(kind)]
    _event(
        item,
        actor=actor,
        kind=event_kind,
        summary=notice.text,
        notice=notice.pk,
        due_on=due_on.isoformat(),
        recipients=[s.pk for s in recipients],
    )
    return notice


def alert_send(*, item: OnlineItem, actor: Staff | None) -> ItemNotice | None:
    """A high-risk item alerts the group office and the leader at once: on their to-do list
    (``opinion.todo``) and by a message through the outbox (三(二)9, 四(六) 防范化解舆情风险)."""
    text = _("【高风险舆情】%(n)s（%(p)s）：%(s)s") % {
        "n": item.number,
        "p": item.get_platform_display(),
        "s": _("请及时关注并督促责任部门回应处置。"),
    }
    return notice_create(
        item=item,
        kind=NoticeKind.ALERT,
        due_on=_today(),
        text=text,
        recipients=alert_recipients(county_id=item.jurisdiction_id),
        actor=actor,
    )
