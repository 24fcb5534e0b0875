"""The public verification page and the certificate (HTML and PDF)."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from credentials import services
from credentials.views import VerifyThrottle
from tests.factories import AdminFactory, CredentialFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def credential():
    holder = UserFactory(
        name="张伟",
        username="zhangwei_login",
        employee_no="EMP-93127",
        email="zhangwei@example.gov.cn",
        department=DepartmentFactory(name="综合执法大队"),
        is_enforcement_officer=True,
    )
    return CredentialFactory(holder=holder)


PUBLIC_KEYS = {"number", "holder_name", "department", "status", "status_display", "valid_from", "valid_until"}


def private_values(credential) -> list[str]:
    holder = credential.holder
    attempt = credential.attempt
    return [
        holder.username,
        holder.employee_no,
        holder.email,
        str(attempt.score),
        credential.session.title,
        "得分",
        "score",
    ]


def test_the_verification_json_holds_only_the_public_fields(credential):
    body = Client().get(f"/verify/{credential.token}/", HTTP_ACCEPT="application/json").json()

    assert set(body) == PUBLIC_KEYS
    assert body == {
        "number": credential.number,
        "holder_name": "张伟",
        "department": "综合执法大队",
        "status": "valid",
        "status_display": "有效",
        "valid_from": credential.valid_from.isoformat(),
        "valid_until": credential.valid_until.isoformat(),
    }
    text = str(body)
    for value in private_values(credential):
        assert value not in text


def test_the_verification_page_shows_the_public_fields_and_nothing_else_of_the_person(credential):
    response = Client().get(f"/verify/{credential.token}/")

    html = response.content.decode()
    assert response.status_code == 200
    for value in (credential.number, "张伟", "综合执法大队", "有效", credential.valid_until.isoformat()):
        assert value in html
    for value in private_values(credential):
        assert value not in html, value
    assert "/credentials/" not in html  # no link into the signed-in part


def test_the_page_follows_the_credential_state(credential):
    services.credential_revoke(
        credential_id=credential.pk, reason="违法", actor=AdminFactory(), now=credential.granted_at
    )

    body = Client().get(f"/verify/{credential.token}/?format=json").json()

    assert (body["status"], body["status_display"]) == ("revoked", "吊销")


@pytest.mark.parametrize(
    "token", ["unknown-but-well-formed-token-000000", "x", "%27%20OR%201=1", "a" * 300, "JZ2026-00001"]
)
def test_unknown_and_malformed_tokens_and_the_number_all_get_the_same_not_found(credential, token):
    client = Client()
    reference = client.get("/verify/no-such-token/", HTTP_ACCEPT="application/json")

    reference_page = client.get("/verify/no-such-token/")

    response = client.get(f"/verify/{token}/", HTTP_ACCEPT="application/json")
    page = client.get(f"/verify/{token}/")

    assert (response.status_code, response.json()) == (404, reference.json())
    assert response.json() == {"detail": "未找到该证书。", "code": "not_found"}
    assert page.status_code == 404
    assert verification_section(page) == verification_section(reference_page)
    assert "未找到该证书。" in verification_section(page)


def verification_section(response) -> str:
    html = response.content.decode()
    return html[html.index('id="verification"') : html.index("</section>")]


def test_verification_is_rate_limited_per_client_address(credential, monkeypatch):
    monkeypatch.setattr(VerifyThrottle, "rate", "3/min", raising=False)
    one, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    url = f"/verify/{credential.token}/"

    codes = [one.get(url, HTTP_ACCEPT="application/json").status_code for _ in range(4)]
    refused = one.get(url, HTTP_ACCEPT="application/json")

    assert codes == [200, 200, 200, 429]
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert other.get(url, HTTP_ACCEPT="application/json").status_code == 200


def test_the_certificate_pdf_embeds_the_chinese_text_and_the_number(credential):
    client = Client()
    client.force_login(credential.holder)

    response = client.get(f"/credentials/{credential.pk}/certificate.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = reader.pages[0].extract_text()
    assert "张伟" in text
    assert credential.number in text
    assert "行政执法资格证书" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [
        font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] for font in fonts.values()
    ]
    assert any("/FontFile2" in descriptor for descriptor in descriptors)  # the TrueType font is embedded


def test_the_certificate_page_is_a4_and_its_qr_code_opens_the_verification_page(credential):
    client = Client()
    client.force_login(credential.holder)

    html = client.get(f"/credentials/{credential.pk}/certificate/").content.decode()

    assert "size: A4" in html
    assert "张伟" in html and credential.number in html
    target = re.search(r'id="qr" href="([^"]+)"', html)
    assert target is not None
    assert target.group(1) == f"http://testserver/verify/{credential.token}/"
    assert "<svg" in html


def test_someone_else_cannot_open_a_certificate(credential):
    client = Client()
    client.force_login(UserFactory())

    assert client.get(f"/credentials/{credential.pk}/certificate/").status_code == 404
    assert client.get(f"/credentials/{credential.pk}/certificate.pdf").status_code == 404
