"""The payer's own pages (线上枫桥, issue 14): no staff login, no staff navigation, no staff
data. Every failure of a lookup answers the same page whatever was wrong — number, code,
expired, replayed or locked — and every page over a rate limit the same 429 (五(三))."""

from __future__ import annotations

from typing import Any

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from fengqiao.cases.models import Case
from fengqiao.core.signin import client_ip
from fengqiao.org.models import Jurisdiction, JurisdictionLevel
from fengqiao.portal import selectors, services
from fengqiao.portal.access import grant, payer_case_required
from fengqiao.portal.answers import case_section
from fengqiao.portal.forms import LookupForm, OnlineFilingForm, SmsCodeForm, SmsRequestForm

#: The one answer to every failed lookup (wrong number, wrong code, expired, used, locked).
LOOKUP_FAILED = _(
    "查询失败：案件编号或验证码不正确，或验证码已失效。请核对后重试；连续输错多次，该案件编号将暂停查询30分钟。"
)


def _rate_exceeded(request: HttpRequest, *limits: tuple[str, str]) -> bool:
    """Count this request against each (rate name, key) and tell whether any is over its rate
    (FENGQIAO_PORTAL_RATES, the shared cache). Every limit is counted, so a request over one
    still counts against the others."""
    over = False
    for name, key in limits:
        rate = settings.FENGQIAO_PORTAL_RATES[name]
        if is_ratelimited(request, group=f"portal.{name}", key=lambda _g, _r, k=key: k, rate=rate, increment=True):
            over = True
    return over


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/429.html", status=429)


def _by_ip(request: HttpRequest, name: str) -> tuple[str, str]:
    return (name, "ip:" + client_ip(request))


def _by_number(name: str, number: str) -> tuple[str, str]:
    return (name, "n:" + services.number_key(number))


def portal_counties() -> QuerySet[Jurisdiction]:
    """The counties whose payers file here: FENGQIAO_PORTAL_COUNTY (its region code) alone, else
    every county of the installation (a province runs many on one system)."""
    counties = Jurisdiction.objects.filter(level=JurisdictionLevel.COUNTY).order_by("code")
    code = settings.FENGQIAO_PORTAL_COUNTY
    return counties.filter(code=code) if code else counties


def portal_county(request: HttpRequest | None = None) -> Jurisdiction | None:
    """The county a filing goes to: the one the payer chose (``county``, a region code, kept in
    the form), else the only county there is; None while a choice among several is to be made."""
    counties = portal_counties()
    code = str((request.POST.get("county") or request.GET.get("county", "")) if request else "")[:12]
    if code:
        return counties.filter(code=code).first()
    only = list(counties[:2])
    return only[0] if len(only) == 1 else None


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


# The ALTCHA widget solves its proof of work in a Web Worker made from a blob: URL and adds its
# own <style> element carrying the page's nonce: this page alone allows both (docs/security.md).
@csp_update({"worker-src": ["'self'", "blob:"], "style-src": [NONCE]})
@require_http_methods(["GET", "POST"])
def file(request: HttpRequest) -> HttpResponse:
    """网上申请: the payer files a dispute (四(一) 线上受理) — first choosing the county where
    the installation serves several."""
    county = portal_county(request)
    if county is None:
        return render(request, "portal/choose_county.html", {"counties": portal_counties()})
    if request.method != "POST":
        form = OnlineFilingForm(county=county, request=request)
        return render(request, "portal/file.html", {"form": form, "county": county})
    if _rate_exceeded(request, _by_ip(request, "file_ip")):
        return _too_many(request)
    submission = str(request.POST.get("submission", ""))[:64]
    earlier = services.filing_by_submission(submission)
    if earlier is not None:  # the same form sent again: the case it made
        grant(request, earlier)
        return redirect("portal-filed", number=earlier.number)
    form = OnlineFilingForm(request.POST, request.FILES, county=county, request=request)
    if form.is_valid():
        try:
            case = services.case_file_online(
                county=county, data=form.intake_data(), submission=form.cleaned_data["submission"], request=request
            )
        except IntegrityError:
            case_or_none = services.filing_by_submission(submission)
            if case_or_none is None:
                raise
            case = case_or_none
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return render(request, "portal/file.html", {"form": form, "county": county}, status=400)
        grant(request, case)
        return redirect("portal-filed", number=case.number)
    return render(request, "portal/file.html", {"form": form, "county": county}, status=400)


def _errors_to_form(form: OnlineFilingForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@payer_case_required
def filed(request: HttpRequest, case: Case) -> HttpResponse:
    """提交成功: the case number and the query code, at once."""
    return render(request, "portal/filed.html", {"case": case, "query_code": services.query_code_of(case)})


@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """查询进度 with the case number and the query code."""
    if request.method != "POST":
        return render(request, "portal/lookup.html", {"form": LookupForm()})
    number = services.normalise_number(str(request.POST.get("number", "")))[:40]
    if _rate_exceeded(request, _by_ip(request, "lookup_ip"), _by_number("lookup_number", number)):
        return _too_many(request)
    form = LookupForm(request.POST)
    case = None
    if form.is_valid():
        case = services.lookup_by_query_code(number=number, code=form.cleaned_data["code"], request=request)
    if case is None:
        return render(request, "portal/lookup.html", {"form": LookupForm(), "failed": LOOKUP_FAILED})
    grant(request, case)
    return redirect("portal-case", number=case.number)


@require_http_methods(["GET", "POST"])
def lookup_sms(request: HttpRequest) -> HttpResponse:
    """查询进度 with a one-time SMS code: first the number (a code goes to the phone registered
    on the case, if any — the page says the same either way), then the code."""
    if request.method != "POST":
        return render(request, "portal/lookup_sms.html", {"form": SmsRequestForm()})
    number = services.normalise_number(str(request.POST.get("number", "")))[:40]
    if request.POST.get("step") == "verify":
        if _rate_exceeded(request, _by_ip(request, "lookup_ip"), _by_number("lookup_number", number)):
            return _too_many(request)
        form = SmsCodeForm(request.POST)
        case = None
        if form.is_valid():
            case = services.lookup_by_sms_code(number=number, code=form.cleaned_data["code"], request=request)
        if case is None:
            return render(request, "portal/lookup_sms.html", {"form": SmsRequestForm(), "failed": LOOKUP_FAILED})
        grant(request, case)
        return redirect("portal-case", number=case.number)
    if _rate_exceeded(request, _by_ip(request, "sms_ip"), _by_number("sms_number", number)):
        return _too_many(request)
    request_form = SmsRequestForm(request.POST)
    if not request_form.is_valid():
        return render(request, "portal/lookup_sms.html", {"form": request_form}, status=400)
    services.sms_code_send(number=number, request=request)
    return render(
        request,
        "portal/lookup_sms.html",
        {
            "code_form": SmsCodeForm(initial={"number": number}),
            "sent": True,
            "minutes": settings.FENGQIAO_PORTAL_SMS_CODE_SECONDS // 60,
        },
    )


@payer_case_required
def case_status(request: HttpRequest, case: Case) -> HttpResponse:
    """办理进度: the state in plain words, each step's date, the current limit, the department
    holding the case — and B's section (notices, decision, visit answer)."""
    context: dict[str, Any] = {
        "case": case,
        "state_text": selectors.payer_state(case),
        "steps": selectors.payer_steps(case),
        "department": selectors.holding_department(case),
        "categories": [c.name for c in case.categories.all()],
    }
    context.update(case_section(case))  # B's 答复与回访 (portal/_answers.html)
    return render(request, "portal/case.html", context)
