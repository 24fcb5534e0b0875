"""The attempt engine's raw SQL, each statement written once and named here.

- :func:`items_insert` — a paper's items in one statement (PostgreSQL: one JSON document
  through ``jsonb_to_recordset``);
- :func:`answers_upsert` — a whole save: checks and a multi-row ``INSERT … ON CONFLICT``;
- :func:`attempt_save_state` — the attempt row as a refused save explains itself;
- :func:`drawn_paper_claim` — a start's claim of a paper drawn ahead, checks included, with
  ``UPDATE … FROM … RETURNING``.

Django's ORM cannot say these (a guarded ``INSERT … SELECT`` with ``FOR KEY SHARE``, an
``UPDATE … RETURNING``), or says them slowly (client-side quoting of a 100-row insert); everything else is the ORM's.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils.dateparse import parse_datetime

from common.params import is_row_id

from ...models import (
    SAVE_GRACE,
    Attempt,
    AttemptAnswer,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamSession,
    QuestionKind,
)

# Every concrete column of AttemptItem but the id, with the type ``jsonb_to_recordset``
# reads it as (a test holds this list to the model).
ITEM_COLUMNS = [
    ("attempt_id", "bigint"),
    ("position", "integer"),
    ("question_id", "bigint"),
    ("kind", "text"),
    ("stem", "text"),
    ("options", "jsonb"),
    ("points", "integer"),
    ("correct", "jsonb"),
    ("explanation", "text"),
    ("law_reference", "text"),
    ("category", "text"),
    ("earned", "numeric"),  # null until graded: no item carries it at start
    ("key_mask", "integer"),
]


def items_insert(items: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """Insert papers' items (column values by name) in one statement; ids by (attempt id, position).

    On PostgreSQL the rows travel as one JSON document through ``jsonb_to_recordset``:
    Django's bulk insert quotes every value of a 100-item paper in Python (client-side
    binding), which made up a third of a start; elsewhere ``bulk_create`` does it.
    """
    if connection.vendor != "postgresql":
        created = AttemptItem.objects.bulk_create([AttemptItem(**item) for item in items])
        return {(item.attempt_id, item.position): item.pk for item in created}
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name, _type in ITEM_COLUMNS)
    record = ", ".join(f"{quote(name)} {kind}" for name, kind in ITEM_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AttemptItem._meta.db_table)} ({names}) SELECT {names} "
            f"FROM jsonb_to_recordset(%s::jsonb) AS x({record}) RETURNING id, attempt_id, position",
            [json.dumps(items, ensure_ascii=False)],
        )
        return {(attempt_id, position): item_id for item_id, attempt_id, position in cursor.fetchall()}


def _aware(moment: Any) -> datetime:
    """A datetime column as read by a raw cursor: SQLite gives naive UTC text."""
    if isinstance(moment, str):
        moment = parse_datetime(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def attempt_save_state(*, attempt_id: int, candidate_id: int) -> tuple[str, datetime, dict[str, Any]] | None:
    """The candidate's attempt as a refused save explains itself: status, deadline, item index."""
    if not is_row_id(attempt_id):
        return None
    table = connection.ops.quote_name(Attempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, deadline, item_index FROM {table} WHERE id = %s AND candidate_id = %s",
            [attempt_id, candidate_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    status, deadline, index = row
    if isinstance(index, str):
        index = json.loads(index)
    return status, _aware(deadline), index


# A save's answer as the upsert takes it: item id, keys as JSON, the keys' bits, how many keys.
AnswerRow = tuple[int, str, int, int]
IN_PROGRESS = AttemptStatus.IN_PROGRESS.value
MULTIPLE = QuestionKind.MULTIPLE.value


# The upsert's SQL is kept for saves of up to this many answers (a page saves a few at a time).
UPSERT_SIZES_KEPT = 128


@functools.lru_cache(maxsize=2 * UPSERT_SIZES_KEPT)
def _answers_upsert_sql(vendor: str, count: int) -> str:
    """:func:`answers_upsert`'s SQL for ``count`` answers, written once per size (``vendor`` is
    the connection's: the SQL differs on PostgreSQL)."""
    quote = connection.ops.quote_name
    postgres = vendor == "postgresql"
    attempts = quote(Attempt._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * count)
    return (
        f"WITH v (item_id, keys, mask, n) AS (VALUES {values}), "
        "ok AS (SELECT v.item_id, v.keys FROM v "
        f"JOIN {quote(AttemptItem._meta.db_table)} i ON i.id = v.item_id "
        f"JOIN {attempts} a ON a.id = i.attempt_id "
        "WHERE a.id = %s AND a.candidate_id = %s AND a.status = %s AND a.deadline >= %s "
        "AND (v.mask & i.key_mask) = v.mask AND (v.n <= 1 OR i.kind = %s)"
        f"{' FOR KEY SHARE OF a' if postgres else ''}) "
        f"INSERT INTO {quote(AttemptAnswer._meta.db_table)} (attempt_id, item_id, {quote('keys')}, saved_at) "
        f"SELECT %s, ok.item_id, {'CAST(ok.keys AS jsonb)' if postgres else 'ok.keys'}, %s FROM ok "
        "WHERE (SELECT count(*) FROM ok) = %s "
        "ORDER BY ok.item_id "
        f"ON CONFLICT (item_id) DO UPDATE SET {quote('keys')} = excluded.{quote('keys')}, "
        f"saved_at = excluded.saved_at RETURNING (SELECT deadline FROM {attempts} WHERE id = %s)"
    )


def answers_upsert(
    *, attempt_id: int, candidate_id: int, rows: list[AnswerRow], now: datetime
) -> tuple[int, datetime | None]:
    """Write every answer or none; returns how many rows were written and the attempt's deadline.

    One statement. It writes only when the attempt is the candidate's, in progress and within
    its deadline plus grace, and *every* answer is valid: its item is in this attempt, its
    keys are among the item's options (``key_mask``), and a single-choice or true/false item
    gets at most one key. Otherwise it writes nothing and returns ``(0, None)``; the caller
    reads the attempt to say why. On PostgreSQL the attempt row is read ``FOR KEY SHARE``,
    so the write waits for a submit holding the row and then re-checks it.

    The rows go in (and their answer rows are locked) in item order, whatever order the
    client sent them in: two saves of the same items in opposite orders, each locking
    one row the other wants next, would deadlock on PostgreSQL. ``rows`` must not name an
    item twice.
    """
    if not is_row_id(attempt_id):
        return (0, None)
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of ``connection`` looks it up again
    if len(rows) <= UPSERT_SIZES_KEPT:
        sql = _answers_upsert_sql(db.vendor, len(rows))
    else:
        sql = _answers_upsert_sql.__wrapped__(db.vendor, len(rows))
    params: list[Any] = [value for row in rows for value in row]
    params += [
        attempt_id,
        candidate_id,
        IN_PROGRESS,
        db.ops.adapt_datetimefield_value(now - SAVE_GRACE),
        MULTIPLE,
        attempt_id,
        db.ops.adapt_datetimefield_value(now),
        len(rows),
        attempt_id,
    ]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        # Rows written, inserted or updated (rowcount is not reliable for a WITH statement on SQLite).
        written = cursor.fetchall()
    return (len(written), _aware(written[0][0])) if written else (0, None)


@dataclass(frozen=True)
class ClaimedPaper:
    """The row of a paper drawn ahead that a start has just claimed."""

    attempt_id: int
    number: int
    deadline: datetime
    max_score: int
    paper_json: str  # "" for a paper drawn before papers kept their JSON
    session_title: str
    exam_id: int
    exam_title: str


def drawn_paper_claim(
    *,
    session_id: int,
    candidate_id: int,
    now: datetime,
    claimable_sql: str,
    claimable_params: list[Any],
) -> ClaimedPaper | None:
    """Start the candidate's paper drawn ahead in this session, in one statement; None if none was claimed.

    ``claimable_sql`` is the session as a query of one column, ``claim_deadline`` (the deadline of
    an attempt started ``now``), holding a row only when the start may claim now (the session
    open, the candidate eligible…). The claim also needs the candidate to have no other attempt
    of the session (started or submitted). A second start at the same moment waits for this
    one's row lock and then finds nothing left to claim.
    """
    if not is_row_id(session_id):
        return None
    quote = connection.ops.quote_name
    attempts = quote(Attempt._meta.db_table)
    sessions = quote(ExamSession._meta.db_table)
    exams = quote(Exam._meta.db_table)
    sql = (
        f"UPDATE {attempts} SET status = %s, started_at = %s, deadline = claimable.claim_deadline "
        f"FROM ({claimable_sql}) AS claimable "
        f"WHERE {attempts}.session_id = %s AND {attempts}.candidate_id = %s AND {attempts}.status = %s "
        f"AND NOT EXISTS (SELECT 1 FROM {attempts} other WHERE other.session_id = %s "
        "AND other.candidate_id = %s AND other.status <> %s) "
        f"RETURNING {attempts}.id, {attempts}.number, {attempts}.deadline, {attempts}.max_score, "
        f"{attempts}.paper_json, (SELECT title FROM {sessions} WHERE id = %s), "
        f"(SELECT exam_id FROM {sessions} WHERE id = %s), "
        f"(SELECT e.title FROM {exams} e JOIN {sessions} s ON s.exam_id = e.id WHERE s.id = %s)"
    )
    drawn = AttemptStatus.DRAWN.value
    params = [
        AttemptStatus.IN_PROGRESS.value,
        connection.ops.adapt_datetimefield_value(now),
        *claimable_params,
        session_id,
        candidate_id,
        drawn,
        session_id,
        candidate_id,
        drawn,
        session_id,
        session_id,
        session_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    attempt_id, number, deadline, max_score, paper, session_title, exam_id, exam_title = row
    return ClaimedPaper(
        attempt_id=attempt_id,
        number=number,
        deadline=_aware(deadline),
        max_score=max_score,
        paper_json=paper,
        session_title=session_title,
        exam_id=exam_id,
        exam_title=exam_title,
    )
