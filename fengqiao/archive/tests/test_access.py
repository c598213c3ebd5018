"""Pages and API of the archive, for anonymous, another department, a reader who may not act,
and the receiving department (CONVENTIONS 12)."""

from __future__ import annotations

import io
import zipfile

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fengqiao.archive.models import Dossier
from fengqiao.archive.services import dossier_seal
from fengqiao.cases.states import CaseState
from fengqiao.org.models import Staff
from fengqiao.releases.tests.helpers import approved

pytestmark = pytest.mark.django_db


def api(staff: Staff | None = None) -> APIClient:
    client = APIClient()
    if staff is not None:
        token, _created = Token.objects.get_or_create(user=staff)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_api_seal_detail_export_verify(informed_case, intake_clerk, medical_handler, group_leader) -> None:
    url = f"/api/v1/cases/{informed_case.number}/dossier/"
    assert api().post(url).status_code in (401, 403)
    assert api(medical_handler).post(url).status_code == 404  # another department: as if absent
    refused = api(group_leader).post(url)  # sees the case, may not archive it
    assert refused.status_code == 403 and "errors" in refused.json()
    assert api(intake_clerk).get(url).status_code == 404  # not archived yet
    sealed = api(intake_clerk).post(url)
    assert sealed.status_code == 201, sealed.content
    body = sealed.json()
    assert body["archive_number"] == Dossier.objects.get().archive_number
    assert body["items"] and all(len(i["sm3"]) == 64 for i in body["items"])
    assert api(intake_clerk).post(url).status_code == 409  # already archived: the case is sealed (四(七))
    assert api(group_leader).get(url).status_code == 200
    assert api(medical_handler).get(url).status_code == 404
    verify = api(group_leader).get(url + "verify/")
    assert verify.status_code == 200 and verify.json()["ok"] is True
    assert api(group_leader).get(url + "export/").status_code == 403  # masked reader: no plain text
    assert api(medical_handler).get(url + "export/").status_code == 404
    unapproved = api(intake_clerk).get(url + "export/")  # 五(三): not without an approved release
    assert unapproved.status_code == 403 and "信息发布审批" in unapproved.json()["errors"]["detail"][0]
    approved(intake_clerk, group_leader, informed_case)
    export = api(intake_clerk).get(url + "export/")
    assert export.status_code == 200 and export["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(export.content)) as zf:
        assert "manifest.xml" in zf.namelist()


def test_pages(client_for, client, informed_case, intake_clerk, medical_handler, group_leader) -> None:
    number = informed_case.number
    seal, export, verify = (f"/archive/{number}/{step}/" for step in ("seal", "export", "verify"))
    assert client.post(seal).status_code == 302 and not Dossier.objects.exists()  # to the login page
    assert client_for(medical_handler).post(seal).status_code == 404
    assert client_for(group_leader).post(seal).status_code == 403
    page = client_for(intake_clerk).get(f"/cases/{number}/")
    assert "封存归档" in page.content.decode()
    assert client_for(intake_clerk).post(seal).status_code == 302
    informed_case.refresh_from_db()
    assert informed_case.state == CaseState.ARCHIVED
    dossier = Dossier.objects.get()
    page = client_for(group_leader).get(f"/cases/{number}/").content.decode()
    assert dossier.archive_number in page and "下载归档包" not in page
    assert client_for(group_leader).post(verify, follow=True).status_code == 200
    assert client_for(group_leader).get(export).status_code == 403
    assert client_for(medical_handler).get(export).status_code == 404
    assert client_for(intake_clerk).get(export).status_code == 302  # to the release request form (五(三))
    approved(intake_clerk, group_leader, informed_case)
    response = client_for(intake_clerk).get(export)
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_seal_refused_for_the_same_dossier_twice_shows_a_message(client_for, informed_case, intake_clerk) -> None:
    dossier_seal(case=informed_case, actor=intake_clerk)
    response = client_for(intake_clerk).post(f"/archive/{informed_case.number}/seal/", follow=True)
    assert "已归档" in response.content.decode()
