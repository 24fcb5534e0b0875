"""Participation figures of the known bureau (tests/reports/conftest.py), number by number."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import ExamKind
from reports import selectors
from reports.errors import DepartmentNotFound, InvalidReportQuery, ReportsNotPermitted, SessionNotFound
from reports.selectors.common import ReportScope
from tests.factories import (
    AttemptOutcomeFactory,
    ExamFactory,
    ExamSessionFactory,
    UserFactory,
)

from .conftest import OPENS, YEAR

pytestmark = pytest.mark.django_db


def figures_by_name(report: selectors.ParticipationReport) -> dict[str, tuple[int, int, int, float, float]]:
    return {
        row.department.name: (
            row.figures.eligible,
            row.figures.participated,
            row.figures.passed,
            row.figures.participation_rate,
            row.figures.pass_rate,
        )
        for row in report.departments
    }


def test_every_figure_of_a_session_for_the_administrator(known_bureau):
    # given the known bureau
    scope = selectors.report_scope(known_bureau.admin)
    # when
    report = selectors.participation_report(
        scope=scope, cohort=selectors.cohort_for(session=known_bureau.session.pk)
    )
    # then: a4 left (inactive), b2 only started, c1 is outside the session's audience
    assert figures_by_name(report) == {
        "市局": (5, 3, 2, 0.6, 0.6667),
        "一处": (3, 2, 1, 0.6667, 0.5),
        "一科": (3, 2, 1, 0.6667, 0.5),
        "二科": (0, 0, 0, 0.0, 0.0),
        "二处": (2, 1, 1, 0.5, 1.0),
        "上级机关": (0, 0, 0, 0.0, 0.0),
    }
    assert report.totals.as_dict() == {
        "eligible": 5,
        "participated": 3,
        "passed": 2,
        "participation_rate": 0.6,
        "pass_rate": 0.6667,
    }


def test_a_leader_sees_exactly_the_subtree_they_lead(known_bureau):
    scope = selectors.report_scope(known_bureau.leader)
    report = selectors.participation_report(
        scope=scope, cohort=selectors.cohort_for(session=known_bureau.session.pk)
    )
    assert figures_by_name(report) == {
        "一处": (3, 2, 1, 0.6667, 0.5),
        "一科": (3, 2, 1, 0.6667, 0.5),
        "二科": (0, 0, 0, 0.0, 0.0),
    }
    assert (report.totals.eligible, report.totals.participated, report.totals.passed) == (3, 2, 1)
    assert [row.department.name for row in report.children_of(None)] == ["一处"]
    assert [row.department.name for row in report.children_of(known_bureau.division1.pk)] == ["一科", "二科"]


def test_staff_may_not_read_reports(known_bureau):
    with pytest.raises(ReportsNotPermitted):
        selectors.report_scope(known_bureau.people["a1"])


def test_the_year_counts_each_person_once_by_their_best_attempt(known_bureau):
    # given a second annual session of the year for 二处 only, where b2 passes and b1 fails again,
    # a qualification session and an annual session of the next year (neither counted)
    second = ExamSessionFactory(
        exam=ExamFactory(kind=ExamKind.ANNUAL),
        opens_at=OPENS + timedelta(days=60),
        closes_at=OPENS + timedelta(days=61),
        departments=[known_bureau.division2],
    )
    AttemptOutcomeFactory(session=second, candidate=known_bureau.people["b2"], passed=True)
    AttemptOutcomeFactory(session=second, candidate=known_bureau.people["b1"], passed=False)
    qualification = ExamSessionFactory(exam=ExamFactory(kind=ExamKind.QUALIFICATION), opens_at=OPENS)
    AttemptOutcomeFactory(session=qualification, candidate=known_bureau.people["a3"], passed=True)
    later = ExamSessionFactory(opens_at=OPENS.replace(year=YEAR + 1))
    AttemptOutcomeFactory(session=later, candidate=known_bureau.people["a3"], passed=True)
    # when
    cohort = selectors.cohort_for(year=str(YEAR), kind="annual")
    report = selectors.participation_report(scope=ReportScope(paths=None), cohort=cohort)
    # then
    assert cohort.session_ids == [known_bureau.session.pk, second.pk]
    assert figures_by_name(report)["二处"] == (2, 2, 2, 1.0, 1.0)
    assert figures_by_name(report)["一科"] == (3, 2, 1, 0.6667, 0.5)
    assert (report.totals.eligible, report.totals.participated, report.totals.passed) == (5, 4, 3)
    qualification_report = selectors.participation_report(
        scope=ReportScope(paths=None), cohort=selectors.cohort_for(year=YEAR, kind="qualification")
    )
    assert (qualification_report.totals.participated, qualification_report.totals.passed) == (1, 1)


def test_a_year_without_sessions_is_all_zeros(known_bureau):
    report = selectors.participation_report(
        scope=ReportScope(paths=None), cohort=selectors.cohort_for(year=2001)
    )
    assert report.totals.as_dict() == {
        "eligible": 0,
        "participated": 0,
        "passed": 0,
        "participation_rate": 0.0,
        "pass_rate": 0.0,
    }
    assert {row.figures.eligible for row in report.departments} == {0}


def test_officers_only_sessions_count_only_enforcement_officers(known_bureau):
    officer = UserFactory(department=known_bureau.section2, is_enforcement_officer=True)
    session = ExamSessionFactory(enforcement_officers_only=True, departments=[known_bureau.division1])
    AttemptOutcomeFactory(session=session, candidate=officer, passed=True)
    AttemptOutcomeFactory(session=session, candidate=known_bureau.people["a1"], passed=True)
    report = selectors.participation_report(
        scope=ReportScope(paths=None), cohort=selectors.cohort_for(session=session.pk)
    )
    assert figures_by_name(report)["二科"] == (1, 1, 1, 1.0, 1.0)
    assert figures_by_name(report)["一科"] == (0, 0, 0, 0.0, 0.0)
    assert report.totals.eligible == 1


@pytest.mark.parametrize(
    ("which", "names"),
    [
        ("not_participated", ["甲三"]),
        ("failed", ["甲二"]),
        ("passed", ["甲一"]),
        ("participated", ["甲一", "甲二"]),
        ("eligible", ["甲一", "甲二", "甲三"]),
    ],
)
def test_the_named_people_behind_each_figure(known_bureau, which, names):
    scope = selectors.report_scope(known_bureau.leader)
    people = selectors.participation_people(
        scope=scope, cohort=selectors.cohort_for(session=known_bureau.session.pk), which=which
    )
    assert [person.name for person in people] == names


def test_people_lists_carry_attempts_and_best_score(known_bureau):
    people = selectors.participation_people(
        scope=ReportScope(paths=None),
        cohort=selectors.cohort_for(session=known_bureau.session.pk),
        which="participated",
        department=known_bureau.division2,
    )
    assert [(p.name, p.attempts, p.best_score) for p in people] == [("乙一", 2, Decimal("90"))]


def test_a_department_outside_the_scope_is_not_found(known_bureau):
    scope = selectors.report_scope(known_bureau.leader)
    with pytest.raises(DepartmentNotFound):
        selectors.department_in_scope(scope=scope, department_id=known_bureau.division2.pk)


@pytest.mark.parametrize(
    ("params", "error", "field"),
    [
        ({}, InvalidReportQuery, "session"),
        ({"session": "x"}, InvalidReportQuery, "session"),
        ({"session": "999999"}, SessionNotFound, "session"),
        ({"year": "20x6"}, InvalidReportQuery, "year"),
        ({"year": "1999"}, InvalidReportQuery, "year"),
        ({"year": "2026", "kind": "practice"}, InvalidReportQuery, "kind"),
    ],
)
def test_bad_report_queries_name_the_parameter(known_bureau, params, error, field):
    with pytest.raises(error) as caught:
        selectors.cohort_for(**params)
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_the_timeline_counts_people_at_their_first_submit(known_bureau):
    # given: a1, a2, b1 (first attempt) submit on day 0; b1's pass on day 2 is not a new participant
    cohort = selectors.cohort_for(session=known_bureau.session.pk)
    now = OPENS + timedelta(days=3, hours=1)
    # when
    points = selectors.participation_timeline(scope=ReportScope(paths=None), cohort=cohort, now=now)
    # then: one point a day from the opening day to today, cumulative
    local = [timezone.localtime(point.at).date() for point in points]
    assert local[0] == timezone.localtime(OPENS).date()
    assert [point.participated for point in points] == [3, 3, 3, 3]
    leader_points = selectors.participation_timeline(
        scope=selectors.report_scope(known_bureau.leader), cohort=cohort, now=now
    )
    assert [point.participated for point in leader_points] == [2, 2, 2, 2]


def test_a_leader_is_offered_and_may_name_only_the_sessions_whose_audience_meets_their_scope(
    known_bureau, client
):
    # given sessions for the whole bureau (above the leader's division), for everyone, for a section
    # of the division, and for the other division only
    opens = {"opens_at": OPENS, "closes_at": OPENS + timedelta(days=10)}
    everyone = ExamSessionFactory(title="全员场次", **opens)
    section = ExamSessionFactory(title="一科场次", departments=[known_bureau.section1], **opens)
    elsewhere = ExamSessionFactory(title="二处场次", departments=[known_bureau.division2], **opens)
    leader_scope = selectors.report_scope(known_bureau.leader)
    admin_scope = selectors.report_scope(known_bureau.admin)

    # then the leader is offered the three that reach their division, the administrator all four
    assert {s.pk for s in selectors.cohorts_available(scope=leader_scope)} == {
        known_bureau.session.pk,
        everyone.pk,
        section.pk,
    }
    assert {s.pk for s in selectors.cohorts_available(scope=admin_scope)} == {
        known_bureau.session.pk,
        everyone.pk,
        section.pk,
        elsewhere.pk,
    }
    # and naming the other division's session is "not found" for the leader, on the API and the page
    with pytest.raises(SessionNotFound):
        selectors.cohort_for(session=elsewhere.pk, scope=leader_scope)
    assert selectors.cohort_for(session=elsewhere.pk, scope=admin_scope).session_ids == [elsewhere.pk]
    client.force_login(known_bureau.leader)
    response = client.get(f"/api/v1/reports/participation/?session={elsewhere.pk}")
    assert (response.status_code, response.json()["code"]) == (404, "session_not_found")
    assert client.get(f"/reports/?session={elsewhere.pk}").status_code == 404
    assert "二处场次" not in client.get("/reports/").content.decode()
    # and a year's cohort for the leader leaves it out
    assert elsewhere.pk not in selectors.cohort_for(year=YEAR, scope=leader_scope).session_ids
