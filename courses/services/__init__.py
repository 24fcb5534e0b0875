"""Every write of the courses app: reading progress, plans, activities and the hours they credit."""

from .activities import (
    ActivityIn,
    SignInClosed,
    activity_attendee_remove,
    activity_attendees_add,
    activity_check,
    activity_create,
    activity_delete,
    activity_sign_in,
    activity_sign_in_open,
    activity_update,
)
from .plans import (
    ConstitutionRequired,
    PlanCourseIn,
    plan_courses_check,
    study_plan_delete,
    study_plan_save,
)
from .progress import (
    HEARTBEAT_CAP_SECONDS,
    HeartbeatResult,
    LessonNotFinished,
    course_check_completion,
    course_complete,
    lesson_complete,
    lesson_heartbeat,
)

__all__ = [
    "HEARTBEAT_CAP_SECONDS",
    "ActivityIn",
    "ConstitutionRequired",
    "HeartbeatResult",
    "LessonNotFinished",
    "PlanCourseIn",
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
    "lesson_complete",
    "lesson_heartbeat",
    "plan_courses_check",
    "study_plan_delete",
    "study_plan_save",
]
