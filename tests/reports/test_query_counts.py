"""Every report costs the same number of statements for 5 departments as for 500."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials.services import credential_suspend
from exams.models import ExamKind
from reports import selectors
from reports.selectors.common import ReportScope
from tests.factories import (
    AttemptOutcomeFactory,
    CredentialFactory,
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    LeaderFactory,
    StudyActivityFactory,
    StudyHoursFactory,
    StudyPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2026


def grow(root, session, activity, *, divisions: int, sections: int) -> None:
    """Add divisions × sections departments under ``root``, each with two people: one who sat, and an
    enforcement officer who did not (so every section has an officer who may not enforce)."""
    for _d in range(divisions):
        division = DepartmentFactory(parent=root)
        for s in range(sections):
            section = DepartmentFactory(name=f"科{s}", parent=division)
            sat = UserFactory(department=section)
            absent = UserFactory(department=section, is_enforcement_officer=True)
            AttemptOutcomeFactory(session=session, candidate=sat, passed=bool(s % 2))
            StudyHoursFactory(person=absent, year=YEAR, activity=activity)


def statements(user) -> dict[str, int]:
    counts = {}
    scope = selectors.report_scope(user)
    cases = {
        "participation": lambda: selectors.participation_report(
            scope=scope, cohort=selectors.cohort_for(year=YEAR, kind=ExamKind.ANNUAL)
        ),
        "people": lambda: list(
            selectors.participation_people(
                scope=scope, cohort=selectors.cohort_for(year=YEAR), which="not_participated"
            )
        ),
        "study": lambda: selectors.study_report(scope=scope, year=YEAR),
        "study_people": lambda: list(selectors.study_people(scope=scope, year=YEAR, which="behind_on_hours")),
        "annual": lambda: selectors.annual_figures(scope=scope, year=YEAR, today=date(YEAR, 12, 31)),
        "credentials": lambda: selectors.credential_report(scope=scope, today=date(YEAR, 11, 15)),
        "credential_people": lambda: list(
            selectors.credential_people(scope=scope, today=date(YEAR, 11, 15), which="at_risk")
        ),
        "timeline": lambda: selectors.participation_timeline(
            scope=scope, cohort=selectors.cohort_for(year=YEAR), now=session_now()
        ),
    }
    for name, run in cases.items():
        with CaptureQueriesContext(connection) as captured:
            run()
        counts[name] = len(captured.captured_queries)
    return counts


def session_now():
    from django.utils import timezone

    return timezone.now()


def test_statements_are_the_same_for_5_and_500_departments(django_assert_max_num_queries):
    # given a bureau of 5 departments (and a plan, an annual session of the year)
    bureau = DepartmentFactory(name="局")
    StudyPlanFactory(year=YEAR)
    opens = datetime(YEAR, 5, 1, tzinfo=timezone.get_current_timezone())
    session = ExamSessionFactory(exam=ExamFactory(), opens_at=opens)
    activity = StudyActivityFactory()
    grow(bureau, session, activity, divisions=1, sections=3)
    admin = UserFactory(is_superuser=True)
    # credentials: one valid, one suspended (granted through the credentials service)
    holders = [UserFactory(department=bureau, is_enforcement_officer=True) for _n in range(2)]
    granted_at = datetime(YEAR, 3, 2, 12, 0, tzinfo=timezone.get_current_timezone())
    credentials: list[Any] = [CredentialFactory(holder=holder, granted_at=granted_at) for holder in holders]
    credential_suspend(credential_id=credentials[1].pk, reason="暂扣", actor=admin, now=granted_at)
    leader = LeaderFactory(leader_of=[bureau])
    small = {"admin": statements(admin), "leader": statements(leader)}
    leader_report = selectors.participation_report(
        scope=selectors.report_scope(leader), cohort=selectors.cohort_for(year=YEAR)
    )
    assert len(leader_report.departments) == 5
    # when the bureau grows to 500 departments
    grow(bureau, session, activity, divisions=11, sections=44)
    leader_report = selectors.participation_report(
        scope=selectors.report_scope(leader), cohort=selectors.cohort_for(year=YEAR)
    )
    assert len(leader_report.departments) == 500
    assert leader_report.totals.eligible == 2 * (3 + 11 * 44) + 2
    officers = selectors.credential_report(scope=selectors.report_scope(leader), today=date(YEAR, 11, 15))
    assert (officers.totals.officers, officers.totals.officers_not_enforcing) == (
        2 + 3 + 11 * 44,
        1 + 3 + 11 * 44,
    )
    large = {"admin": statements(admin), "leader": statements(leader)}
    # then every report costs the same number of statements
    assert large == small
    # and the participation report is four: the sessions, their departments, the departments in scope, the counts
    assert small["admin"]["participation"] == 4
    with django_assert_max_num_queries(4):
        selectors.participation_report(scope=ReportScope(paths=None), cohort=selectors.cohort_for(year=YEAR))
    # the credentials report is three: the departments in scope, the credentials, the people; a list one
    assert small["admin"]["credentials"] == 3
    assert small["admin"]["credential_people"] == 1
