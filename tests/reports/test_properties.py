"""Property: on random trees, rosters, sessions and attempts, the participation report equals a plain
Python recount that asks the exam's own eligibility function person by person, and a leader's
figures equal the administrator's restricted to the subtrees the leader leads."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams.eligibility import is_eligible
from exams.models import AttemptStatus
from reports import selectors
from reports.selectors.common import ReportScope
from tests.factories import (
    AttemptOutcomeFactory,
    DepartmentFactory,
    ExamSessionFactory,
    LeaderFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=False)

YEAR = 2026
OUTCOMES = ["none", "failed", "passed", "in_progress", "failed_then_passed"]


@st.composite
def worlds(draw):
    size = draw(st.integers(min_value=1, max_value=7))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    people = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, size - 1)),  # department
                st.booleans(),  # active
                st.booleans(),  # enforcement officer
            ),
            max_size=12,
        )
    )
    sessions = draw(
        st.lists(
            st.tuples(st.lists(st.integers(0, size - 1), max_size=2, unique=True), st.booleans()),
            min_size=1,
            max_size=2,
        )
    )
    outcomes = draw(
        st.lists(
            st.lists(st.sampled_from(OUTCOMES), min_size=len(sessions), max_size=len(sessions)),
            min_size=len(people),
            max_size=len(people),
        )
    )
    led = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=2, unique=True))
    return parents, people, sessions, outcomes, led


def build(world):
    parents, people_spec, sessions_spec, outcomes, led = world
    departments = []
    for parent in parents:
        departments.append(DepartmentFactory(parent=None if parent is None else departments[parent]))
    people = [
        UserFactory(
            department=None if index is None else departments[index],
            is_active=active,
            is_enforcement_officer=officer,
        )
        for index, active, officer in people_spec
    ]
    opens = datetime(YEAR, 3, 1, tzinfo=timezone.get_current_timezone())
    sessions = [
        ExamSessionFactory(
            opens_at=opens, departments=[departments[i] for i in audience], enforcement_officers_only=only
        )
        for audience, only in sessions_spec
    ]
    for person, person_outcomes in zip(people, outcomes, strict=True):
        for session, outcome in zip(sessions, person_outcomes, strict=True):
            if outcome == "failed":
                AttemptOutcomeFactory(session=session, candidate=person, passed=False)
            elif outcome == "passed":
                AttemptOutcomeFactory(session=session, candidate=person, passed=True)
            elif outcome == "in_progress":
                AttemptOutcomeFactory(session=session, candidate=person, status=AttemptStatus.IN_PROGRESS)
            elif outcome == "failed_then_passed":
                AttemptOutcomeFactory(session=session, candidate=person, passed=False, number=1)
                AttemptOutcomeFactory(session=session, candidate=person, passed=True, number=2)
    leader = LeaderFactory(department=None, leader_of=[departments[i] for i in led])
    # the leader is on the roster too (without a department: in the administrator's totals only)
    return departments, [*people, leader], sessions, [*outcomes, ["none"] * len(sessions)], leader


def recount(people, sessions, outcomes, within):
    """(eligible, participated, passed) over the people ``within(person)`` accepts, the slow way."""
    eligible = participated = passed = 0
    for person, person_outcomes in zip(people, outcomes, strict=True):
        if not within(person):
            continue
        person.refresh_from_db()
        if not any(is_eligible(person, session) for session in sessions):
            continue
        eligible += 1
        if any(outcome in ("failed", "passed", "failed_then_passed") for outcome in person_outcomes):
            participated += 1
        if any(outcome in ("passed", "failed_then_passed") for outcome in person_outcomes):
            passed += 1
    return eligible, participated, passed


def triple(figures):
    return figures.eligible, figures.participated, figures.passed


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_reports_equal_a_plain_recount_and_leaders_see_the_admins_figures_restricted(world):
    with transaction.atomic():
        departments, people, sessions, outcomes, leader = build(world)
        cohort = selectors.cohort_for(year=YEAR)
        admin = selectors.participation_report(scope=ReportScope(paths=None), cohort=cohort)
        # every department's figures equal the recount over its subtree
        for department in departments:
            row = admin.row(department.pk)
            assert row is not None
            expected = recount(
                people,
                sessions,
                outcomes,
                lambda p, d=department: p.department is not None and p.department.path.startswith(d.path),
            )
            assert triple(row.figures) == expected
        assert triple(admin.totals) == recount(people, sessions, outcomes, lambda p: True)
        # the leader's figures are the administrator's, restricted to the subtrees they lead
        scope = selectors.report_scope(leader)
        mine = selectors.participation_report(scope=scope, cohort=cohort)
        led = [d for d in departments if scope.covers(d.path)]
        assert [row.department.id for row in mine.departments] == [
            d.pk for d in sorted(led, key=lambda d: d.path)
        ]
        for row in mine.departments:
            assert triple(row.figures) == triple(admin.row(row.department.id).figures)
        assert triple(mine.totals) == recount(
            people, sessions, outcomes, lambda p: p.department is not None and scope.covers(p.department.path)
        )
        transaction.set_rollback(True)


@st.composite
def study_worlds(draw):
    size = draw(st.integers(min_value=1, max_value=5))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    people = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, size - 1)),  # department
                st.booleans(),  # active
                st.integers(0, 20),  # hours earned this year
                st.integers(0, 5),  # hours earned the year before
                st.booleans(),  # completed the Constitution course
                st.booleans(),  # completed the second course
            ),
            max_size=10,
        )
    )
    plans = draw(
        st.lists(
            st.tuples(
                st.lists(st.integers(0, size - 1), max_size=1, unique=True),  # audience
                st.integers(0, 16),  # required hours
                st.booleans(),  # requires the second course
            ),
            max_size=2,
        )
    )
    return parents, people, plans


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=study_worlds())
def test_study_figures_equal_each_persons_own_plan(world):
    """Per department, the study report equals a recount over ``courses.selectors.personal_plan`` —
    the page where each person reads their own plan, hours and required courses."""
    from datetime import date
    from decimal import Decimal

    from courses.selectors import personal_plan
    from courses.services import PlanCourseIn
    from tests.factories import (
        ConstitutionCourseFactory,
        CourseCompletionFactory,
        CourseFactory,
        StudyActivityFactory,
        StudyHoursFactory,
        StudyPlanFactory,
    )

    parents, people_spec, plans_spec = world
    with transaction.atomic():
        departments = []
        for parent in parents:
            departments.append(DepartmentFactory(parent=None if parent is None else departments[parent]))
        constitution, second = ConstitutionCourseFactory(), CourseFactory()
        for audience, hours, needs_second in plans_spec:
            StudyPlanFactory(
                year=YEAR,
                required_hours=Decimal(hours),
                departments=[departments[i] for i in audience],
                courses=[
                    PlanCourseIn(course=constitution),
                    PlanCourseIn(course=second, required=needs_second),
                ],
            )
        activity, earlier = StudyActivityFactory(), StudyActivityFactory()
        people = []
        for index, active, hours, before, did_constitution, did_second in people_spec:
            person = UserFactory(department=None if index is None else departments[index], is_active=active)
            if hours:
                StudyHoursFactory(person=person, year=YEAR, hours=Decimal(hours), activity=activity)
            if before:
                StudyHoursFactory(person=person, year=YEAR - 1, hours=Decimal(before), activity=earlier)
            if did_constitution:
                CourseCompletionFactory(user=person, course=constitution)
            if did_second:
                CourseCompletionFactory(user=person, course=second)
            people.append(person)

        report = selectors.study_report(scope=ReportScope(paths=None), year=YEAR)

        def recount(within):
            counted = done = met = 0
            for person in people:
                if not person.is_active or not within(person):
                    continue
                plan = personal_plan(person=person, year=YEAR, today=date(YEAR, 6, 1))
                if not plan.plans:
                    continue
                counted += 1
                done += not plan.unfinished_required
                met += plan.hours_earned >= plan.required_hours
            return counted, done, met

        for department in departments:
            row = next(r for r in report.departments if r.department.id == department.pk)
            expected = recount(
                lambda p, d=department: p.department is not None and p.department.path.startswith(d.path)
            )
            assert (row.figures.people, row.figures.courses_done, row.figures.hours_met) == expected
        totals = report.totals
        assert (totals.people, totals.courses_done, totals.hours_met) == recount(lambda p: True)
        transaction.set_rollback(True)
