"""The dashboard's pages: what a leader sees, drilling down, the people lists, the year's figures."""

from __future__ import annotations

import pytest
from django.test import Client

from people.models import User
from reports.models import AnnualFiguresSnapshot

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_leader_sees_their_division_and_drills_down_to_named_people(known_bureau):
    client = client_for(known_bureau.leader)
    page = client.get("/reports/", {"session": known_bureau.session.pk}).content.decode()
    assert "一处" in page and "二处" not in page and "市局" not in page
    assert 'id="chart-rates"' in page and "chart.umd.min.js" in page
    drilled = client.get(
        "/reports/", {"session": known_bureau.session.pk, "department": known_bureau.division1.pk}
    ).content.decode()
    assert "一科" in drilled and "二科" in drilled
    people = client.get(
        "/reports/people/",
        {
            "session": known_bureau.session.pk,
            "department": known_bureau.section1.pk,
            "list": "not_participated",
        },
    ).content.decode()
    assert "甲三" in people and "甲一" not in people and "甲二" not in people
    assert "format=xlsx" in people


def test_a_department_outside_the_scope_is_404(known_bureau):
    client = client_for(known_bureau.leader)
    response = client.get(
        "/reports/", {"session": known_bureau.session.pk, "department": known_bureau.division2.pk}
    )
    assert response.status_code == 404


def test_staff_get_403_and_no_report_link(known_bureau):
    staff = client_for(known_bureau.people["a1"])
    assert staff.get("/reports/").status_code == 403
    assert "/reports/" not in staff.get("/").content.decode()
    assert 'href="/reports/"' in client_for(known_bureau.leader).get("/").content.decode()


def test_the_live_part_refreshes_while_the_session_is_open(known_bureau):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import ExamSessionFactory

    open_session = ExamSessionFactory(opens_at=timezone.now() - timedelta(hours=1))
    client = client_for(known_bureau.admin)
    live = client.get("/reports/live/", {"session": open_session.pk}).content.decode()
    assert 'hx-trigger="every 30s"' in live
    closed = client.get("/reports/live/", {"session": known_bureau.session.pk}).content.decode()
    assert "hx-trigger" not in closed


def test_the_year_page_and_publishing(known_bureau):
    admin = client_for(known_bureau.admin)
    page = admin.get("/reports/annual/", {"year": YEAR}).content.decode()
    assert "3 名干部职工参加年度学法考试，合格率 66.7%。" in page
    response = admin.post("/reports/annual/publish/", {"year": YEAR})
    assert response.status_code == 302
    snapshot = AnnualFiguresSnapshot.objects.get()
    assert (snapshot.year, snapshot.published_by, snapshot.figures["annual_exam"]["passed"]) == (
        YEAR,
        known_bureau.admin,
        2,
    )
    assert "已发布的统计" in admin.get("/reports/annual/", {"year": YEAR}).content.decode()
    # a leader may read their figures but not publish
    leader = client_for(known_bureau.leader)
    assert leader.get("/reports/annual/", {"year": YEAR}).status_code == 200
    assert leader.post("/reports/annual/publish/", {"year": YEAR}).status_code == 403
    assert AnnualFiguresSnapshot.objects.count() == 1


def test_the_dashboard_speaks_english_when_chosen(known_bureau):
    from django.conf import settings

    client = client_for(known_bureau.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/reports/", {"session": known_bureau.session.pk}).content.decode()
    assert "Participation and pass rates by department" in page
    assert ">Reports<" in page
    assert "1 not taken part" in page
    annual = client.get("/reports/annual/", {"year": YEAR}).content.decode()
    assert "2 staff took the annual law exam; pass rate 50%." in annual
