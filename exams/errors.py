"""The exam engine's domain errors; each has a stable ``code`` and an HTTP status (see common.errors)."""

from common.errors import Conflict, NotFound, NotPermitted, ValidationFailed


class AttemptNotFound(NotFound):
    """No such attempt, or not the candidate's (404)."""


class NotEligible(NotPermitted):
    code = "not_eligible"


class SessionNotOpen(Conflict):
    code = "session_not_open"


class SessionClosed(Conflict):
    code = "session_closed"


class NoAttemptsLeft(Conflict):
    code = "no_attempts_left"


class AttemptClosed(Conflict):
    code = "attempt_closed"


class BankInsufficient(Conflict):
    """The active bank cannot fill a blueprint rule; the message names the rule."""

    code = "bank_insufficient"


class PracticeWithheld(Conflict):
    """Practice cannot be drawn: the questions it needs could appear in a formal session the
    candidate may still sit (``exams.live``)."""

    code = "practice_withheld"


class ReviewNever(NotPermitted):
    code = "review_never"


class ReviewNotYet(Conflict):
    code = "review_not_yet"


class InvalidAnswer(ValidationFailed):
    """An answer save names an item not in the attempt, an unknown key, or too many keys."""

    code = "invalid_answer"


class NoPracticeExam(Conflict):
    code = "no_practice_exam"


class GradingLocked(Conflict):
    """How an exam grades (pass score, partial credit) cannot change once attempts were graded by it."""

    code = "grading_locked"


class ExamLocked(Conflict):
    """What candidates are shown or how they are scored (kind, review policy, attempts allowed,
    duration, blueprint) cannot change once the exam has an attempt; a change means a new exam."""

    code = "exam_locked"


__all__ = [
    "AttemptClosed",
    "AttemptNotFound",
    "BankInsufficient",
    "ExamLocked",
    "GradingLocked",
    "InvalidAnswer",
    "NoAttemptsLeft",
    "NoPracticeExam",
    "NotEligible",
    "PracticeWithheld",
    "ReviewNever",
    "ReviewNotYet",
    "SessionClosed",
    "SessionNotOpen",
]
