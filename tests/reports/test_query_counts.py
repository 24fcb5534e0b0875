"""Every report costs the same number of statements for 5 departments as for 500."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams.models import ExamKind
from reports import selectors
from reports.selectors.common import ReportScope
from tests.factories import (
    AttemptOutcomeFactory,
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
    """Add divisions × sections departments under ``root``, each with two people: one who sat."""
    for _d in range(divisions):
        division = DepartmentFactory(parent=root)
        for s in range(sections):
            section = DepartmentFactory(name=f"科{s}", parent=division)
            sat, absent = UserFactory(department=section), UserFactory(department=section)
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
    from datetime import datetime

    from django.utils import timezone

    opens = datetime(YEAR, 5, 1, tzinfo=timezone.get_current_timezone())
    session = ExamSessionFactory(exam=ExamFactory(), opens_at=opens)
    activity = StudyActivityFactory()
    grow(bureau, session, activity, divisions=1, sections=3)
    admin = UserFactory(is_superuser=True)
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
    assert leader_report.totals.eligible == 2 * (3 + 11 * 44)
    large = {"admin": statements(admin), "leader": statements(leader)}
    # then every report costs the same number of statements
    assert large == small
    # and the participation report is four: the sessions, their departments, the departments in scope, the counts
    assert small["admin"]["participation"] == 4
    with django_assert_max_num_queries(4):
        selectors.participation_report(scope=ReportScope(paths=None), cohort=selectors.cohort_for(year=YEAR))
