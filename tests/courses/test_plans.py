from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.context import set_actor
from auditlog.models import LogEntry

from common.errors import ValidationFailed
from courses.models import LawArea, PlanCourse, StudyPlan
from courses.selectors import personal_plan, plan_applies_to, plans_for_person
from courses.services import ConstitutionRequired, PlanCourseIn, course_complete, study_plan_save
from tests.factories import (
    AdminFactory,
    ConstitutionCourseFactory,
    CourseFactory,
    DepartmentFactory,
    LessonFactory,
    StudyPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def save(courses, *, plan=None, year=2026, departments=()):
    return study_plan_save(
        plan=plan,
        year=year,
        title="2026年度学法计划",
        required_hours=Decimal("20"),
        departments=departments,
        courses=courses,
    )


def test_a_plan_without_a_constitution_course_is_refused_and_nothing_is_saved():
    civil = CourseFactory(law_area=LawArea.CIVIL_CODE)
    with pytest.raises(ConstitutionRequired) as refused:
        save([PlanCourseIn(course=civil)])
    assert refused.value.code == "constitution_required"
    assert refused.value.field == "courses"
    assert refused.value.message == "年度学法计划的必修课程中必须有宪法课程：宪法是每年学法计划的固定内容。"
    assert StudyPlan.objects.count() == 0
    assert PlanCourse.objects.count() == 0


def test_the_constitution_as_an_elective_is_not_enough():
    constitution = ConstitutionCourseFactory()
    with pytest.raises(ConstitutionRequired):
        save([PlanCourseIn(course=constitution, required=False)])
    assert StudyPlan.objects.count() == 0


def test_removing_the_constitution_from_a_saved_plan_is_refused_and_the_plan_stays_as_it_was():
    constitution, civil = ConstitutionCourseFactory(), CourseFactory()
    plan = save([PlanCourseIn(course=constitution), PlanCourseIn(course=civil, required=False)])
    with pytest.raises(ConstitutionRequired):
        save([PlanCourseIn(course=civil)], plan=plan)
    assert sorted(plan.entries.values_list("course_id", "required")) == sorted(
        [(constitution.pk, True), (civil.pk, False)]
    )


def test_plan_is_saved_with_audience_courses_and_deadlines_and_audited():
    constitution, civil = ConstitutionCourseFactory(), CourseFactory()
    department = DepartmentFactory(name="城建监察支队")
    admin = AdminFactory()
    with set_actor(admin), time_machine.travel(NOW, tick=False):
        plan = save(
            [
                PlanCourseIn(course=constitution, due_on=date(2026, 12, 4)),
                PlanCourseIn(course=civil, required=False),
            ],
            departments=[department],
        )
    assert list(plan.departments.all()) == [department]
    first, second = plan.entries.order_by("id")
    assert [(entry.course_id, entry.required, entry.due_on) for entry in (first, second)] == [
        (constitution.pk, True, date(2026, 12, 4)),
        (civil.pk, False, None),
    ]
    assert [
        (entry.action, entry.actor, entry.changes_dict)
        for entry in LogEntry.objects.get_for_object(plan).order_by("id")
    ] == [
        (
            LogEntry.Action.CREATE,
            admin,
            {
                "id": ["None", str(plan.pk)],
                "year": ["None", "2026"],
                "title": ["None", "2026年度学法计划"],
                "required_hours": ["None", "20"],
                "entries": ["None", "courses.PlanCourse.None"],
                "created_at": ["None", "2026-06-01 02:00:00"],
                "updated_at": ["None", "2026-06-01 02:00:00"],
            },
        ),
        (
            LogEntry.Action.UPDATE,
            admin,
            {"departments": {"type": "m2m", "operation": "add", "objects": ["城建监察支队"]}},
        ),
    ]
    assert [
        (entry.object_pk, entry.action, entry.actor, entry.changes_dict)
        for entry in LogEntry.objects.get_for_objects(plan.entries.all()).order_by("id")
    ] == [
        (
            str(first.pk),
            LogEntry.Action.CREATE,
            admin,
            {
                "id": ["None", str(first.pk)],
                "plan": ["None", str(plan.pk)],
                "course": ["None", str(constitution.pk)],
                "required": ["None", "True"],
                "due_on": ["None", "2026-12-04"],
            },
        ),
        (
            str(second.pk),
            LogEntry.Action.CREATE,
            admin,
            {
                "id": ["None", str(second.pk)],
                "plan": ["None", str(plan.pk)],
                "course": ["None", str(civil.pk)],
                "required": ["None", "False"],
            },
        ),
    ]


@pytest.mark.parametrize(
    ("courses", "message"),
    [
        ("twice", "课程《宪法》在计划中出现了两次。"),
        ("late", "课程《宪法》的完成期限应在 2026 年内。"),
    ],
)
def test_duplicates_and_deadlines_outside_the_year_are_refused(courses, message):
    constitution = ConstitutionCourseFactory(title="宪法")
    entries = {
        "twice": [PlanCourseIn(course=constitution), PlanCourseIn(course=constitution, required=False)],
        "late": [PlanCourseIn(course=constitution, due_on=date(2027, 1, 31))],
    }[courses]
    with pytest.raises(ValidationFailed) as refused:
        save(entries)
    assert refused.value.message == message
    assert StudyPlan.objects.count() == 0


def test_a_plan_reaches_its_departments_subtrees_and_a_plan_without_departments_everyone():
    bureau = DepartmentFactory()
    division = DepartmentFactory(parent=bureau)
    section = DepartmentFactory(parent=division)
    other = DepartmentFactory()
    for_everyone = StudyPlanFactory(year=2026)
    for_division = StudyPlanFactory(year=2026, departments=[division])
    StudyPlanFactory(year=2025)

    assert list(plans_for_person(person=UserFactory(department=section), year=2026)) == [
        for_everyone,
        for_division,
    ]
    assert list(plans_for_person(person=UserFactory(department=bureau), year=2026)) == [for_everyone]
    assert list(plans_for_person(person=UserFactory(department=other), year=2026)) == [for_everyone]


def test_the_database_and_python_agree_on_which_plans_apply_to_whom():
    # given a tree with plans for everyone, for a division and for two sections, and people everywhere
    bureau = DepartmentFactory()
    division = DepartmentFactory(parent=bureau)
    sections = [DepartmentFactory(parent=division), DepartmentFactory(parent=bureau)]
    other = DepartmentFactory()
    StudyPlanFactory(year=2026)
    StudyPlanFactory(year=2026, departments=[division])
    StudyPlanFactory(year=2026, departments=sections)
    people = [UserFactory(department=d) for d in (bureau, division, *sections, other)] + [
        UserFactory(department=None)
    ]
    plans = list(StudyPlan.objects.filter(year=2026).prefetch_related("departments"))

    # when each side answers for each person, then the answers are the same
    for person in people:
        in_python = [plan.pk for plan in plans if plan_applies_to(plan, person.department)]
        in_sql = [plan.pk for plan in plans_for_person(person=person, year=2026)]
        assert in_python == in_sql, person.department
    assert [len(list(plans_for_person(person=p, year=2026))) for p in people] == [1, 2, 3, 2, 1, 1]


def test_personal_plan_shows_progress_hours_and_what_is_overdue():
    person = UserFactory()
    constitution = ConstitutionCourseFactory(study_hours=Decimal("3"))
    LessonFactory(course=constitution)
    civil = CourseFactory(title="民法典总则")
    LessonFactory.create_batch(4, course=civil)
    elective = CourseFactory(title="行政处罚法")
    StudyPlanFactory(
        year=2026,
        required_hours=Decimal("12"),
        courses=[
            PlanCourseIn(course=constitution, due_on=date(2026, 3, 31)),
            PlanCourseIn(course=civil, due_on=date(2026, 5, 31)),
            PlanCourseIn(course=elective, required=False),
        ],
    )
    course_complete(course=constitution, user=person, now=NOW)

    plan = personal_plan(person=person, year=2026, today=date(2026, 6, 1))

    assert [(item.course, item.progress.completed, item.overdue) for item in plan.required_courses] == [
        (constitution, True, False),
        (civil, False, True),
    ]
    assert [item.course for item in plan.elective_courses] == [elective]
    assert plan.elective_courses[0].due_on == date(2026, 12, 31)
    assert (plan.required_hours, plan.hours_earned, plan.hours_percent) == (Decimal("12"), Decimal("3"), 25)
    assert [item.course for item in plan.overdue] == [civil]
    assert plan.required_courses[1].progress.lessons_total == 4
    assert plan.hours_overdue is False
    # After the year is over, hours short of the plan are overdue too.
    assert personal_plan(person=person, year=2026, today=date(2027, 1, 2)).hours_overdue is True


def test_two_plans_merge_required_wins_earliest_deadline_and_largest_hours():
    department = DepartmentFactory()
    person = UserFactory(department=department)
    constitution, civil = ConstitutionCourseFactory(), CourseFactory()
    StudyPlanFactory(
        year=2026,
        required_hours=Decimal("10"),
        courses=[
            PlanCourseIn(course=constitution, due_on=date(2026, 9, 30)),
            PlanCourseIn(civil, required=False),
        ],
    )
    StudyPlanFactory(
        year=2026,
        required_hours=Decimal("16"),
        departments=[department],
        courses=[
            PlanCourseIn(course=constitution, due_on=date(2026, 6, 30)),
            PlanCourseIn(civil, required=True),
        ],
    )
    plan = personal_plan(person=person, year=2026, today=date(2026, 1, 1))
    assert [(item.course, item.due_on) for item in plan.required_courses] == [
        (constitution, date(2026, 6, 30)),
        (civil, date(2026, 12, 31)),
    ]
    assert plan.elective_courses == []
    assert plan.required_hours == Decimal("16")


def test_personal_plan_takes_a_constant_number_of_queries(django_assert_max_num_queries):
    person = UserFactory()
    courses = [ConstitutionCourseFactory(), *CourseFactory.create_batch(6)]
    for course in courses:
        LessonFactory.create_batch(2, course=course)
    StudyPlanFactory(year=2026, courses=courses)
    StudyPlanFactory(year=2026, courses=courses[:3])
    with django_assert_max_num_queries(5):
        plan = personal_plan(person=person, year=2026, today=date(2026, 6, 1))
    assert len(plan.required_courses) == 7
