"""Reading a lesson: heartbeats credit time, the end marker and the minimum time complete it, and
the last lesson (with the quiz, when the course requires it) completes the course and credits hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.services import StartResult, practice_start
from people.models import User

from ..errors import CourseIncomplete, LessonNotFinished, QuizNotOpen
from ..models import Course, CourseCompletion, HoursSource, Lesson, LessonProgress, StudyHoursEntry
from ..quiz import quiz_passed, quiz_passers
from ..reading import lesson_required_seconds

# The page beats every 15 s while it is visible and the reader active. A beat credits the time
# since the last one, never more than this: an idle tab that stops beating earns nothing for the
# gap, and a replayed or duplicated beat earns only the moments since the previous one.
HEARTBEAT_CAP_SECONDS = 30


@dataclass(frozen=True)
class HeartbeatResult:
    progress: LessonProgress
    credited_seconds: int
    lesson_completed_now: bool
    course_completed: bool


def _credit(progress: LessonProgress, now: datetime) -> int:
    """Add the time since the last beat (capped) and move the clock on; fractions carry over."""
    last = progress.last_heartbeat_at
    if last is None:
        progress.last_heartbeat_at = now
        return 0
    if now <= last:
        return 0
    elapsed = now - last
    if elapsed > timedelta(seconds=HEARTBEAT_CAP_SECONDS):
        progress.last_heartbeat_at = now
        credited = HEARTBEAT_CAP_SECONDS
    else:
        credited = int(elapsed.total_seconds())
        progress.last_heartbeat_at = last + timedelta(seconds=credited)
    progress.seconds_spent += credited
    return credited


@transaction.atomic
def lesson_heartbeat(
    *, lesson: Lesson, user: User, now: datetime, end_reached: bool = False
) -> HeartbeatResult:
    """Credit reading time to ``user`` for ``lesson`` and complete it once both conditions hold.

    One reading clock per person: a person reads one lesson at a time. The person's row is locked
    (``FOR NO KEY UPDATE``), so their beats, on any lesson, take turns; a beat credits time only
    when the person's previous beat was on this lesson. A beat on a lesson after a beat on another
    restarts this lesson's clock and credits nothing, so beating every lesson at once (or in turn)
    earns nothing, and two tabs of one lesson share its clock and together earn no more than the
    time that passed. The first beat starts the clock and credits nothing. Five statements.
    """
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True).first()
    progress, _created = LessonProgress.objects.select_for_update().get_or_create(
        user=user, lesson=lesson, defaults={"started_at": now}
    )
    latest_elsewhere = (
        LessonProgress.objects.filter(user=user, last_heartbeat_at__isnull=False)
        .exclude(lesson=lesson)
        .order_by("-last_heartbeat_at")
        .values_list("last_heartbeat_at", flat=True)
        .first()
    )
    if (
        latest_elsewhere is not None
        and progress.last_heartbeat_at is not None
        and latest_elsewhere >= progress.last_heartbeat_at
    ):
        progress.last_heartbeat_at = None  # the reader moved to another lesson since: start again
    credited = _credit(progress, now)
    fields = ["seconds_spent", "last_heartbeat_at"]
    if end_reached and progress.end_reached_at is None:
        progress.end_reached_at = now
        fields.append("end_reached_at")
    completed_now = False
    if (
        progress.completed_at is None
        and progress.end_reached_at is not None
        and progress.seconds_spent >= lesson_required_seconds(lesson)
    ):
        progress.completed_at = now
        completed_now = True
        fields.append("completed_at")
    progress.save(update_fields=fields)
    course_completed = False
    if completed_now:
        course_completed = course_check_completion(course=lesson.course, user=user, now=now) is not None
    return HeartbeatResult(
        progress=progress,
        credited_seconds=credited,
        lesson_completed_now=completed_now,
        course_completed=course_completed,
    )


@transaction.atomic
def lesson_complete(*, lesson: Lesson, user: User, now: datetime) -> HeartbeatResult:
    """The reader says they are done: a last beat with the end reached, refused while time is short."""
    result = lesson_heartbeat(lesson=lesson, user=user, now=now, end_reached=True)
    if result.progress.completed_at is None:
        remaining = lesson_required_seconds(lesson) - result.progress.seconds_spent
        raise LessonNotFinished(
            _("本章还需学习 %(seconds)s 秒才能完成。") % {"seconds": remaining},
        )
    return result


def course_check_completion(*, course: Course, user: User, now: datetime) -> CourseCompletion | None:
    """Complete the course for ``user`` when every lesson is done and, if the course says so, its quiz passed.

    Safe to call any number of times; returns the completion, or None while something is missing.
    """
    existing = CourseCompletion.objects.filter(user=user, course=course).first()
    if existing is not None:
        return existing
    lessons_total = course.lessons.count()
    if lessons_total == 0:
        return None
    done = LessonProgress.objects.filter(user=user, lesson__course=course, completed_at__isnull=False).count()
    if done < lessons_total:
        return None
    if course.quiz_required and not quiz_passed(course=course, user=user):
        return None
    return course_complete(course=course, user=user, now=now)


def course_completion_claim(*, course: Course, user: User, now: datetime) -> CourseCompletion:
    """Complete the course for ``user`` as ``course_check_completion`` does; ``CourseIncomplete`` while
    lessons (or the required quiz) are still to do, and then nothing changes."""
    completion = course_check_completion(course=course, user=user, now=now)
    if completion is None:
        raise CourseIncomplete(_("课程《%(title)s》还有未完成的内容。") % {"title": course.title})
    return completion


@transaction.atomic
def course_complete(*, course: Course, user: User, now: datetime) -> CourseCompletion:
    """Record the completion and credit the course's hours to the ledger, once."""
    completion, created = CourseCompletion.objects.get_or_create(
        user=user, course=course, defaults={"completed_at": now}
    )
    if created:
        StudyHoursEntry.objects.get_or_create(
            person=user,
            course=course,
            defaults={
                "source": HoursSource.COURSE,
                "year": timezone.localtime(now).year,
                "hours": course.study_hours,
                "title": course.title,
                "earned_at": now,
            },
        )
    return completion


def course_quiz_start(*, course: Course, user: User, now: datetime) -> StartResult:
    """Start (or resume) the course's quiz, a practice attempt, once every lesson is read.

    The attempt is then taken through the exam engine like any other. A quiz is usually kept out
    of the practice list (``Exam.listed_in_practice``); the course is where it is offered.
    """
    if course.quiz_id is None:
        raise QuizNotOpen(_("本课程没有结课测验。"))
    lessons_total = course.lessons.count()
    done = LessonProgress.objects.filter(user=user, lesson__course=course, completed_at__isnull=False).count()
    if done < lessons_total:
        raise QuizNotOpen(
            _("学完全部章节后才能参加结课测验（已学完 %(done)s/%(total)s 章）。")
            % {"done": done, "total": lessons_total}
        )
    return practice_start(candidate=user, exam_id=course.quiz_id, now=now, include_unlisted=True)


def courses_complete_after_quiz(*, now: datetime) -> int:
    """Complete every course whose last missing step was its quiz, passed in the exam engine.

    The exam engine knows nothing of courses, so passing a quiz completes nothing by itself; this
    runs from beat (and a person's next visit to the course does the same for them). Set-based:
    one query per course with a required quiz finds who has read every lesson, passed, and is
    not yet complete. Returns how many completions it recorded.
    """
    recorded = 0
    courses = Course.objects.filter(quiz_required=True, quiz__isnull=False).annotate(
        lessons_total=Count("lessons")
    )
    for course in courses:
        if not course.lessons_total:  # type: ignore[attr-defined]
            continue
        finished_reading = (
            LessonProgress.objects.filter(lesson__course=course, completed_at__isnull=False)
            .values("user")
            .annotate(n=Count("id"))
            .filter(n=course.lessons_total)  # type: ignore[attr-defined]
            .values("user")
        )
        waiting = (
            User.objects.filter(pk__in=finished_reading)
            .filter(pk__in=quiz_passers(course=course))
            .exclude(pk__in=CourseCompletion.objects.filter(course=course).values("user"))
        )
        for user in waiting:
            course_complete(course=course, user=user, now=now)
            recorded += 1
    return recorded
