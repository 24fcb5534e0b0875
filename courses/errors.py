"""The courses app's domain errors; each has a stable ``code`` and an HTTP status (see common.errors)."""

from common.errors import Conflict, ValidationFailed


class LessonNotFinished(Conflict):
    """A lesson marked done before its minimum time or before it was read to the end."""

    code = "lesson_not_finished"


class QuizNotOpen(Conflict):
    """No quiz, or lessons still to read before it."""

    code = "quiz_not_open"


class CourseIncomplete(Conflict):
    """Lessons (or the required quiz) still to do."""

    code = "course_incomplete"


class ConstitutionRequired(ValidationFailed):
    """An annual study plan without a Constitution course."""

    code = "constitution_required"


class SignInClosed(Conflict):
    code = "sign_in_closed"


class EntryAlreadyReversed(Conflict):
    code = "entry_already_reversed"


class CorrectionNotReversible(Conflict):
    code = "correction_not_reversible"


__all__ = [
    "ConstitutionRequired",
    "CorrectionNotReversible",
    "CourseIncomplete",
    "EntryAlreadyReversed",
    "LessonNotFinished",
    "QuizNotOpen",
    "SignInClosed",
]
