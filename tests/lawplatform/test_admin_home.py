"""The admin home: the platform's own sections first, the technical ones under a heading of their own;
third-party sections in Chinese; tables that scroll rather than wrap a column to one character a line."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def section_labels(html: str) -> list[str]:
    return re.findall(r'<div class="app-([a-z_]+) module', html)


def test_the_domain_sections_come_first_and_the_technical_ones_under_their_heading(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/").content.decode()

    domain, technical = page.split('id="technical-heading"')
    assert section_labels(domain) == ["people", "credentials", "reminders", "reports", "exams", "courses"]
    assert set(section_labels(technical)) == {
        "auditlog",
        "auth",
        "authtoken",
        "django_celery_beat",
        "lawplatform",
    }
    assert "/static/css/admin.css" in page


def test_third_party_sections_speak_chinese(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    index = client.get("/admin/").content.decode()
    log = client.get("/admin/auditlog/logentry/").content.decode()

    assert "审计日志" in index
    assert "Audit log" not in index
    assert "Model name" not in index
    for english in ("Audit log", "Resource Type", "Correlation ID", "log entries"):
        assert english not in log
    assert "审计记录" in log


def test_in_english_the_same_sections_keep_their_english_names(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    index = client.get("/admin/").content.decode()

    assert "Audit log" in index
    assert "审计日志" not in index
