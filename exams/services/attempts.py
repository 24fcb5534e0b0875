"""Attempts: start or resume, save answers, submit, auto-submit when overdue, extra time.

The hot paths are written for a fixed number of SQL statements, whatever the
size of the paper or of the bank (tests assert the counts):

- :func:`attempt_answers_save` — one read of the attempt row (which carries the
  compact ``item_index`` needed to validate), one multi-row
  ``INSERT … ON CONFLICT (item) DO UPDATE`` guarded in the same statement by the
  attempt being open; no explicit transaction;
- :func:`attempt_submit` — lock the attempt row, one read of items and answers,
  one update of the attempt, one bulk update of the items' points earned;
- :func:`attempt_start` — a handful of reads, pools from the cache
  (see ``exams.pools``), one ``id IN`` fetch of the drawn questions, one insert of
  the attempt, one multi-row insert of its items, one update of its index.

Submits lock the attempt row ``FOR UPDATE``; a save's guarded write reads it ``FOR
KEY SHARE`` on PostgreSQL, so it waits for a submit in progress and then sees the
attempt submitted (on SQLite a statement is atomic and writers are serialised).
So an acknowledged save is always among the graded answers, and no save lands
after submit. A save writes, and so locks, its answer rows in item order (sorted
before the statement, ``ORDER BY`` in it), so two saves of the same items — two tabs,
a resent batch — wait for each other instead of deadlocking.

The deadline is the server's: ``min(started_at + duration, session.closes_at)``
plus any extra time. Saves are accepted until ``deadline + SAVE_GRACE``; after
that the attempt is submitted with what was saved — by the beat task
``exams.tasks.attempts_submit_overdue`` every minute, and by any access to it.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F
from django.dispatch import Signal
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from common.errors import DomainError, ValidationFailed
from people.models import User

from ..eligibility import session_eligible_q, user_department_path
from ..errors import (
    AttemptClosed,
    BankInsufficient,
    InvalidAnswer,
    NoAttemptsLeft,
    NoPracticeExam,
    NotEligible,
    SessionClosed,
    SessionNotOpen,
)
from ..grading import grade_item, is_passed
from ..models import (
    SAVE_GRACE,
    Attempt,
    AttemptAnswer,
    AttemptExtraTime,
    AttemptItem,
    AttemptStatus,
    Exam,
    ExamKind,
    ExamSession,
    Question,
    QuestionKind,
)
from ..pools import RuleSpec, draw_question_ids, refresh_pools, rule_pools
from .exams import exam_rule_specs, practice_session_for

# Sent after the transaction that graded attempts commits (a submit, an auto-submit, a
# regrade that changed a score), with ``attempt_ids``: how apps above ``exams`` (credentials)
# learn of new results without exams importing them.
attempts_graded = Signal()

MAX_EXTRA_MINUTES = 600
OVERDUE_BATCH = 500


class AttemptNotFound(DomainError):
    code = "not_found"
    status_code = 404


@dataclass(frozen=True)
class AnswerIn:
    item: int
    keys: list[str]


@dataclass(frozen=True)
class SaveResult:
    saved: int
    saved_at: datetime


@dataclass(frozen=True)
class PaperItem:
    """An item as the candidate sees it: never the correct keys or the explanation."""

    id: int
    position: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    points: int
    answer: list[str]


@dataclass(frozen=True)
class StartResult:
    attempt: Attempt
    created: bool
    items: list[PaperItem]


@dataclass(frozen=True)
class SubmitResult:
    attempt_id: int
    status: str
    score: Decimal
    max_score: int
    passed: bool


def is_overdue(*, deadline: datetime, status: str, now: datetime) -> bool:
    return status == AttemptStatus.IN_PROGRESS and now > deadline + SAVE_GRACE


def item_rows(attempt: Attempt, *fields: str) -> list[dict[str, Any]]:
    """The attempt's items in paper order, one query: each a dict of what the candidate sees
    (id, position, kind, stem, options, points), the saved ``keys`` ([] when none), and ``fields``."""
    rows = list(
        AttemptItem.objects.filter(attempt=attempt)
        .order_by("position")
        .values("id", "position", "kind", "stem", "options", "points", *fields, keys=F("answer__keys"))
    )
    for row in rows:
        row["keys"] = row["keys"] or []
    return rows


def paper_items(attempt: Attempt) -> list[PaperItem]:
    """The attempt's paper with the saved answers; one query."""
    items = []
    for row in item_rows(attempt):
        keys = row.pop("keys")
        items.append(PaperItem(**row, answer=keys))
    return items


def attempt_start(
    *, session_id: int, candidate: User, now: datetime, rng: random.Random | None = None
) -> StartResult:
    """Start an attempt of a session, or resume the candidate's attempt in progress.

    Raises ``NotEligible`` (403), ``AttemptNotFound`` (404, no such session),
    ``SessionNotOpen``/``SessionClosed``/``NoAttemptsLeft``/``BankInsufficient`` (409).
    An overdue attempt in progress is submitted first; then a new attempt starts if
    the session and the attempts allowed permit it. Two concurrent starts by the
    same candidate yield one attempt.
    """
    for _retry in range(3):
        try:
            return _attempt_start(session_id=session_id, candidate=candidate, now=now, rng=rng)
        except _OverdueFound as overdue:
            attempt_submit_if_overdue(attempt_id=overdue.attempt_id, now=now)
        except IntegrityError:
            continue
    return _attempt_start(session_id=session_id, candidate=candidate, now=now, rng=rng)


class _OverdueFound(Exception):
    def __init__(self, attempt_id: int) -> None:
        super().__init__(attempt_id)
        self.attempt_id = attempt_id


@transaction.atomic
def _attempt_start(
    *, session_id: int, candidate: User, now: datetime, rng: random.Random | None
) -> StartResult:
    if not candidate.is_active:
        raise NotEligible(_("您的账号已停用，不能参加考试。"))
    eligible = session_eligible_q(candidate, department_path=user_department_path(candidate))
    session = (
        ExamSession.objects.select_related("exam")
        .annotate(candidate_eligible=ExpressionWrapper(eligible, output_field=BooleanField()))
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise AttemptNotFound(_("没有这个考试场次。"))
    if not session.candidate_eligible:  # type: ignore[attr-defined]
        raise NotEligible(_("您不在本场考试的参考范围内。"))
    exam = session.exam
    attempts = list(
        Attempt.objects.filter(session=session, candidate=candidate).defer("item_index").order_by("number")
    )
    current = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
    if current is not None:
        if not is_overdue(deadline=current.deadline, status=current.status, now=now):
            current.session = session
            return StartResult(attempt=current, created=False, items=paper_items(current))
        raise _OverdueFound(current.pk)
    if now < session.opens_at:
        raise SessionNotOpen(_("本场考试尚未开始，开始时间：%(t)s。") % {"t": _local(session.opens_at)})
    if now >= session.closes_at:
        raise SessionClosed(_("本场考试已结束。"))
    if exam.kind != ExamKind.PRACTICE and len(attempts) >= exam.max_attempts:
        raise NoAttemptsLeft(_("您已用完本场考试的 %(n)s 次作答机会。") % {"n": exam.max_attempts})
    return _attempt_create(
        session=session,
        exam=exam,
        candidate=candidate,
        number=(attempts[-1].number if attempts else 0) + 1,
        now=now,
        rng=rng or random.Random(),
    )


def _local(moment: datetime) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _draw(specs: list[RuleSpec], rng: random.Random) -> list[tuple[RuleSpec, dict[str, Any]]]:
    """Draw the paper; rebuild the pools once if the cached ones turn out to be stale."""
    keys = [spec.pool_key for spec in specs]
    for attempt_number in range(2):
        pools = rule_pools(keys) if attempt_number == 0 else refresh_pools(keys)
        picks = draw_question_ids(specs, pools, rng)
        wanted = [question_id for ids in picks for question_id in ids]
        rows: dict[int, dict[str, Any]] = {
            row["id"]: dict(row)
            for row in Question.objects.filter(pk__in=wanted, is_active=True).values(
                "id", "kind", "stem", "options", "answer", "explanation", "law_reference", "category"
            )
        }
        paper: list[tuple[RuleSpec, dict[str, Any]]] = []
        for spec, ids in zip(specs, picks, strict=True):
            for question_id in ids:
                row = rows.get(question_id)
                if (
                    row is None
                    or row["kind"] != spec.kind
                    or (spec.category and row["category"] != spec.category)
                ):
                    break
                paper.append((spec, row))
        if len(paper) == len(wanted):
            return paper
    raise BankInsufficient(_("题库正在更新，暂时无法组卷，请稍后再试。"))


def _attempt_create(
    *, session: ExamSession, exam: Exam, candidate: User, number: int, now: datetime, rng: random.Random
) -> StartResult:
    paper = _draw(exam_rule_specs(exam), rng)
    deadline = min(now + timedelta(minutes=exam.duration_minutes), session.closes_at)
    attempt = Attempt(
        session=session,
        candidate=candidate,
        number=number,
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=deadline,
        max_score=sum(spec.points for spec, _row in paper),
    )
    # A concurrent start by the same candidate makes this insert fail on the unique
    # constraints; attempt_start then retries in a fresh transaction (or savepoint) and resumes.
    attempt.save(force_insert=True)
    items: list[dict[str, Any]] = []
    for position, (spec, row) in enumerate(paper, start=1):
        options = [dict(option) for option in row["options"]]
        if exam.shuffle_options and row["kind"] != QuestionKind.JUDGE:
            rng.shuffle(options)
        items.append(
            {
                "attempt_id": attempt.pk,
                "position": position,
                "question_id": row["id"],
                "kind": row["kind"],
                "stem": row["stem"],
                "options": options,
                "points": spec.points,
                "correct": list(row["answer"]),
                "explanation": row["explanation"],
                "law_reference": row["law_reference"],
                "category": row["category"],
            }
        )
    ids = _insert_items(items)
    attempt.item_index = {
        str(ids[item["position"]]): [item["kind"], [option["key"] for option in item["options"]]]
        for item in items
    }
    Attempt.objects.filter(pk=attempt.pk).update(item_index=attempt.item_index)
    return StartResult(
        attempt=attempt,
        created=True,
        items=[
            PaperItem(
                id=ids[item["position"]],
                position=item["position"],
                kind=item["kind"],
                stem=item["stem"],
                options=item["options"],
                points=item["points"],
                answer=[],
            )
            for item in items
        ],
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
]


def _insert_items(items: list[dict[str, Any]]) -> dict[int, int]:
    """Insert a paper's items (column values by name) in one statement; their ids by position.

    On PostgreSQL the rows travel as one JSON document through ``jsonb_to_recordset``:
    Django's bulk insert quotes every value of a 100-item paper in Python (client-side
    binding), which made up a third of a start; elsewhere ``bulk_create`` does it.
    """
    if connection.vendor != "postgresql":
        created = AttemptItem.objects.bulk_create([AttemptItem(**item) for item in items])
        return {item.position: item.pk for item in created}
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name, _type in ITEM_COLUMNS)
    record = ", ".join(f"{quote(name)} {kind}" for name, kind in ITEM_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AttemptItem._meta.db_table)} ({names}) SELECT {names} "
            f"FROM jsonb_to_recordset(%s::jsonb) AS x({record}) RETURNING id, position",
            [json.dumps(items, ensure_ascii=False)],
        )
        return {position: item_id for item_id, position in cursor.fetchall()}


def practice_start(
    *,
    candidate: User,
    exam_id: int | None,
    now: datetime,
    rng: random.Random | None = None,
    include_unlisted: bool = False,
) -> StartResult:
    """Start or resume a practice attempt, as often as wanted.

    ``exam_id`` names a practice exam listed in practice (the newest one when omitted);
    an unlisted one (a course's quiz) starts only for a caller that offers it itself and
    says ``include_unlisted=True``. The attempt is made in the exam's open session the
    candidate is eligible for; a practice exam without any open session gets one open to
    everyone (see ``practice_session_for``).
    """
    exams = Exam.objects.filter(kind=ExamKind.PRACTICE)
    if not include_unlisted:
        exams = exams.filter(listed_in_practice=True)
    exam = exams.filter(pk=exam_id).first() if exam_id is not None else exams.order_by("-id").first()
    if exam is None:
        raise NoPracticeExam(_("没有可用的练习卷。"))
    session = practice_session_for(exam=exam, candidate=candidate, now=now)
    return attempt_start(session_id=session.pk, candidate=candidate, now=now, rng=rng)


def answers_from_payload(payload: Any) -> list[AnswerIn]:
    """Read ``{"answers": [{"item": id, "keys": [...]}]}``; ``ValidationFailed`` names the fault."""
    answers = payload.get("answers") if isinstance(payload, dict) else None
    if not isinstance(answers, list):
        raise ValidationFailed(
            _('请求体应为 {"answers": [{"item": 题目编号, "keys": [...]}]}。'), field="answers"
        )
    result: list[AnswerIn] = []
    for index, entry in enumerate(answers):
        item = entry.get("item") if isinstance(entry, dict) else None
        keys = entry.get("keys") if isinstance(entry, dict) else None
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValidationFailed(
                _("answers[%(i)s].item 应为题目编号（整数）。") % {"i": index}, field=f"answers[{index}].item"
            )
        if not isinstance(keys, list) or not all(isinstance(key, str) for key in keys):
            raise ValidationFailed(
                _("第 %(item)s 题：keys 应为选项键的列表。") % {"item": item}, field=f"answers[{index}].keys"
            )
        result.append(AnswerIn(item=item, keys=keys))
    return result


def attempt_answers_save(
    *, attempt_id: int, candidate: User, answers: Sequence[AnswerIn], now: datetime
) -> SaveResult:
    """Save a batch of answers all or nothing; the later acknowledged save of an item wins.

    Raises ``AttemptNotFound`` (not the candidate's), ``InvalidAnswer`` naming the
    item (not in this attempt, unknown key, more than one key on a single-choice or
    true/false item, an item twice in the batch) and ``AttemptClosed`` once
    submitted or past the deadline plus grace — in which case the attempt is
    submitted with what was saved before. An empty ``keys`` clears an answer.

    Two statements, no explicit transaction: one read of the attempt row (status,
    deadline and the ``item_index`` to validate against), then one multi-row
    ``INSERT … ON CONFLICT (item) DO UPDATE`` guarded, in the same statement, by the
    attempt still being in progress and within its deadline plus grace. On
    PostgreSQL the guard reads the attempt row ``FOR KEY SHARE``, which waits for a
    submit's ``FOR UPDATE`` and then re-checks the row, so a save either lands before
    the submit reads the answers (and is graded) or is refused; on SQLite one
    statement is atomic. A single statement is also all or nothing.
    """
    row = _attempt_for_save(attempt_id=attempt_id, candidate_id=candidate.pk)
    if row is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    status, deadline, index = row
    if status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("答卷已提交，不能再修改。"))
    if now > deadline + SAVE_GRACE:
        return _closed_on_save(attempt_id=attempt_id, now=now)
    rows = _checked_answers(answers, index)
    if rows and _upsert_answers(attempt_id=attempt_id, rows=rows, now=now) == 0:
        # Submitted, or given less time, between the read and the write: nothing was saved.
        return _closed_on_save(attempt_id=attempt_id, now=now)
    return SaveResult(saved=len(rows), saved_at=now)


def _closed_on_save(*, attempt_id: int, now: datetime) -> SaveResult:
    if attempt_submit_if_overdue(attempt_id=attempt_id, now=now):
        raise AttemptClosed(_("答题时间已到，答卷已自动提交。"))
    raise AttemptClosed(_("答卷已提交，不能再修改。"))


def _attempt_for_save(*, attempt_id: int, candidate_id: int) -> tuple[str, datetime, dict[str, Any]] | None:
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
    if isinstance(deadline, str):
        deadline = parse_datetime(deadline)
    if deadline.tzinfo is None:  # SQLite keeps datetimes as naive UTC
        deadline = deadline.replace(tzinfo=UTC)
    if isinstance(index, str):
        index = json.loads(index)
    return status, deadline, index


def _checked_answers(answers: Sequence[AnswerIn], index: dict[str, Any]) -> list[tuple[int, str]]:
    """``(item id, keys as JSON)`` for each answer, by item id; or ``InvalidAnswer`` naming the item."""
    rows: list[tuple[int, str]] = []
    seen: set[int] = set()
    for answer in answers:
        entry = index.get(str(answer.item))
        if entry is None:
            raise InvalidAnswer(_("第 %(item)s 题不在这份答卷中。") % {"item": answer.item}, field="answers")
        if answer.item in seen:
            raise InvalidAnswer(
                _("第 %(item)s 题在一次保存中出现了两次。") % {"item": answer.item}, field="answers"
            )
        seen.add(answer.item)
        kind, option_keys = entry
        keys = sorted({key.strip().upper() for key in answer.keys})
        unknown = [key for key in keys if key not in option_keys]
        if unknown:
            raise InvalidAnswer(
                _("第 %(item)s 题没有选项“%(k)s”。") % {"item": answer.item, "k": "、".join(unknown)},
                field="answers",
            )
        if kind != QuestionKind.MULTIPLE and len(keys) > 1:
            raise InvalidAnswer(
                _("第 %(item)s 题是单选或判断题，只能选一个答案。") % {"item": answer.item}, field="answers"
            )
        rows.append((answer.item, json.dumps(keys)))
    return sorted(rows)


def _upsert_answers(*, attempt_id: int, rows: list[tuple[int, str]], now: datetime) -> int:
    """Write the answers if the attempt is still open; returns how many rows were written (0: closed).

    The rows go in (and their answer rows are locked) in item order, whatever order the
    client sent them in: two saves of the same items in opposite orders, each locking
    one row the other wants next, would deadlock on PostgreSQL.
    """
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    values = ", ".join(["(%s, %s)"] * len(rows))
    params: list[Any] = [value for row in rows for value in row]
    stamp = connection.ops.adapt_datetimefield_value(now)
    open_since = connection.ops.adapt_datetimefield_value(now - SAVE_GRACE)
    sql = (
        f"WITH v (item_id, keys) AS (VALUES {values}) "
        f"INSERT INTO {quote(AttemptAnswer._meta.db_table)} (attempt_id, item_id, {quote('keys')}, saved_at) "
        f"SELECT %s, v.item_id, {'CAST(v.keys AS jsonb)' if postgres else 'v.keys'}, %s FROM v "
        f"WHERE EXISTS (SELECT 1 FROM {quote(Attempt._meta.db_table)} "
        f"WHERE id = %s AND status = %s AND deadline >= %s{' FOR KEY SHARE' if postgres else ''}) "
        "ORDER BY v.item_id "
        f"ON CONFLICT (item_id) DO UPDATE SET {quote('keys')} = excluded.{quote('keys')}, "
        "saved_at = excluded.saved_at RETURNING item_id"
    )
    params += [attempt_id, stamp, attempt_id, AttemptStatus.IN_PROGRESS.value, open_since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Rows written, inserted or updated (rowcount is not reliable for a WITH statement on SQLite).
        return len(cursor.fetchall())


@transaction.atomic
def attempt_submit(*, attempt_id: int, candidate: User, now: datetime) -> SubmitResult:
    """Submit and grade the candidate's attempt; submitting again returns the same result."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("session__exam")
        .defer("item_index")
        .filter(pk=attempt_id, candidate=candidate)
        .first()
    )
    if attempt is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    if attempt.status == AttemptStatus.IN_PROGRESS:
        _close_attempts(
            [attempt],
            exam_of={attempt.pk: attempt.session.exam},
            now=now,
            auto=is_overdue(deadline=attempt.deadline, status=attempt.status, now=now),
        )
    return submit_result(attempt)


def submit_result(attempt: Attempt) -> SubmitResult:
    assert attempt.score is not None and attempt.passed is not None
    return SubmitResult(
        attempt_id=attempt.pk,
        status=attempt.status,
        score=attempt.score,
        max_score=attempt.max_score,
        passed=attempt.passed,
    )


@transaction.atomic
def attempt_submit_if_overdue(*, attempt_id: int, now: datetime) -> bool:
    """Submit the attempt with its saved answers if it is past deadline plus grace; True if it did."""
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("session__exam")
        .defer("item_index")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None or not is_overdue(deadline=attempt.deadline, status=attempt.status, now=now):
        return False
    _close_attempts([attempt], exam_of={attempt.pk: attempt.session.exam}, now=now, auto=True)
    return True


def attempts_submit_overdue(*, now: datetime, candidate: User | None = None) -> int:
    """Submit every attempt past its deadline plus grace, with what was saved; returns how many.

    Set-based, in batches: each batch locks its attempts (skipping rows a save holds
    at this moment: they are taken on the next run or their next access), reads all
    their items and answers in one query and writes the results in bulk. Safe to
    run twice or concurrently. ``candidate`` limits it to one person's attempts.
    """
    total = 0
    while True:
        count = _submit_overdue_batch(now=now, candidate=candidate)
        total += count
        if count < OVERDUE_BATCH:
            return total


@transaction.atomic
def _submit_overdue_batch(*, now: datetime, candidate: User | None) -> int:
    query = Attempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now - SAVE_GRACE)
    if candidate is not None:
        query = query.filter(candidate=candidate)
    attempts = list(
        query.select_for_update(skip_locked=True, of=("self",))
        .select_related("session__exam")
        .defer("item_index")
        .order_by("pk")[:OVERDUE_BATCH]
    )
    if attempts:
        _close_attempts(attempts, exam_of={a.pk: a.session.exam for a in attempts}, now=now, auto=True)
    return len(attempts)


def _close_attempts(attempts: list[Attempt], *, exam_of: dict[int, Exam], now: datetime, auto: bool) -> None:
    """Grade locked, in-progress attempts and mark them submitted (three statements for one attempt).

    An attempt is submitted no earlier than the last save it grades: a save that read the
    clock after the submit did, but wrote before the submit took the lock, is graded, and
    ``submitted_at`` moves up to its ``saved_at``.
    """
    ids = [attempt.pk for attempt in attempts]
    rows = (
        AttemptItem.objects.filter(attempt_id__in=ids)
        .order_by()
        .values_list("id", "attempt_id", "kind", "points", "correct", "answer__keys", "answer__saved_at")
    )
    totals: dict[int, Decimal] = defaultdict(Decimal)
    submitted_at: dict[int, datetime] = defaultdict(lambda: now)
    graded: list[AttemptItem] = []
    for item_id, attempt_id, kind, points, correct, keys, saved_at in rows:
        if saved_at is not None and saved_at > submitted_at[attempt_id]:
            submitted_at[attempt_id] = saved_at
        earned = grade_item(
            kind=kind,
            correct=correct,
            chosen=keys,
            points=points,
            partial_credit=exam_of[attempt_id].partial_credit,
        )
        totals[attempt_id] += earned
        graded.append(AttemptItem(pk=item_id, earned=earned))
    for attempt in attempts:
        attempt.score = totals[attempt.pk]
        attempt.passed = is_passed(score=attempt.score, pass_score=exam_of[attempt.pk].pass_score)
        attempt.status = AttemptStatus.SUBMITTED
        attempt.submitted_at = submitted_at[attempt.pk]
        attempt.auto_submitted = auto
    if len(attempts) == 1:
        attempt = attempts[0]
        Attempt.objects.filter(pk=attempt.pk).update(
            score=attempt.score,
            passed=attempt.passed,
            status=attempt.status,
            submitted_at=attempt.submitted_at,
            auto_submitted=auto,
        )
    else:
        Attempt.objects.bulk_update(
            attempts, ["score", "passed", "status", "submitted_at", "auto_submitted"], batch_size=500
        )
    if graded:
        AttemptItem.objects.bulk_update(graded, ["earned"], batch_size=1000)
    transaction.on_commit(lambda: attempts_graded.send(sender=Attempt, attempt_ids=ids))


def attempt_extra_time_grant(
    *, attempt_id: int, minutes: int, reason: str, actor: User | None, now: datetime
) -> AttemptExtraTime:
    """Give one candidate's attempt in progress more time; records who, when, how long and why.

    The deadline moves by ``minutes`` (1–600), even past the session's close.
    Refused with ``AttemptClosed`` once the attempt is submitted or past its
    deadline plus grace (it is then submitted first, as any access does).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写延时原因。"), field="reason")
    if not 1 <= minutes <= MAX_EXTRA_MINUTES:
        raise ValidationFailed(
            _("延长时间应在 1 到 %(max)s 分钟之间。") % {"max": MAX_EXTRA_MINUTES}, field="minutes"
        )
    if attempt_submit_if_overdue(attempt_id=attempt_id, now=now):
        raise AttemptClosed(_("答题时间已过，答卷已自动提交，不能再延长时间。"))
    return _extra_time_grant(attempt_id=attempt_id, minutes=minutes, reason=reason, actor=actor, now=now)


@transaction.atomic
def _extra_time_grant(
    *, attempt_id: int, minutes: int, reason: str, actor: User | None, now: datetime
) -> AttemptExtraTime:
    attempt = Attempt.objects.select_for_update().defer("item_index").filter(pk=attempt_id).first()
    if attempt is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    if attempt.status != AttemptStatus.IN_PROGRESS or is_overdue(
        deadline=attempt.deadline, status=attempt.status, now=now
    ):
        raise AttemptClosed(_("答卷已提交，不能延长时间。"))
    before = attempt.deadline
    attempt.deadline = before + timedelta(minutes=minutes)
    attempt.extra_minutes += minutes
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=attempt.deadline, extra_minutes=attempt.extra_minutes
    )
    LogEntry.objects.log_create(
        attempt,
        action=LogEntry.Action.UPDATE,
        changes={
            "deadline": [before.isoformat(), attempt.deadline.isoformat()],
            "extra_minutes": [str(attempt.extra_minutes - minutes), str(attempt.extra_minutes)],
        },
        actor=actor,
        additional_data={"reason": reason, "minutes": minutes},
    )
    return AttemptExtraTime.objects.create(
        attempt=attempt,
        minutes=minutes,
        reason=reason,
        actor=actor,
        created_at=now,
        deadline_before=before,
        deadline_after=attempt.deadline,
    )
