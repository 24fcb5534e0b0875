from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from courses.models import HoursSource, StudyHoursEntry
from courses.selectors import staff_hours_for_user, study_hours_totals
from courses.services import activity_attendees_add, course_complete
from people.models import User
from tests.conftest import token_client
from tests.factories import (
    AdminFactory,
    CourseFactory,
    DepartmentFactory,
    LeaderFactory,
    StudyActivityFactory,
    StudyPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_nothing_is_credited_twice_for_one_course_or_one_activity():
    person = UserFactory()
    course = CourseFactory()
    course_complete(course=course, user=person, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyHoursEntry.objects.create(
            person=person,
            year=2026,
            hours=Decimal("1"),
            source=HoursSource.COURSE,
            course=course,
            title="x",
            earned_at=NOW,
        )
    activity = StudyActivityFactory()
    activity_attendees_add(activity=activity, people=[person], actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyHoursEntry.objects.create(
            person=person,
            year=2026,
            hours=Decimal("1"),
            source=HoursSource.ACTIVITY,
            activity=activity,
            title="x",
            earned_at=NOW,
        )
    assert StudyHoursEntry.objects.filter(person=person).count() == 2


def test_a_ledger_line_has_exactly_one_source():
    person = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StudyHoursEntry.objects.create(
            person=person, year=2026, hours=Decimal("1"), source=HoursSource.COURSE, title="x", earned_at=NOW
        )


def test_totals_for_everyone_come_from_one_aggregate_query(django_assert_num_queries):
    people = UserFactory.create_batch(30)
    courses = CourseFactory.create_batch(3, study_hours=Decimal("1.5"))
    for index, person in enumerate(people):
        for course in courses[: index % 4]:
            course_complete(course=course, user=person, now=NOW)
    activity = StudyActivityFactory(hours=Decimal("0.5"))
    activity_attendees_add(activity=activity, people=people[:10], actor=None)
    last_year = StudyActivityFactory(held_on="2025-12-20")
    activity_attendees_add(activity=last_year, people=people, actor=None)

    with django_assert_num_queries(1):
        totals = study_hours_totals(year=2026)

    expected = {}
    for index, person in enumerate(people):
        total = Decimal("1.5") * (index % 4) + (Decimal("0.5") if index < 10 else 0)
        if total:
            expected[person.pk] = total
    assert totals == expected
    with django_assert_num_queries(1):
        some = study_hours_totals(year=2026, people=User.objects.filter(pk__in=[people[1].pk, people[2].pk]))
    assert some == {people[1].pk: Decimal("2.0"), people[2].pk: Decimal("3.5")}


def test_leaders_see_the_hours_of_their_subtree_and_admins_of_everyone(django_assert_max_num_queries):
    division = DepartmentFactory()
    section = DepartmentFactory(parent=division)
    leader = LeaderFactory(leader_of=[division], department=DepartmentFactory())
    inside = UserFactory(department=section, employee_no="A1")
    outside = UserFactory(employee_no="A2")
    course = CourseFactory(study_hours=Decimal("2"))
    course_complete(course=course, user=inside, now=NOW)
    course_complete(course=course, user=outside, now=NOW)

    rows = {person: person.hours_total for person in staff_hours_for_user(user=leader, year=2026)}
    assert rows == {leader: Decimal("0"), inside: Decimal("2")}
    admin = AdminFactory()
    with django_assert_max_num_queries(2):
        everyone = list(staff_hours_for_user(user=admin, year=2026))
    assert {person.pk: person.hours_total for person in everyone}[outside.pk] == Decimal("2")


def test_my_study_hours_api_lists_each_line_and_the_total_against_the_plan():
    person = UserFactory(name="张伟")
    StudyPlanFactory(year=2026, required_hours=Decimal("12"))
    course = CourseFactory(title="宪法学习", study_hours=Decimal("3"))
    course_complete(course=course, user=person, now=NOW)
    activity = StudyActivityFactory(title="三月会前学法", held_on="2026-03-10", hours=Decimal("1.5"))
    activity_attendees_add(activity=activity, people=[person], actor=None)

    response = token_client(person).get("/api/v1/my-study-hours/?year=2026")

    assert response.status_code == 200
    body = response.json()
    course_line, activity_line = sorted(body.pop("entries"), key=lambda entry: entry["source"])
    assert body == {
        "person": {
            "id": person.pk,
            "name": "张伟",
            "employee_no": person.employee_no,
            "department": {"id": person.department.pk, "name": person.department.name},
        },
        "year": 2026,
        "total": "4.5",
        "required_hours": "12.0",
    }
    assert {
        k: course_line[k] for k in ("source", "source_display", "title", "hours", "course", "activity")
    } == {
        "source": "activity",
        "source_display": "学法活动",
        "title": "三月会前学法",
        "hours": "1.5",
        "course": None,
        "activity": activity.pk,
    }
    assert (
        activity_line["source"],
        activity_line["title"],
        activity_line["hours"],
        activity_line["course"],
    ) == (
        "course",
        "宪法学习",
        "3.0",
        course.pk,
    )


def test_someone_else_s_ledger_is_404_for_staff_and_visible_to_their_leader():
    division = DepartmentFactory()
    person = UserFactory(department=division)
    colleague = UserFactory(department=division)
    leader = LeaderFactory(leader_of=[division])
    assert token_client(colleague).get(f"/api/v1/study-hours/{person.pk}/").status_code == 404
    response = token_client(leader).get(f"/api/v1/study-hours/{person.pk}/?year=2026")
    assert response.status_code == 200
    assert response.json()["person"]["id"] == person.pk


def test_study_hours_list_is_scoped_paginated_and_carries_required_hours():
    division = DepartmentFactory()
    leader = LeaderFactory(leader_of=[division], department=division, employee_no="L1")
    member = UserFactory(department=division, employee_no="M1")
    UserFactory(employee_no="X1")
    StudyPlanFactory(year=2026, required_hours=Decimal("8"), departments=[division])
    course_complete(course=CourseFactory(study_hours=Decimal("2")), user=member, now=NOW)

    response = token_client(leader).get(f"/api/v1/study-hours/?year=2026&department={division.pk}")

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert [
        (row["employee_no"], row["hours_total"], row["required_hours"]) for row in response.json()["results"]
    ] == [
        ("L1", "0.0", "8.0"),
        ("M1", "2.0", "8.0"),
    ]


def test_a_leader_asking_for_a_department_outside_their_scope_gets_404():
    bureau = DepartmentFactory()
    division, other = DepartmentFactory(parent=bureau), DepartmentFactory(parent=bureau)
    UserFactory(department=other)
    leader = token_client(LeaderFactory(leader_of=[division], department=division))

    outside = leader.get(f"/api/v1/study-hours/?year=2026&department={other.pk}")
    unknown = leader.get("/api/v1/study-hours/?year=2026&department=999999")
    malformed = leader.get("/api/v1/study-hours/?year=2026&department=abc")

    assert outside.status_code == 404
    assert unknown.status_code == 404
    assert (malformed.status_code, malformed.json()) == (
        400,
        {"detail": "单位应为单位编号。", "code": "invalid", "field": "department"},
    )


def test_a_bad_year_is_a_400_naming_the_field():
    response = token_client(UserFactory()).get("/api/v1/my-study-hours/?year=twenty")
    assert response.status_code == 400
    assert response.json() == {"detail": "年度应为四位数字的年份。", "code": "invalid", "field": "year"}
