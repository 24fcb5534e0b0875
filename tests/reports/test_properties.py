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


CREDENTIAL_STATES = ["none", "valid", "expiring", "lapsed", "suspended", "revoked", "review_failed"]


@st.composite
def credential_worlds(draw):
    size = draw(st.integers(min_value=1, max_value=5))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, size)]
    people = draw(
        st.lists(
            st.tuples(
                st.one_of(st.none(), st.integers(0, size - 1)),  # department
                st.booleans(),  # active
                st.booleans(),  # enforcement officer
                st.sampled_from(CREDENTIAL_STATES),
            ),
            max_size=8,
        )
    )
    led = draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=2, unique=True))
    return parents, people, led


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=credential_worlds())
def test_credential_figures_equal_the_credentials_apps_own_answers(world):
    """Per department, the credential report equals a recount person by person that asks the
    credentials app itself (``may_enforce`` for one person) and reads each credential's row; the
    people at risk are exactly the recount's; a leader sees the administrator's figures restricted."""
    from datetime import date, timedelta

    from credentials import services as credential_services
    from credentials.models import Credential, CredentialStatus, ReviewStanding
    from credentials.selectors import may_enforce
    from exams import pools
    from people.models import User
    from tests.factories import QualificationSessionFactory, sit_qualification

    today = date(YEAR, 11, 15)

    def noon(day):
        return datetime(day.year, day.month, day.day, 12, 0, tzinfo=timezone.get_current_timezone())

    # granted on: a credential valid three years ends the day before the anniversary
    granted_on = {
        "valid": today - timedelta(days=200),
        "expiring": date(YEAR - 3, 12, 20),  # valid until YEAR-12-19: within 90 days
        "lapsed": date(YEAR - 3, 11, 1),  # valid until YEAR-10-31: past, not yet expired by the task
        "suspended": today - timedelta(days=100),
        "revoked": today - timedelta(days=100),
        "review_failed": today - timedelta(days=400),
    }
    parents, people_spec, led = world
    pools._bump()
    with transaction.atomic():
        departments = []
        for parent in parents:
            departments.append(DepartmentFactory(parent=None if parent is None else departments[parent]))
        admin = UserFactory(is_superuser=True, department=None)
        session = QualificationSessionFactory(
            opens_at=noon(date(YEAR - 4, 1, 1)), closes_at=noon(today + timedelta(days=1))
        )
        people = []
        for index, active, officer, state in people_spec:
            person = UserFactory(
                department=None if index is None else departments[index], is_enforcement_officer=officer
            )
            if state != "none":
                attempt = sit_qualification(candidate=person, session=session, now=noon(granted_on[state]))
                credential = credential_services.credential_grant(
                    attempt_id=attempt.pk, now=noon(granted_on[state])
                ).credential
                if state == "suspended":
                    credential_services.credential_suspend(
                        credential_id=credential.pk, reason="暂扣", actor=admin, now=noon(today)
                    )
                elif state == "revoked":
                    credential_services.credential_revoke(
                        credential_id=credential.pk, reason="吊销", actor=admin, now=noon(today)
                    )
                elif state == "review_failed":
                    Credential.objects.filter(pk=credential.pk).update(review_standing=ReviewStanding.FAILED)
            if not active:
                User.objects.filter(pk=person.pk).update(is_active=False)
            person.refresh_from_db()
            people.append(person)
        leader = LeaderFactory(department=None, leader_of=[departments[i] for i in led])

        def recount(within):
            counts = dict.fromkeys(
                [
                    "valid",
                    "suspended",
                    "revoked",
                    "expiring",
                    "review_failed",
                    "officers",
                    "officers_not_enforcing",
                    "at_risk",
                ],
                0,
            )
            at_risk = []
            for person in [*people, leader, admin]:
                if not person.is_active or not within(person):
                    continue
                risky = False
                for credential in Credential.objects.filter(holder=person):
                    counts["valid"] += credential.status == CredentialStatus.VALID
                    counts["suspended"] += credential.status == CredentialStatus.SUSPENDED
                    counts["revoked"] += credential.status == CredentialStatus.REVOKED
                    expiring = (
                        credential.status == CredentialStatus.VALID
                        and credential.superseded_by_id is None
                        and today <= credential.valid_until <= today + timedelta(days=90)
                    )
                    failed = credential.review_standing == ReviewStanding.FAILED and credential.status in (
                        CredentialStatus.VALID,
                        CredentialStatus.SUSPENDED,
                    )
                    counts["expiring"] += expiring
                    counts["review_failed"] += failed
                    risky |= expiring or failed or credential.status == CredentialStatus.SUSPENDED
                if person.is_enforcement_officer:
                    counts["officers"] += 1
                    if not may_enforce(person=person, on=today):
                        counts["officers_not_enforcing"] += 1
                        risky = True
                counts["at_risk"] += risky
                if risky:
                    at_risk.append(person.pk)
            return counts, sorted(at_risk)

        def in_subtree(department):
            return lambda p: p.department is not None and p.department.path.startswith(department.path)

        everything = ReportScope(paths=None)
        report = selectors.credential_report(scope=everything, today=today)
        for department in departments:
            row = report.row(department.pk)
            assert row is not None
            expected, names = recount(in_subtree(department))
            assert row.figures.as_dict() == expected
            listed = selectors.credential_people(scope=everything, today=today, department=department)
            assert sorted(person.pk for person in listed) == names
        expected, names = recount(lambda p: True)
        assert report.totals.as_dict() == expected
        assert sorted(p.pk for p in selectors.credential_people(scope=everything, today=today)) == names
        # the leader's figures are the administrator's, restricted to the subtrees they lead
        scope = selectors.report_scope(leader)
        mine = selectors.credential_report(scope=scope, today=today)
        led_departments = sorted((d for d in departments if scope.covers(d.path)), key=lambda d: d.path)
        assert [row.department.id for row in mine.departments] == [d.pk for d in led_departments]
        for row in mine.departments:
            assert row.figures == report.row(row.department.id).figures
        expected, names = recount(lambda p: p.department is not None and scope.covers(p.department.path))
        assert mine.totals.as_dict() == expected
        assert sorted(p.pk for p in selectors.credential_people(scope=scope, today=today)) == names
        transaction.set_rollback(True)
