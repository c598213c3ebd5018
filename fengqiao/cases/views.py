"""Staff pages for intake (四(一)), review and routing (四(二)), the workbench and the case.

Views parse input with the forms, call a service, and render; they never save a model. A
case someone may not see answers 404 exactly like one that does not exist."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fengqiao.audit import trail
from fengqiao.audit.models import Action
from fengqiao.cases import panels, permissions, selectors, services, workflow
from fengqiao.cases.forms import (
    AttachmentForm,
    IntakeForm,
    LinkForm,
    MergeForm,
    PartyCorrectionForm,
    RevealForm,
    ReviewForm,
)
from fengqiao.cases.models import Channel, DisputeCategory, PayerKind
from fengqiao.cases.states import CaseState, Classification, IntakeOutcome
from fengqiao.cases.todo import lean
from fengqiao.core import paging
from fengqiao.core.auth import request_staff
from fengqiao.core.forms import errors_to_form, parse_day
from fengqiao.core.identifiers import mask_mobile, mask_resident_id, mask_social_credit_code
from fengqiao.core.pages import Done, acting_on, arguments, errors_of, form_page, post_step
from fengqiao.core.paging import CappedPaginator
from fengqiao.org.models import Staff

PAGE_SIZE = 25
# The case list counts its rows and its tabs up to this ("999+", as the staff home does) and
# offers the pages within it (40; the deepest an OFFSET of 975): at a million cases page 400 of
# a 10,000 cap took 300–520 ms, its OFFSET reading and dropping 9,975 rows. Beyond, the page
# asks for a filter; the API pages further by cursor (docs/cases.md).
LIST_COUNT_CAP = 999


def _filters(request: HttpRequest) -> tuple[selectors.CaseFilter, dict[str, str]]:
    params = request.GET
    view = params.get("view", "all")
    if view not in selectors.WORKBENCH_VIEWS:
        view = "all"

    def day(name: str) -> date | None:
        return parse_day(str(params.get(name, "")))

    f = selectors.CaseFilter(
        view=view,
        state=params.get("state", "") if params.get("state", "") in CaseState.values else "",
        category=params.get("category", ""),
        channel=params.get("channel", "") if params.get("channel", "") in Channel.values else "",
        township=params.get("township", ""),
        q=params.get("q", "")[:64],
        received_from=day("from"),
        received_to=day("to"),
    )
    kept = {k: str(params.get(k, "")) for k in params if k != "page" and params.get(k)}
    return f, kept


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """工作台: my cases, awaiting my review, due soon, overdue — with filters and paging."""
    user = request_staff(request)
    f, kept = _filters(request)
    # The rows show a party's name and kind only: its ID number, phone and address (SM4) are
    # neither read nor decrypted (75 decryptions a page).
    qs = lean(selectors.case_list_for(user=user, filters=f), "payer")
    partial = bool(request.htmx)  # type: ignore[attr-defined]  # a filter changed: the table alone
    # The tabs' counts (four capped counts, the dearest part of the page) only for the whole
    # page, sent with the list's own count as one statement (``paging.capped_counts``).
    counts: dict[str, int] = {}
    if not partial:
        counts = paging.capped_counts({**selectors.workbench_views(user=user), "list": qs}, LIST_COUNT_CAP)
    listed = counts.pop("list", None)
    page = CappedPaginator(qs, PAGE_SIZE, cap=LIST_COUNT_CAP, count=listed).get_page(request.GET.get("page"))
    today = timezone.localdate()
    query = QueryDict(mutable=True)
    query.update(kept)
    query.pop("view", None)
    categories, townships = selectors.filter_choices(
        county_id=user.department.jurisdiction_id if user.department else None
    )
    context: dict[str, Any] = {
        "page": page,
        "count_cap": LIST_COUNT_CAP,
        "filters": f,
        "kept": kept,
        "query_without_view": query.urlencode(),
        "query_without_page": "&".join(f"{k}={v}" for k, v in kept.items()),
        "today": today,
        "counts": counts,
        "states": CaseState.choices,
        "channels": Channel.choices,
        "categories": categories,
        "townships": townships,
        "may_register": permissions.may_register(user),
        "views": [
            ("mine", _("我的在办")),
            ("review", _("待我审核转办")),
            ("due_soon", _("即将到期")),
            ("overdue", _("已超期")),
            ("all", _("全部可见案件")),
        ],
    }
    template = "cases/_case_table.html" if partial else "cases/case_list.html"
    return render(request, template, context)


def _intake_data(request: HttpRequest) -> QueryDict:
    """The posted form, with every ``link_to`` value (typed, and ticked in the duplicates
    panel) joined into one list."""
    data = request.POST.copy()
    links = [v for v in request.POST.getlist("link_to") if v.strip()]
    data.setlist("link_to", [",".join(links)])
    return data


@login_required
@require_http_methods(["GET", "POST"])
def case_intake(request: HttpRequest) -> HttpResponse:
    """受理登记 (四(一)): one form, filled in one pass at a busy window."""
    user = request_staff(request)
    if not permissions.may_register(user):
        raise PermissionDenied
    if request.method == "POST":
        form = IntakeForm(_intake_data(request), request.FILES, user=user)
    else:
        form = IntakeForm(user=user)

    def write(d: dict[str, Any]) -> Done:
        case = services.case_register(actor=user, data=form.intake_data())
        return Done(_("已受理登记，案件编号 %(number)s。") % {"number": case.number}, "case-detail", number=case.number)

    def page() -> dict[str, Any]:
        form.live_validation(reverse("case-intake-validate"))
        return {"panel": _intake_panel(user, request.POST) if request.method == "POST" else {"at_intake": True}}

    return form_page(request, form, write, template="cases/intake.html", context=page)


@login_required
@require_POST
def case_intake_validate(request: HttpRequest) -> HttpResponse:
    """htmx: check the whole form as it stands and return the errors of the field just
    changed (named by the HX-Trigger-Name header), so the clerk sees a wrong check character
    before submitting."""
    user = request_staff(request)
    if not permissions.may_register(user):
        raise PermissionDenied
    field = request.headers.get("HX-Trigger-Name", "")
    form = IntakeForm(_intake_data(request), user=user)
    form.is_valid()
    errors: list[str] = [str(e) for e in form.errors.get(field, [])] if field in form.fields else []
    return render(request, "cases/_field_errors.html", {"errors": errors, "field": field})


@login_required
@require_POST
def case_intake_duplicates(request: HttpRequest) -> HttpResponse:
    """htmx: other cases of the same payer in the same or related categories (疑似重复)."""
    user = request_staff(request)
    if not permissions.may_register(user):
        raise PermissionDenied
    return render(request, "cases/_duplicates.html", _intake_panel(user, request.POST))


def _intake_panel(user: Staff, post: Any) -> dict[str, Any]:
    """The intake page's live panel (htmx, and the page itself after a refused submit): other
    cases of the same payer in the same or related categories (疑似重复), and a known ID
    number or credit code entered with another name (the earlier name masked) with the
    confirmation the registration asks for next to it."""
    from fengqiao.core.identifiers import normalize_resident_id, normalize_social_credit_code

    kind = post.get("payer_kind", PayerKind.PERSON)
    id_number = normalize_resident_id(post.get("id_number", "")) if kind == PayerKind.PERSON else ""
    credit_code = normalize_social_credit_code(post.get("credit_code", "")) if kind == PayerKind.EMPLOYER else ""
    cases = selectors.duplicates_find(
        user=user,
        kind=kind,
        id_number=id_number,
        credit_code=credit_code,
        categories=list(DisputeCategory.objects.filter(code__in=post.getlist("categories"))),
    )
    other_kind = post.get("other_kind", "")
    parties = [("payer_name", kind, post.get("payer_name", ""), id_number, credit_code)]
    if other_kind:
        parties.append(
            (
                "other_name",
                other_kind,
                post.get("other_name", ""),
                normalize_resident_id(post.get("other_id_number", "")) if other_kind == PayerKind.PERSON else "",
                normalize_social_credit_code(post.get("other_credit_code", ""))
                if other_kind == PayerKind.EMPLOYER
                else "",
            )
        )
    return {
        "duplicates": cases,
        "at_intake": True,
        # A refresh of the panel keeps what the clerk already ticked.
        "ticked": set(post.getlist("link_to")),
        "name_warnings": list(selectors.name_conflicts_find(user=user, parties=parties).values()),
        "name_confirmed": bool(post.get("name_confirmed")),
    }


def _masked_party(payer: Any) -> dict[str, str] | None:
    if payer is None:
        return None
    return {
        "name": payer.name,
        "kind": payer.get_kind_display(),
        "group": payer.get_payer_group_display(),
        "id_number": mask_resident_id(payer.id_number) if payer.id_number else "",
        "credit_code": mask_social_credit_code(payer.credit_code) if payer.credit_code else "",
        "phone": mask_mobile(payer.phone) if payer.phone else "",
        "address": "●●●●●●" if payer.address else "",
        "contact_name": payer.contact_name,
    }


@login_required
@require_GET
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The case page: the registration, who handles it, its deadline and its timeline. Each
    view is recorded in the audit trail (五(三)), a refused one as denied."""
    user = request_staff(request)
    with trail.case_view_guard(number=number, actor=user, request=request):
        case = selectors.case_get_for(user=user, number=number)
    trail.case_viewed(case=case, actor=user, request=request)
    duplicates = []
    may_edit = permissions.may_edit_intake(user, case)
    categories = list(case.categories.all())  # read once: the duplicates' search and the page
    if may_edit and case.is_open:
        duplicates = selectors.duplicates_find(
            user=user,
            kind=case.payer.kind,
            id_number=case.payer.id_number,
            credit_code=case.payer.credit_code,
            categories=categories,
            exclude=case,
            related=(),  # the panel shows number, date, channel, categories, state
        )
    context = {
        "case": case,
        "payer": _masked_party(case.payer),
        "other_party": _masked_party(case.other_party),
        "categories": categories,
        "involvements": case.involvements.select_related("department").order_by("role", "department__sort_order"),
        "attachments": case.attachments.select_related("uploaded_by"),
        "links": selectors.case_links(case=case, user=user),
        "timeline": selectors.case_timeline(case=case),
        "actions": workflow.allowed_transitions(case=case, actor=user),
        "may_review": case.state == CaseState.REGISTERED and permissions.may_review(user, case),
        "may_reveal": permissions.may_reveal(user, case),
        "may_correct_party": case.is_open and permissions.may_correct_party(user, case),
        "may_edit": may_edit and case.is_open,
        "duplicates": duplicates,
        "overdue": case.is_open and case.due_on is not None and case.due_on < timezone.localdate(),
        "attachment_form": AttachmentForm(),
        "merge_form": MergeForm(initial={"version": case.version}),
        "link_form": LinkForm(),
    }
    # The sections of the apps above cases, in order (cases.panels): 文书, 调查处理, 催办督办·延期·
    # 调解·法律审查, 会商, 报送办理, 结果反馈与回访, 案卷归档.
    panels.page_context(user=user, case=case, page=context)
    return render(request, "cases/case_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_review(request: HttpRequest, number: str) -> HttpResponse:
    """审核转办 (四(二)): classify as general or major (or unclear responsibility) and route."""
    user, case = acting_on(request, selectors.case_get_for, permissions.may_review, number=number)
    proposal = selectors.routing_propose(case=case)
    if request.method == "POST":
        form = ReviewForm(request.POST, case=case)
    else:
        form = ReviewForm(
            case=case,
            initial={
                "classification": Classification.GENERAL,
                "lead_department": proposal.lead.code if proposal.lead else None,
                "co_departments": [d.code for d in proposal.co],
                "version": case.version,
            },
        )

    def write(d: dict[str, Any]) -> Done:
        services.case_review(
            case=case,
            actor=user,
            classification=d["classification"],
            lead_department=d["lead_department"],
            co_departments=list(d["co_departments"]),
            reason=d["reason"],
            expected_version=d["version"],
            informed_department=d.get("informed_department"),
            informed_note=d.get("informed_note", ""),
        )
        return Done(_review_done(case.number, d), "case-detail", number=case.number)

    context = {
        "case": case,
        "proposal": proposal,
        "review_due": case.due_on,
        "editable": case.state == CaseState.REGISTERED,
    }
    return form_page(request, form, write, template="cases/review.html", context=context)


@login_required
@require_http_methods(["GET", "POST"])
def case_party_correct(request: HttpRequest, number: str, party: str) -> HttpResponse:
    """更正当事人信息: correct a person's name or contact details as a recorded step; every
    open case of the person takes it (each on its timeline), closed and sealed ones never."""
    user = request_staff(request)
    case = selectors.case_get_for(user=user, number=number)
    current = case.other_party if party == "other_party" else case.payer if party == "payer" else None
    if current is None:
        raise Http404
    if not permissions.may_correct_party(user, case):
        raise PermissionDenied
    if request.method == "POST":
        form = PartyCorrectionForm(request.POST)
    else:
        # 五(三): the form shows the phone and address in plain text to be corrected — each a
        # reveal, recorded as the case page's are (a reveal record and a timeline event).
        shown = {
            field: services.personal_data_reveal(
                case=case, actor=user, party=party, field=field, reason=_("更正当事人信息")
            )
            for field in ("phone", "address")
            if getattr(current, field) and permissions.may_reveal(user, case)
        }
        form = PartyCorrectionForm(
            initial={
                "name": current.name,
                "phone": shown.get("phone", ""),
                "address": shown.get("address", ""),
                "contact_name": current.contact_name,
                "version": case.version,
            }
        )

    def write(d: dict[str, Any]) -> Done:
        changed = services.party_correct(case=case, party=party, actor=user, **arguments(d))
        said = _("已更正当事人信息，%(n)d件未办结案件随之更正并记入办理记录；已办结、已归档的案件保持登记时信息。")
        return Done(said % {"n": len(changed)}, "case-detail", number=case.number)

    context = {"case": case, "party": party, "current": current, "editable": case.is_open}
    return form_page(request, form, write, template="cases/party_correct.html", context=context)


@login_required
@require_POST
def case_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: 查看明文 with a stated reason; the reveal is recorded."""
    user = request_staff(request)
    case = selectors.case_get_for(user=user, number=number)
    form = RevealForm(request.POST)
    value = ""
    if form.is_valid():
        try:
            # A refused reveal is recorded as denied, outside the reveal's rolled-back transaction.
            with trail.denials(Action.REVEAL, actor=user, case=case, detail={"fields": [form.cleaned_data["field"]]}):
                value = services.personal_data_reveal(
                    case=case,
                    actor=user,
                    party=form.cleaned_data["party"],
                    field=form.cleaned_data["field"],
                    reason=form.cleaned_data["reason"],
                )
        except ValidationError as exc:
            errors_to_form(form, exc)
    status = 200 if value or not form.errors else 400
    party = request.POST.get("party", "")
    field = request.POST.get("field", "")
    if party not in ("payer", "other_party") or field not in services.REVEALABLE:
        party, field = "payer", "id_number"  # the slot's id is built from these: only known values
    # A refusal re-renders the slot — the masked value, the form again, the error beside the
    # reason input — and the page's htmx swaps a 400 in (base.html, htmx-config).
    masked = (_masked_party(case.other_party if party == "other_party" else case.payer) or {}).get(field, "")
    return render(
        request,
        "cases/_reveal.html",
        {
            "form": form,
            "value": value,
            "case": case,
            "party": party,
            "field": field,
            "masked": masked,
            "may_reveal": permissions.may_reveal(user, case),
            "reason": request.POST.get("reason", "")[:255],
            "errors": [e for errs in form.errors.values() for e in errs],
        },
        status=status,
    )


def _review_done(number: str, d: dict[str, Any]) -> str:
    """What the review did (四(二)), said on the next page: where the case went."""
    if d["classification"] == IntakeOutcome.OWN:
        return _("已受理案件 %(n)s：属本部门职责，限时办结。") % {"n": number}
    if d["classification"] == IntakeOutcome.INFORM:
        return _("案件 %(n)s 已书面告知缴费人前往%(dept)s办理。") % {"n": number, "dept": d["informed_department"]}
    if d["classification"] == Classification.MAJOR:
        return _("已将案件 %(n)s 列为重大疑难事项，报领导小组组长审批。") % {"n": number}
    if d["classification"] == Classification.UNCLEAR:
        return _("已将案件 %(n)s 列为职责不清事项，转12345热线办报送办理。") % {"n": number}
    co = "、".join(dept.name for dept in d["co_departments"]) or "—"
    lead = d["lead_department"].name if d["lead_department"] else "—"
    return _("已审核转办案件 %(n)s：一般事项，牵头部门%(lead)s，联办部门%(co)s。") % {
        "n": number,
        "lead": lead,
        "co": co,
    }


@login_required
@require_POST
def case_attachment_add(request: HttpRequest, number: str) -> HttpResponse:
    user = request_staff(request)
    case = selectors.case_get_for(user=user, number=number)
    form = AttachmentForm(request.POST, request.FILES)

    def write(d: dict[str, Any]) -> Done:  # refused e.g. on a sealed case (四(七)): nothing is added
        added = services.attachment_add(case=case, actor=user, upload=d["file"], kind=d["kind"])
        said = _("已为案件 %(n)s 上传附件“%(f)s”。") % {"n": case.number, "f": added.original_name}
        return Done(said, "case-detail", number=case.number)

    back = reverse("case-detail", args=[case.number])
    return post_step(request, form, write, back=back, refused=errors_of, joined=True)


@login_required
@require_GET
def case_attachment(request: HttpRequest, number: str, token: str) -> FileResponse:
    """Download an attachment: only through the case, only for those who may see it."""
    user = request_staff(request)
    case = selectors.case_get_for(user=user, number=number)
    attachment = get_object_or_404(case.attachments, token=token)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("file missing") from None
    trail.attachment_downloaded(case=case, actor=user, attachment=attachment)
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


@login_required
@require_POST
def case_link(request: HttpRequest, number: str) -> HttpResponse:
    user = request_staff(request)
    case = selectors.case_get_for(user=user, number=number)
    form = LinkForm(request.POST)

    def write(d: dict[str, Any]) -> Done:
        other = selectors.case_get_for(user=user, number=d["other"].strip())
        services.case_link(case=case, other=other, actor=user, note=d["note"])
        said = _("已将案件 %(n)s 与案件 %(number)s 关联。") % {"n": case.number, "number": other.number}
        return Done(said, "case-detail", number=case.number)

    back = reverse("case-detail", args=[case.number])
    return post_step(request, form, write, back=back, refused=lambda form: [], joined=True)  # no number: nothing said


@login_required
@require_POST
def case_merge(request: HttpRequest, number: str) -> HttpResponse:
    """Merge this case into another (the survivor); this one keeps its history."""
    user = request_staff(request)
    case = selectors.case_get_for(user=user, number=number)

    def write(d: dict[str, Any]) -> Done:
        into = selectors.case_get_for(user=user, number=d["into"].strip())
        services.case_merge(case=case, into=into, actor=user, reason=d["reason"], expected_version=d["version"])
        said = _("已将案件 %(n)s 合并至案件 %(number)s。") % {"n": case.number, "number": into.number}
        return Done(said, "case-detail", number=into.number)

    back = reverse("case-detail", args=[case.number])
    return post_step(request, MergeForm(request.POST), write, back=back, refused=errors_of, joined=True)
