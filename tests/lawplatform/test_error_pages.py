"""400, 403, 404 and 500 outside /api/ are the site's own pages, in the site's language; under /api/ JSON."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a fault nobody expected")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), path("", include("lawplatform.urls"))]
handler500 = "lawplatform.views.server_error"


def page_text(response: HttpResponse) -> str:
    return response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_page_is_the_site_404_in_chinese_and_lists_no_urls(client, debug):
    client.force_login(UserFactory())

    with override_settings(DEBUG=debug):
        response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    text = page_text(response)
    assert "页面不存在" in text
    assert "回到首页" in text
    assert 'class="topbar"' in text
    assert "URLconf" not in text
    assert "admin/" not in text.split("</header>")[1]


@pytest.mark.parametrize("debug", [False, True])
def test_a_view_that_finds_nothing_is_the_site_404(client, debug):
    client.force_login(UserFactory())

    with override_settings(DEBUG=debug):
        response = client.get("/exams/attempts/987654/result/")

    assert response.status_code == 404
    assert "页面不存在" in page_text(response)
    assert "Traceback" not in page_text(response)


def test_the_404_page_speaks_english_to_who_chose_it(client):
    client.force_login(UserFactory())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert "页面不存在" not in page_text(response)


def test_a_page_for_administrators_is_the_site_403_for_staff(client):
    client.force_login(UserFactory())

    response = client.get(reverse("courses:activity_list"))

    assert response.status_code == 403
    text = page_text(response)
    assert "没有权限" in text
    assert "请联系考试管理员" in text
    assert 'class="topbar"' in text


def test_api_errors_stay_json(client):
    client.force_login(UserFactory())

    response = client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。", "code": "not_found"}


@pytest.mark.urls(__name__)
def test_a_fault_is_the_site_500_page_without_the_fault_and_json_under_the_api():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())

    page = client.get("/boom/")
    api = client.get("/api/v1/boom/")

    assert page.status_code == 500
    assert "服务器出错" in page_text(page)
    assert "a fault nobody expected" not in page_text(page)
    assert api.status_code == 500
    assert api.json() == {"detail": "服务器出错。", "code": "server_error"}
