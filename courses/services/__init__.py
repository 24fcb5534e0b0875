"""Every write of the courses app. Import from here: ``from courses import services``.

Reading and completing (``services/progress.py``)
    lesson_heartbeat(*, lesson, user, now, end_reached=False) -> HeartbeatResult   (time credited, capped)
    lesson_complete(*, lesson, user, now) -> HeartbeatResult                       LessonNotFinished
    course_check_completion(*, course, user, now) -> CourseCompletion | None       (None while incomplete)
    course_completion_claim(*, course, user, now) -> CourseCompletion              CourseIncomplete
    course_complete(*, course, user, now) -> CourseCompletion                      (hours into the ledger, once)
    course_quiz_start(*, course, user, now) -> StartResult                         QuizNotOpen, the exam engine's
    courses_complete_after_quiz(*, now) -> int                                     (the beat task)

Study plans (``services/plans.py``)
    plan_courses_check(*, year, courses) -> None                                    ValidationFailed, ConstitutionRequired
    study_plan_save(*, plan, year, title, required_hours, departments, courses) -> StudyPlan   (same)
    study_plan_delete(*, plan) -> None

The study-hours ledger (``services/ledger.py``)
    study_hours_entry_reverse(*, entry_id, reason, actor, now) -> StudyHoursEntry   EntryAlreadyReversed,
                                                                                    CorrectionNotReversible

Study activities (``services/activities.py``)
    activity_check(data: ActivityIn) -> None                                        ValidationFailed naming the field
    activity_create(*, data, actor) -> StudyActivity; activity_update(*, activity, data) -> StudyActivity
    activity_delete(*, activity) -> None
    activity_attendees_add(*, activity, people=(), departments=(), method, actor) -> int   (credited once each)
    activity_attendee_remove(*, activity, person) -> bool
    activity_sign_in_open(*, activity, actor, now, minutes=30) -> ActivitySignIn
    activity_sign_in(*, sign_in, person, now) -> (ActivityAttendance, created)     SignInClosed

Every function raises a ``common.errors.DomainError`` subclass (see ``courses/errors.py``) with a
stable ``code`` on refusal, and on refusal changes nothing.
"""

from ..errors import (
    ConstitutionRequired,
    CorrectionNotReversible,
    CourseIncomplete,
    EntryAlreadyReversed,
    LessonNotFinished,
    QuizNotOpen,
    SignInClosed,
)
from .activities import (
    ACTIVITY_FIELDS,
    FIELDS_BY_KIND,
    ActivityIn,
    activity_attendee_remove,
    activity_attendees_add,
    activity_check,
    activity_create,
    activity_delete,
    activity_sign_in,
    activity_sign_in_open,
    activity_update,
)
from .ledger import study_hours_entry_reverse
from .plans import (
    PlanCourseIn,
    plan_courses_check,
    study_plan_delete,
    study_plan_save,
)
from .progress import (
    HEARTBEAT_CAP_SECONDS,
    HeartbeatResult,
    course_check_completion,
    course_complete,
    course_completion_claim,
    course_quiz_start,
    courses_complete_after_quiz,
    lesson_complete,
    lesson_heartbeat,
)

__all__ = [
    "ACTIVITY_FIELDS",
    "FIELDS_BY_KIND",
    "HEARTBEAT_CAP_SECONDS",
    "ActivityIn",
    "ConstitutionRequired",
    "CorrectionNotReversible",
    "CourseIncomplete",
    "EntryAlreadyReversed",
    "HeartbeatResult",
    "LessonNotFinished",
    "PlanCourseIn",
    "QuizNotOpen",
    "SignInClosed",
    "activity_attendee_remove",
    "activity_attendees_add",
    "activity_check",
    "activity_create",
    "activity_delete",
    "activity_sign_in",
    "activity_sign_in_open",
    "activity_update",
    "course_check_completion",
    "course_complete",
    "course_completion_claim",
    "course_quiz_start",
    "courses_complete_after_quiz",
    "lesson_complete",
    "lesson_heartbeat",
    "plan_courses_check",
    "study_hours_entry_reverse",
    "study_plan_delete",
    "study_plan_save",
]
