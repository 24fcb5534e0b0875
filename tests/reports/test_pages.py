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


def test_the_leader_sees_the_credentials_of_their_division_and_the_people_at_risk(credentialed_bureau):
    import time_machine

    from .conftest import TODAY

    client = client_for(credentialed_bureau.leader)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/", {"session": credentialed_bureau.session.pk}).content.decode()
        people = client.get(
            "/reports/people/", {"department": credentialed_bureau.division1.pk, "list": "at_risk"}
        ).content.decode()
        outside = client.get(
            "/reports/people/", {"department": credentialed_bureau.division2.pk, "list": "at_risk"}
        )
    assert 'id="chart-credentials"' in page and 'id="credentials-table"' in page
    assert '<dd id="credentials-suspended">1</dd>' in page
    assert '<dd id="credentials-not-enforcing">2 / 3</dd>' in page
    assert "list=at_risk" in page and "/api/v1/reports/credentials/?format=xlsx" in page
    assert "甲一" in people and "甲二" in people and "甲三" in people and "乙一" not in people
    assert "暂扣、执法人员不得执法" in people
    a2 = credentialed_bureau.people["a2"].credentials.get()
    assert f'href="/credentials/{a2.pk}/"' in people
    assert "/api/v1/reports/credentials/people/?list=at_risk" in people and "format=xlsx" in people
    assert outside.status_code == 404


def test_the_credentials_part_speaks_english_when_chosen(credentialed_bureau):
    import time_machine
    from django.conf import settings

    from .conftest import TODAY

    client = client_for(credentialed_bureau.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/", {"session": credentialed_bureau.session.pk}).content.decode()
        people = client.get("/reports/people/", {"list": "at_risk"}).content.decode()
    assert "Enforcement credentials" in page and "3 at risk" in page
    assert "Suspended, Officer who may not enforce" in people
    assert "Credentials at risk" in people


@pytest.mark.parametrize("which", ["at_risk", "expiring", "suspended", "review_failed", "not_enforcing"])
def test_each_credential_list_links_to_the_credentials_nudge_of_that_list(credentialed_bureau, which):
    import time_machine

    from .conftest import TODAY

    client = client_for(credentialed_bureau.admin)
    with time_machine.travel(TODAY, tick=False):
        page = client.get("/reports/people/", {"list": which}).content.decode()
        empty = client_for(credentialed_bureau.leader).get("/reports/people/", {"list": "review_failed"})
    assert f'<a class="button primary" id="nudge" href="/reminders/nudge/?credentials={which}">' in page
    # nobody to remind, no link (the leader's 一处 has no failed review)
    assert 'id="nudge"' not in empty.content.decode()
