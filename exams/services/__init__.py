"""Every write of the exam engine. Import from here: ``from exams import services``.

Questions (``services/questions.py``)
    question_create(*, data: QuestionIn, is_active=True) -> Question
    question_update(*, question, changes: dict) -> Question
    question_set_active(*, question_ids: list[int], is_active: bool) -> int
    questions_import(*, rows: list[tuple[int, QuestionIn]], filename, actor, headers=None) -> ImportResult
    question_correct_answer(*, question, answer: list[str], reason, actor, now=None) -> AnswerCorrection
    question_correct_answer_preview(*, question, answer, now=None) -> CorrectionPreview   (rolled back)

Law areas (``services/law_areas.py``)
    law_area_name_clean(name) -> str       (ValidationFailed on field "name": blank, too long, exists)
    law_area_create(*, name) -> LawArea

Exams and sessions (``services/exams.py``)
    exam_create(*, title, kind, duration_minutes, pass_score, rules: list[RuleIn], max_attempts=1,
                review_policy="after_close", shuffle_options=True, partial_credit=False,
                listed_in_practice=True, validity_years=3, actor=None) -> Exam
    exam_update(*, exam, rules: list[RuleIn] | None = None, **changes) -> Exam
    exam_check(values: dict, rules: list[RuleIn]) -> int   (max score; ValidationFailed naming the field)
    exam_check_grading_change(*, exam, values: dict) -> None  (GradingLocked once attempts are submitted)
    exam_check_locked_change(*, exam, values: dict, rules=None) -> None
                                   (ExamLocked: kind, review policy, attempts, duration, rules once any attempt exists)
    exam_bank_shortfalls(exam) -> list[str]
    session_schedule(*, exam, title, opens_at, closes_at, departments=(), enforcement_officers_only=False,
                     actor=None) -> ExamSession
    session_update(*, session, departments=None, **changes) -> ExamSession
    practice_session_for(*, exam, candidate, now) -> ExamSession   (open, eligible; created if none open)
    practice_session_open(*, exam, now) -> ExamSession

Running a session (``services/sessions.py``)
    session_close(*, session, now) -> ExamSession       (SessionNotOpen before it opens, SessionClosed after)
    session_extend(*, session, closes_at, now) -> ExamSession   (ValidationFailed on "closes_at")

Attempts (``services/attempts/``: start, save, submit, extra_time; raw SQL in ``sql.py``)
    attempt_start(*, session_id, candidate, now, rng=None) -> StartResult(attempt, created, items, items_json)
    practice_start(*, candidate, exam_id: int | None, now, rng=None, include_unlisted=False) -> StartResult
    attempt_answers_save(*, attempt_id, candidate, answers: Sequence[AnswerIn], now) -> SaveResult(saved, saved_at)
    attempt_submit(*, attempt_id, candidate, now) -> SubmitResult(attempt_id, status, score, max_score, passed)
    attempt_submit_if_overdue(*, attempt_id, now) -> bool
    attempts_submit_overdue(*, now, candidate=None) -> int
    attempt_extra_time_grant(*, attempt_id, minutes, reason, actor, now) -> AttemptExtraTime
    session_papers_draw(*, session_id, now, batch_size=200) -> int   (papers drawn ahead; idempotent)
    sessions_papers_draw_ahead(*, now) -> int   (every session opening within DRAW_AHEAD or open)
    drawn_papers_discard(*, now) -> int   (papers drawn ahead nobody claimed, once their session closed)

``attempts_graded`` (a Django signal, ``attempt_ids=[...]``) is sent after the transaction that
submitted or regraded attempts commits.

Every function raises a ``common.errors.DomainError`` subclass (see ``exams/errors.py``)
with a stable ``code`` on refusal, and on refusal changes nothing.
"""

from .attempts import (
    AnswerIn,
    AttemptNotFound,
    PaperItem,
    SaveResult,
    StartResult,
    SubmitResult,
    attempt_answers_save,
    attempt_extra_time_grant,
    attempt_start,
    attempt_submit,
    attempt_submit_if_overdue,
    attempts_graded,
    attempts_submit_overdue,
    drawn_papers_discard,
    is_overdue,
    paper_items,
    practice_start,
    session_papers_draw,
    sessions_papers_draw_ahead,
    submit_result,
)
from .exams import (
    EXAM_FIELDS,
    RuleIn,
    exam_bank_shortfalls,
    exam_check,
    exam_check_grading_change,
    exam_check_locked_change,
    exam_create,
    exam_rule_specs,
    exam_update,
    practice_session_for,
    practice_session_open,
    session_schedule,
    session_update,
)
from .law_areas import law_area_create, law_area_name_clean
from .questions import (
    JUDGE_OPTIONS,
    QUESTION_FIELDS,
    ImportResult,
    QuestionIn,
    question_clean,
    question_correct_answer,
    question_correct_answer_preview,
    question_create,
    question_fingerprint,
    question_problems,
    question_set_active,
    question_update,
    question_warnings,
    questions_import,
)
from .sessions import session_close, session_extend

__all__ = [
    "EXAM_FIELDS",
    "JUDGE_OPTIONS",
    "QUESTION_FIELDS",
    "AnswerIn",
    "AttemptNotFound",
    "ImportResult",
    "PaperItem",
    "QuestionIn",
    "RuleIn",
    "SaveResult",
    "StartResult",
    "SubmitResult",
    "attempt_answers_save",
    "attempt_extra_time_grant",
    "attempt_start",
    "attempt_submit",
    "attempt_submit_if_overdue",
    "attempts_graded",
    "attempts_submit_overdue",
    "drawn_papers_discard",
    "exam_bank_shortfalls",
    "exam_check",
    "exam_check_grading_change",
    "exam_check_locked_change",
    "exam_create",
    "exam_rule_specs",
    "exam_update",
    "is_overdue",
    "law_area_create",
    "law_area_name_clean",
    "paper_items",
    "practice_session_for",
    "practice_session_open",
    "practice_start",
    "question_clean",
    "question_correct_answer",
    "question_correct_answer_preview",
    "question_create",
    "question_fingerprint",
    "question_problems",
    "question_set_active",
    "question_update",
    "question_warnings",
    "questions_import",
    "session_close",
    "session_extend",
    "session_papers_draw",
    "session_schedule",
    "session_update",
    "sessions_papers_draw_ahead",
    "submit_result",
]
