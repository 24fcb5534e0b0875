"""A bureau with known figures, checked number by number in the reports' tests.

    市局 (bureau)
    ├── 一处 (division)
    │   ├── 一科 (section): a1 passed; a2 sat and failed; a3 never sat; a4 left (inactive) after passing
    │   └── 二科 (section): nobody
    └── 二处 (division): b1 failed then passed; b2 has an attempt still in progress
    c1 has no department and passed, but the session is for 市局's subtree: not eligible
    the administrator and the leader work in 上级机关, outside 市局

Study plan of the year: everyone 10 hours and course C1; 一处 also 16 hours and course C2.
Hours: a1 16, a2 12, b1 10, b2 5; completions: a1 C1 C2, a2 C1, b1 C1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from courses.models import Course
from courses.services import PlanCourseIn
from credentials import services as credential_services
from credentials.models import Credential
from exams.models import AttemptStatus, ExamSession
from people.models import Department, User
from tests.factories import (
    AdminFactory,
    AttemptOutcomeFactory,
    ConstitutionCourseFactory,
    CourseCompletionFactory,
    CourseFactory,
    CredentialFactory,
    DepartmentFactory,
    ExamSessionFactory,
    LeaderFactory,
    StudyHoursFactory,
    StudyPlanFactory,
    UserFactory,
)

YEAR = 2026
OPENS = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(480))


@dataclass
class Bureau:
    bureau: Department
    division1: Department
    section1: Department
    section2: Department
    division2: Department
    people: dict[str, User]
    session: ExamSession
    admin: User
    leader: User
    course1: Course
    course2: Course


@pytest.fixture
def known_bureau(db):
    bureau = DepartmentFactory(name="市局")
    division1 = DepartmentFactory(name="一处", parent=bureau)
    section1 = DepartmentFactory(name="一科", parent=division1)
    section2 = DepartmentFactory(name="二科", parent=division1)
    division2 = DepartmentFactory(name="二处", parent=bureau)
    people = {
        "a1": UserFactory(name="甲一", department=section1),
        "a2": UserFactory(name="甲二", department=section1),
        "a3": UserFactory(name="甲三", department=section1),
        "a4": UserFactory(name="甲四", department=section1, is_active=False),
        "b1": UserFactory(name="乙一", department=division2),
        "b2": UserFactory(name="乙二", department=division2),
        "c1": UserFactory(name="丙一", department=None),
    }
    session = ExamSessionFactory(
        title="2026年度学法考试", opens_at=OPENS, closes_at=OPENS + timedelta(days=10), departments=[bureau]
    )
    AttemptOutcomeFactory(session=session, candidate=people["a1"], passed=True)
    AttemptOutcomeFactory(session=session, candidate=people["a2"], passed=False)
    AttemptOutcomeFactory(session=session, candidate=people["a4"], passed=True)
    AttemptOutcomeFactory(session=session, candidate=people["b1"], passed=False, number=1)
    AttemptOutcomeFactory(
        session=session, candidate=people["b1"], passed=True, number=2, started_at=OPENS + timedelta(days=2)
    )
    AttemptOutcomeFactory(session=session, candidate=people["b2"], status=AttemptStatus.IN_PROGRESS)
    AttemptOutcomeFactory(session=session, candidate=people["c1"], passed=True)

    course1 = ConstitutionCourseFactory(title="宪法")
    course2 = CourseFactory(title="行政处罚法")
    StudyPlanFactory(year=YEAR, required_hours=Decimal("10"), courses=[PlanCourseIn(course=course1)])
    StudyPlanFactory(
        year=YEAR,
        required_hours=Decimal("16"),
        departments=[division1],
        courses=[PlanCourseIn(course=course1), PlanCourseIn(course=course2)],
    )
    for key, hours in [("a1", "16"), ("a2", "12"), ("b1", "10"), ("b2", "5")]:
        StudyHoursFactory(person=people[key], year=YEAR, hours=Decimal(hours))
    StudyHoursFactory(person=people["b2"], year=YEAR - 1, hours=Decimal("30"))
    for key, course in [("a1", course1), ("a1", course2), ("a2", course1), ("b1", course1)]:
        CourseCompletionFactory(user=people[key], course=course)

    above = DepartmentFactory(name="上级机关")
    admin = AdminFactory(name="管理员", department=above)
    leader = LeaderFactory(name="领导", department=above, leader_of=[division1])
    return Bureau(
        bureau=bureau,
        division1=division1,
        section1=section1,
        section2=section2,
        division2=division2,
        people=people,
        session=session,
        admin=admin,
        leader=leader,
        course1=course1,
        course2=course2,
    )


# ---------------------------------------------------------------- credentials of the known bureau

TODAY = date(2026, 11, 15)  # the day the credential figures are read
CHINA = timezone.get_fixed_timezone(480)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=CHINA)


@pytest.fixture
def credentialed_bureau(known_bureau: Bureau) -> Bureau:
    """The known bureau's credentials, read on TODAY (2026-11-15; a qualification exam valid 3 years):

    - a1, officer: granted 2024-01-10, valid until 2027-01-09: expiring (within 90 days), may enforce;
    - a2, officer: granted 2026-03-01, suspended 2026-05-01: may not enforce;
    - a3, officer: granted 2025-03-01, revoked 2026-06-01: may not enforce;
    - a4 (left): granted 2026-02-01, valid — in the year's grants, in no department figure;
    - b1, officer: granted 2025-06-01, failed the 2026 annual review (10 of 12 hours): may not enforce;
    - b2, officer: granted 2026-02-15, valid, reviewed next year: may enforce;
    - c1 (no department), officer: granted 2026-07-01, valid.
    The 2026 review (市局 requires 12 hours) reviews a1 (16 hours: good) and b1 (10: failed).
    """
    people = known_bureau.people
    User.objects.filter(pk__in=[people[k].pk for k in ("a1", "a2", "a3", "b1", "b2", "c1")]).update(
        is_enforcement_officer=True
    )
    people["a4"].is_active = True  # a4 passed before leaving
    people["a4"].save(update_fields=["is_active"])
    granted: dict[str, Credential] = {
        key: CredentialFactory.create(holder=people[key], granted_at=noon(day))
        for key, day in [
            ("a1", date(2024, 1, 10)),
            ("a2", date(2026, 3, 1)),
            ("a3", date(2025, 3, 1)),
            ("a4", date(2026, 2, 1)),
            ("b1", date(2025, 6, 1)),
            ("b2", date(2026, 2, 15)),
            ("c1", date(2026, 7, 1)),
        ]
    }
    people["a4"].is_active = False
    people["a4"].save(update_fields=["is_active"])
    admin = known_bureau.admin
    credential_services.credential_suspend(
        credential_id=granted["a2"].pk, reason="调查期间暂扣", actor=admin, now=noon(date(2026, 5, 1))
    )
    credential_services.credential_revoke(
        credential_id=granted["a3"].pk, reason="依法吊销", actor=admin, now=noon(date(2026, 6, 1))
    )
    credential_services.review_hours_set(bureau_id=known_bureau.bureau.pk, required_hours=Decimal("12"))
    review = credential_services.review_schedule(year=YEAR, review_on=date(2026, 10, 1), actor=admin)
    result = credential_services.review_run(review_id=review.pk, now=noon(date(2026, 10, 1)), actor=admin)
    assert (result.passed, result.failed) == (1, 1)
    for key in ("a1", "a2", "a3", "a4", "b1", "b2", "c1"):
        people[key].refresh_from_db()
    return known_bureau
