"""Attempts: start or resume, save answers, submit, auto-submit when overdue, extra time.

One module per path through an attempt's life:

- ``papers.py`` — drawing and freezing papers, at start or ahead of a session
  (:func:`session_papers_draw`, :func:`sessions_papers_draw_ahead`), and discarding those nobody
  claimed once their session has closed (:func:`drawn_papers_discard`);
- ``start.py`` — :func:`attempt_start` (claims a paper drawn ahead, or draws one), :func:`practice_start`;
- ``save.py`` — :func:`attempt_answers_save` (the API reads its payload, ``exams/api/payloads.py``);
- ``submit.py`` — :func:`attempt_submit`, :func:`attempt_submit_if_overdue`,
  :func:`attempts_submit_overdue`;
- ``extra_time.py`` — :func:`attempt_extra_time_grant`;
- ``common.py`` — results, the overdue rule, and :func:`attempt_locked`, the one query that
  locks an attempt (``AttemptNotFound`` is in ``exams.errors``, reading a paper in ``exams.selectors``);
- ``sql.py`` — the raw SQL, each statement written once and named.

The hot paths are written for a fixed number of SQL statements, whatever the size of the
paper or of the bank (tests assert the counts). Submits lock the attempt row ``FOR UPDATE``;
a save's guarded write reads it ``FOR KEY SHARE`` on PostgreSQL, so it waits for a submit in
progress and then sees the attempt submitted (on SQLite a statement is atomic and writers are
serialised). So an acknowledged save is always among the graded answers, and no save lands
after submit.

The deadline is the server's: ``min(started_at + duration, session.closes_at)`` plus any
extra time. Saves are accepted until ``deadline + SAVE_GRACE``; after that the attempt is
submitted with what was saved — by the beat task ``exams.tasks.attempts_submit_overdue``
every minute, and by any access to it.
"""

from ...errors import AttemptNotFound
from ...selectors import PaperItem, item_rows, paper_items
from .common import (
    AnswerIn,
    SaveResult,
    StartResult,
    SubmitResult,
    attempt_locked,
    attempts_graded,
    is_overdue,
)
from .extra_time import MAX_EXTRA_MINUTES, attempt_extra_time_grant
from .papers import DRAW_AHEAD, drawn_papers_discard, session_papers_draw, sessions_papers_draw_ahead
from .save import attempt_answers_save
from .sql import ITEM_COLUMNS
from .start import attempt_start, practice_start
from .submit import (
    OVERDUE_BATCH,
    attempt_submit,
    attempt_submit_if_overdue,
    attempts_submit_overdue,
    submit_result,
)

__all__ = [
    "DRAW_AHEAD",
    "ITEM_COLUMNS",
    "MAX_EXTRA_MINUTES",
    "OVERDUE_BATCH",
    "AnswerIn",
    "AttemptNotFound",
    "PaperItem",
    "SaveResult",
    "StartResult",
    "SubmitResult",
    "attempt_answers_save",
    "attempt_extra_time_grant",
    "attempt_locked",
    "attempt_start",
    "attempt_submit",
    "attempt_submit_if_overdue",
    "attempts_graded",
    "attempts_submit_overdue",
    "drawn_papers_discard",
    "is_overdue",
    "item_rows",
    "paper_items",
    "practice_start",
    "session_papers_draw",
    "sessions_papers_draw_ahead",
    "submit_result",
]
