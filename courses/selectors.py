"""Every read of the courses app, limited to what the asking user may see.

Staff see their own progress, plan and ledger; leaders also the people of the subtrees they lead;
administrators everyone (``people.scope``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from people.models import Department, User
from people.scope import ancestor_paths, is_exam_admin, led_paths, subtree_q, visible_staff

from .models import (
    ActivityAttendance,
    ActivityKind,
    ActivitySignIn,
    Course,
    CourseCompletion,
    Lesson,
    LessonProgress,
    PlanCourse,
    StudyActivity,
    StudyHoursEntry,
    StudyPlan,
)
from .quiz import quizzes_passed

ZERO = Decimal("0")

# ---------------------------------------------------------------- courses and progress


def course_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Course]:
    courses = Course.objects.all() if is_exam_admin(user) else Course.objects.filter(is_published=True)
    return courses.select_related("quiz").annotate(lessons_total=Count("lessons")).order_by("position", "id")


def course_for_user(*, user: User | AnonymousUser, course_id: int) -> Course:
    return get_object_or_404(course_list_for_user(user=user), pk=course_id)


def lesson_for_user(*, user: User | AnonymousUser, lesson_id: int) -> Lesson:
    """A lesson of a course the user may read (404 otherwise), with its course."""
    lesson = get_object_or_404(Lesson.objects.select_related("course"), pk=lesson_id)
    # Asked in this order so that reading a published lesson (every heartbeat) costs no role lookup.
    if not lesson.course.is_published and not is_exam_admin(user):
        raise Http404
    return lesson


@dataclass(frozen=True)
class CourseProgress:
    lessons_total: int
    lessons_completed: int
    completed_at: datetime | None  # when the course was completed, if it was
    quiz_required: bool = False
    quiz_passed: bool | None = None  # None: the course has no quiz

    @property
    def completed(self) -> bool:
        return self.completed_at is not None

    @property
    def awaiting_quiz(self) -> bool:
        """Every lesson read, the required quiz not yet passed."""
        return (
            not self.completed
            and self.quiz_required
            and not self.quiz_passed
            and self.lessons_total > 0
            and self.lessons_completed >= self.lessons_total
        )

    @property
    def percent(self) -> int:
        """The share of the steps done: each lesson, and the quiz when it is required."""
        if self.completed:
            return 100
        steps = self.lessons_total + (1 if self.quiz_required else 0)
        done = self.lessons_completed + (1 if self.quiz_required and self.quiz_passed else 0)
        return min(99, done * 100 // steps) if steps else 0


def course_progress_for_user(*, user: User, courses: Iterable[Course]) -> dict[int, CourseProgress]:
    """Progress of ``user`` in each course, from at most three queries whatever the number of courses.

    The courses must carry ``lessons_total`` (as :func:`course_list_for_user` annotates them).
    """
    courses = list(courses)
    ids = [course.pk for course in courses]
    completed_lessons = dict(
        LessonProgress.objects.filter(user=user, lesson__course_id__in=ids, completed_at__isnull=False)
        .values("lesson__course_id")
        .annotate(n=Count("id"))
        .values_list("lesson__course_id", "n")
    )
    completions = dict(
        CourseCompletion.objects.filter(user=user, course_id__in=ids).values_list("course_id", "completed_at")
    )
    passed = quizzes_passed(user=user, courses=courses)
    return {
        course.pk: CourseProgress(
            lessons_total=getattr(course, "lessons_total", 0),
            lessons_completed=completed_lessons.get(course.pk, 0),
            completed_at=completions.get(course.pk),
            quiz_required=course.quiz_required,
            quiz_passed=None if course.quiz_id is None else course.quiz_id in passed,
        )
        for course in courses
    }


def lesson_progress_for_user(*, user: User, lessons: Iterable[Lesson]) -> dict[int, LessonProgress]:
    return {
        progress.lesson_id: progress
        for progress in LessonProgress.objects.filter(user=user, lesson__in=[lesson.pk for lesson in lessons])
    }


def lesson_neighbours(*, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The lessons before and after this one in its course."""
    lessons = list(
        Lesson.objects.filter(course_id=lesson.course_id).only("id", "title", "position", "course_id")
    )
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    before = lessons[index - 1] if index > 0 else None
    after = lessons[index + 1] if index + 1 < len(lessons) else None
    return before, after


# ---------------------------------------------------------------- study plans


# Which plans apply to a person: a plan with no departments applies to everyone, one with departments
# to the people within any of their subtrees. Said twice, once for the database (plans of one person)
# and once in Python (the plans of a year against many departments), and a test proves they agree.


def _audience_includes(person: User) -> Q:
    """Plans whose audience includes ``person``: no departments (everyone), or theirs or one above it."""
    paths = ancestor_paths(person.department.path) if person.department is not None else []
    return Q(departments__isnull=True) | Q(departments__path__in=paths)


def plan_applies_to(plan: StudyPlan, department: Department | None) -> bool:
    """``_audience_includes`` in Python, for a plan with its departments prefetched."""
    audience = list(plan.departments.all())
    return not audience or (department is not None and any(department.is_within(d) for d in audience))


def plans_for_person(*, person: User, year: int) -> QuerySet[StudyPlan]:
    """The plans of ``year`` whose audience includes ``person``: everyone, or a subtree they are in."""
    ids = StudyPlan.objects.filter(year=year).filter(_audience_includes(person)).values("pk")
    return StudyPlan.objects.filter(pk__in=ids).order_by("id")


def study_plan_list_for_user(*, user: User | AnonymousUser) -> QuerySet[StudyPlan]:
    """Administrators see every plan; everyone else the plans that apply to them, any year."""
    plans = StudyPlan.objects.prefetch_related("departments", "entries__course")
    if is_exam_admin(user):
        return plans.order_by("-year", "id")
    if not user.is_authenticated:
        return plans.none()
    assert isinstance(user, User)
    audience = StudyPlan.objects.filter(_audience_includes(user)).values("pk")
    return plans.filter(pk__in=audience).order_by("-year", "id")


@dataclass(frozen=True)
class PlanCourseStatus:
    course: Course
    required: bool
    due_on: date
    progress: CourseProgress
    overdue: bool


@dataclass(frozen=True)
class PersonalPlan:
    year: int
    plans: list[StudyPlan]
    required_hours: Decimal
    hours_earned: Decimal
    required_courses: list[PlanCourseStatus] = field(default_factory=list)
    elective_courses: list[PlanCourseStatus] = field(default_factory=list)
    hours_overdue: bool = False

    @property
    def hours_percent(self) -> int:
        if not self.required_hours:
            return 100 if self.plans else 0
        return min(100, int(self.hours_earned * 100 / self.required_hours))

    @property
    def overdue(self) -> list[PlanCourseStatus]:
        return [item for item in self.required_courses if item.overdue]

    @property
    def unfinished_required(self) -> list[PlanCourseStatus]:
        return [item for item in self.required_courses if not item.progress.completed]


def personal_plan(*, person: User, year: int, today: date) -> PersonalPlan:
    """A person's plan for a year: every plan that applies to them merged into one.

    A course required by any plan is required, with the earliest deadline; the hours required are
    the largest any plan asks. A constant number of queries.
    """
    plans = list(plans_for_person(person=person, year=year))
    year_end = date(year, 12, 31)
    entries = list(
        PlanCourse.objects.filter(plan__in=plans)
        .select_related("course")
        .annotate(lessons_total=Count("course__lessons"))
        .order_by("-required", "due_on", "id")
    )
    merged: dict[int, tuple[Course, bool, date]] = {}
    for entry in entries:
        course = entry.course
        course.lessons_total = entry.lessons_total  # type: ignore[attr-defined]
        due = entry.due_on or year_end
        if entry.course_id in merged:
            _course, required, earlier = merged[entry.course_id]
            merged[entry.course_id] = (course, required or entry.required, min(due, earlier))
        else:
            merged[entry.course_id] = (course, entry.required, due)
    progress = course_progress_for_user(user=person, courses=[item[0] for item in merged.values()])
    required_courses: list[PlanCourseStatus] = []
    elective_courses: list[PlanCourseStatus] = []
    for course, required, due in merged.values():
        status = PlanCourseStatus(
            course=course,
            required=required,
            due_on=due,
            progress=progress[course.pk],
            overdue=required and due < today and not progress[course.pk].completed,
        )
        (required_courses if required else elective_courses).append(status)
    required_courses.sort(key=lambda item: (item.due_on, item.course.position, item.course.pk))
    elective_courses.sort(key=lambda item: (item.course.position, item.course.pk))
    required_hours = max((plan.required_hours for plan in plans), default=ZERO)
    earned = study_hours_total(person=person, year=year)
    return PersonalPlan(
        year=year,
        plans=plans,
        required_hours=required_hours,
        hours_earned=earned,
        required_courses=required_courses,
        elective_courses=elective_courses,
        hours_overdue=bool(plans) and today > year_end and earned < required_hours,
    )


def required_hours_by_department(*, year: int) -> Callable[[Department | None], Decimal]:
    """A function answering "how many hours does the plan ask of someone in this department", from two queries."""
    plans = list(StudyPlan.objects.filter(year=year).prefetch_related("departments"))

    def required(department: Department | None) -> Decimal:
        return max((plan.required_hours for plan in plans if plan_applies_to(plan, department)), default=ZERO)

    return required


# ---------------------------------------------------------------- the study-hours ledger


def study_hours_total(*, person: User, year: int) -> Decimal:
    total = StudyHoursEntry.objects.filter(person=person, year=year).aggregate(total=Sum("hours"))["total"]
    return total or ZERO


def study_hours_totals(*, year: int, people: QuerySet[User] | None = None) -> dict[int, Decimal]:
    """Each person's hours of ``year``, by person id, from one aggregate query.

    People without any entry are absent. This is what reports and credential renewal read.
    """
    entries = StudyHoursEntry.objects.filter(year=year)
    if people is not None:
        entries = entries.filter(person__in=people.values("pk"))
    return dict(
        entries.order_by().values("person").annotate(total=Sum("hours")).values_list("person", "total")
    )


def study_hours_ledger(*, person: User, year: int) -> QuerySet[StudyHoursEntry]:
    return StudyHoursEntry.objects.filter(person=person, year=year).select_related("course", "activity")


def staff_hours_for_user(
    *, user: User | AnonymousUser, year: int, department: Department | None = None
) -> QuerySet[User]:
    """The people ``user`` may see, each annotated with ``hours_total`` for ``year``: one query per page."""
    people = visible_staff(user).filter(is_active=True)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    return (
        people.select_related("department")
        .annotate(
            hours_total=Coalesce(
                Sum("study_hours__hours", filter=Q(study_hours__year=year)),
                Value(ZERO),
                output_field=DecimalField(max_digits=9, decimal_places=1),
            )
        )
        .order_by("employee_no", "id")
    )


def person_for_user(*, user: User | AnonymousUser, person_id: int) -> User:
    return get_object_or_404(visible_staff(user).select_related("department"), pk=person_id)


# ---------------------------------------------------------------- study activities


def activity_list_for_user(*, user: User | AnonymousUser) -> QuerySet[StudyActivity]:
    """Administrators see every activity; leaders those organised within their subtrees and those
    their people attended; staff those they attended."""
    activities = StudyActivity.objects.select_related("department").annotate(
        attendee_count=Count("attendance")
    )
    if is_exam_admin(user):
        return activities
    if not user.is_authenticated:
        return activities.none()
    paths = led_paths(user)
    attended = ActivityAttendance.objects.filter(person=user)
    if paths:
        attended = ActivityAttendance.objects.filter(
            Q(person=user) | subtree_q(paths, field="person__department__path")
        )
    query = Q(pk__in=attended.values("activity_id"))
    if paths:
        query |= subtree_q(paths, field="department__path")
    return activities.filter(query)


def activity_for_user(*, user: User | AnonymousUser, activity_id: int) -> StudyActivity:
    return get_object_or_404(activity_list_for_user(user=user), pk=activity_id)


def attendance_for_user(
    *, user: User | AnonymousUser, activity: StudyActivity
) -> QuerySet[ActivityAttendance]:
    """The attendees of an activity that ``user`` may see."""
    rows = ActivityAttendance.objects.filter(activity=activity).select_related("person__department")
    if not is_exam_admin(user):
        rows = rows.filter(person__in=visible_staff(user).values("pk"))
    return rows.order_by("person__employee_no", "person_id")


def sign_in_by_token(*, token: str) -> ActivitySignIn:
    return get_object_or_404(ActivitySignIn.objects.select_related("activity"), token=token)


def sign_in_by_code(*, code: str, now: datetime) -> ActivitySignIn | None:
    """The open sign-in with this six-digit code, if any."""
    return (
        ActivitySignIn.objects.select_related("activity")
        .filter(code=code.strip(), expires_at__gt=now)
        .order_by("-opened_at")
        .first()
    )


@dataclass(frozen=True)
class MonthCheck:
    month: int
    state: str  # "held", "missing" (the month is over without one), "open" (this month, none yet), "future"
    activities: list[StudyActivity]

    @property
    def held(self) -> bool:
        return self.state == "held"


def pre_meeting_check(*, year: int, today: date) -> list[MonthCheck]:
    """The bureau's rule "at least one 会前学法 every month", month by month, from one query.

    Bureau-level on purpose: the rule is the bureau's, so every 会前学法 counts whichever
    department organised it, and the answer is the same for everyone who asks. It is therefore
    not limited to the asker's scope; the views let only administrators and leaders see it.
    """
    by_month: dict[int, list[StudyActivity]] = {month: [] for month in range(1, 13)}
    activities = StudyActivity.objects.filter(kind=ActivityKind.PRE_MEETING, held_on__year=year).order_by(
        "held_on", "id"
    )
    for activity in activities:
        by_month[activity.held_on.month].append(activity)
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        if by_month[month]:
            state = "held"
        elif last < today:
            state = "missing"
        elif first <= today:
            state = "open"
        else:
            state = "future"
        months.append(MonthCheck(month=month, state=state, activities=by_month[month]))
    return months
