"""Who may issue and download documents, on the case page and through the API (CONVENTIONS 12):
anonymous, a user of another department (404), a reader who may not act (403), one who may."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.documents import registry
from fengqiao.documents.models import IssuedDocument
from fengqiao.documents.services import document_issue
from fengqiao.org.models import Staff

pytestmark = pytest.mark.django_db

Api = Callable[[Staff | None], APIClient]


@pytest.fixture
def api() -> Api:
    def client_for(staff: Staff | None) -> APIClient:
        client = APIClient()
        if staff is not None:
            token, _created = Token.objects.get_or_create(user=staff)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def _issue_url(case) -> str:
    return reverse("case-document-issue", args=[case.number])


def _download_url(doc: IssuedDocument, fmt: str) -> str:
    assert doc.case is not None  # a case's document (minutes have a consultation instead)
    return reverse("case-document-download", args=[doc.case.number, doc.pk, fmt])


# --- the case page ---------------------------------------------------------------------------


def test_case_page_lists_documents_and_offers_the_forms_that_apply(client_for, intake_clerk, routed_case) -> None:
    doc = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    page = client_for(intake_clerk).get(reverse("case-detail", args=[routed_case.number]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "文书" in html and doc.number in html and _download_url(doc, "pdf") in html
    offered = [t.code for t in page.context["issuable_types"]]
    assert registry.RECEIPT_NOTICE in offered and registry.INTAKE_FORM in offered
    assert registry.INFORM_NOTICE not in offered  # only for informed cases
    assert page.context["correctable_documents"] == [doc] or [d.pk for d in page.context["correctable_documents"]] == [
        doc.pk
    ]


def test_informed_case_offers_the_inform_notice(client_for, intake_clerk, informed_case) -> None:
    page = client_for(intake_clerk).get(reverse("case-detail", args=[informed_case.number]))
    offered = [t.code for t in page.context["issuable_types"]]
    assert registry.INFORM_NOTICE in offered and registry.RECEIPT_NOTICE not in offered


def test_clerk_issues_and_corrects_from_the_case_page(client_for, intake_clerk, routed_case) -> None:
    c = client_for(intake_clerk)
    response = c.post(_issue_url(routed_case), {"doc_type": registry.RECEIPT_NOTICE})
    assert response.status_code == 302 and response["Location"] == reverse("case-detail", args=[routed_case.number])
    v1 = IssuedDocument.objects.get()
    response = c.post(_issue_url(routed_case), {"replaces": v1.pk})
    assert response.status_code == 302
    v2 = IssuedDocument.objects.get(replaces=v1)
    assert v2.version == 2 and v2.number == v1.number
    pdf = c.get(_download_url(v2, "pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert "inline" in pdf["Content-Disposition"]
    docx = c.get(_download_url(v2, "docx"))
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    assert c.get(_download_url(v2, "odt")).status_code == 404


def test_page_permission_matrix(client, client_for, intake_clerk, routed_case, hrss_handler, group_leader) -> None:
    doc = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    form = document_issue(doc_type=registry.INTAKE_FORM, case=routed_case, actor=intake_clerk)
    issue = {"doc_type": registry.RECEIPT_NOTICE}
    # anonymous: to the login page
    assert client.post(_issue_url(routed_case), issue).status_code == 302
    assert "/login/" in client.get(_download_url(doc, "pdf"))["Location"]
    # another department (人社局 is not involved in this case): as if it did not exist
    other = client_for(hrss_handler)
    assert other.post(_issue_url(routed_case), issue).status_code == 404
    assert other.get(_download_url(doc, "pdf")).status_code == 404
    # the group leader reads the county's cases: downloads notices, issues nothing, and does
    # not get the form with personal data in plain text
    leader = client_for(group_leader)
    assert leader.get(_download_url(doc, "pdf")).status_code == 200
    assert leader.post(_issue_url(routed_case), issue).status_code == 403
    assert leader.get(_download_url(form, "pdf")).status_code == 403
    assert IssuedDocument.objects.count() == 2
    # a document id of another case is not found through this case
    assert (
        client_for(intake_clerk)
        .get(reverse("case-document-download", args=["150525-2099-000009", doc.pk, "pdf"]))
        .status_code
        == 404
    )


def test_page_reports_a_bad_request_without_issuing(client_for, intake_clerk, routed_case) -> None:
    c = client_for(intake_clerk)
    response = c.post(_issue_url(routed_case), {"doc_type": "no_such_form"}, follow=True)
    assert "未知的文书类型" in response.content.decode()
    response = c.post(_issue_url(routed_case), {"doc_type": registry.INFORM_NOTICE}, follow=True)
    assert "不适用" in response.content.decode()
    assert IssuedDocument.objects.count() == 0


# --- the API -----------------------------------------------------------------------------------


def test_api_issues_lists_and_returns_the_files(api, intake_clerk, routed_case) -> None:
    c = api(intake_clerk)
    url = reverse("api-case-documents", args=[routed_case.number])
    created = c.post(url, {"doc_type": registry.RECEIPT_NOTICE}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"].startswith("奈争受告〔") and body["version"] == 1 and body["superseded"] is False
    corrected = c.post(url, {"replaces": body["id"]}, format="json")
    assert corrected.status_code == 201 and corrected.json()["replaces"] == body["id"]
    listed = c.get(url).json()
    assert [(d["version"], d["superseded"]) for d in listed] == [(1, True), (2, False)]
    pdf = c.get(body["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    docx = c.get(body["docx_url"])
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_api_errors_name_the_field(api, intake_clerk, routed_case) -> None:
    c = api(intake_clerk)
    url = reverse("api-case-documents", args=[routed_case.number])
    for payload, field in [
        ({"doc_type": "no_such_form"}, "doc_type"),
        ({}, "doc_type"),
        ({"doc_type": registry.INFORM_NOTICE}, "doc_type"),
        ({"replaces": 999999}, "replaces"),
    ]:
        response = c.post(url, payload, format="json")
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json()["errors"], response.json()
    assert IssuedDocument.objects.count() == 0


def test_api_permission_matrix(api, intake_clerk, routed_case, hrss_handler, group_leader) -> None:
    doc = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    form = document_issue(doc_type=registry.INTAKE_FORM, case=routed_case, actor=intake_clerk)
    url = reverse("api-case-documents", args=[routed_case.number])
    pdf = reverse("api-case-document-pdf", args=[routed_case.number, doc.pk])
    form_pdf = reverse("api-case-document-pdf", args=[routed_case.number, form.pk])
    issue = {"doc_type": registry.RECEIPT_NOTICE}
    anonymous = api(None)
    assert anonymous.get(url).status_code == 401
    assert anonymous.post(url, issue, format="json").status_code == 401
    assert anonymous.get(pdf).status_code == 401
    other = api(hrss_handler)
    for response in (other.get(url), other.post(url, issue, format="json"), other.get(pdf)):
        assert response.status_code == 404
        assert "detail" in response.json()["errors"]
    leader = api(group_leader)
    assert leader.get(url).status_code == 200
    assert leader.get(pdf).status_code == 200
    denied = leader.post(url, issue, format="json")
    assert denied.status_code == 403 and "detail" in denied.json()["errors"]
    assert leader.get(form_pdf).status_code == 403
    assert IssuedDocument.objects.count() == 2


def test_api_list_query_count_does_not_grow(api, intake_clerk, routed_case) -> None:
    c = api(intake_clerk)
    url = reverse("api-case-documents", args=[routed_case.number])
    notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk)
    with CaptureQueriesContext(connection) as one:
        assert len(c.get(url).json()) == 1
    for _ in range(3):  # corrections: each a new version
        notice = document_issue(doc_type=registry.RECEIPT_NOTICE, case=routed_case, actor=intake_clerk, replaces=notice)
    with CaptureQueriesContext(connection) as four:
        assert len(c.get(url).json()) == 4
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_missing_font_is_an_error_the_api_client_can_read(settings, api, intake_clerk, routed_case) -> None:
    from fengqiao.documents import fonts

    settings.FENGQIAO_DOCUMENT_FONTS = {"title": ["No Such Font"]}
    fonts.fonts_cache_clear()
    response = api(intake_clerk).post(
        reverse("api-case-documents", args=[routed_case.number]), {"doc_type": registry.RECEIPT_NOTICE}, format="json"
    )
    assert response.status_code == 503
    assert "No Such Font" in response.json()["errors"]["detail"][0]
    assert IssuedDocument.objects.count() == 0
