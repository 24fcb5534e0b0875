"""Number parameters in digits other than ASCII get a clear answer, never a server error."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import token_client
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

ODD_DIGITS = ["²", "①", "١٢٣", "１２"]


@pytest.mark.parametrize("raw", ODD_DIGITS)
def test_pages_with_a_unicode_digit_year_show_this_year(raw):
    browser = Client()
    browser.force_login(AdminFactory())
    for url in ("/courses/my/", "/courses/activities/"):
        assert browser.get(url, {"year": raw}).status_code == 200, url


@pytest.mark.parametrize("raw", ODD_DIGITS)
def test_api_year_and_department_parameters_in_unicode_digits_are_400(raw):
    client = token_client(AdminFactory())
    for url, field in (
        ("/api/v1/my-study-hours/", "year"),
        ("/api/v1/study-hours/", "year"),
        ("/api/v1/study-hours/", "department"),
        ("/api/v1/pre-meeting-check/", "year"),
    ):
        response = client.get(url, {field: raw})
        assert response.status_code == 400, (url, field, response.status_code)
        assert response.json()["field"] == field


def test_starting_practice_with_a_unicode_digit_exam_is_not_a_server_error():
    browser = Client()
    browser.force_login(UserFactory())
    response = browser.post("/exams/practice/start/", {"exam": "²"})
    assert response.status_code < 500
