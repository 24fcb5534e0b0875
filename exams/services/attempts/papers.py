"""Drawing and freezing papers: for one candidate at start, or for a whole session ahead of it.

A paper is drawn at random by the blueprint from the pools (``exams.pools``) and frozen in
its attempt: each item copies the question's text, options (shuffled unless the exam says
not to; true/false never), points, keys, explanation and law reference, so later edits of the
bank never change it. Drawing ``n`` papers costs the same statements as drawing one: one
``id IN`` fetch of the questions drawn, one insert of the attempts, one of all their items
(:func:`.sql.items_insert`) and one update of the attempts' item index.

:func:`session_papers_draw` draws ahead: before a session opens (the beat task
``exams.tasks.papers_draw_ahead``), every eligible person without an attempt in it gets a paper,
in batches, as an attempt with status ``drawn`` — not yet started, invisible to every query
through ``Attempt.objects`` — that also keeps its items as the start API sends them
(``Attempt.paper_json``). A start then only claims it: one ``UPDATE … RETURNING`` that checks
the session, eligibility and attempts and returns the paper (``start.py``).
Idempotent and safe to run concurrently: a batch locks the session row, and only people with
no attempt in the session are drawn for. Whoever has none when they start (added to the
roster after the draw, a retake, a practice) gets a fresh paper on demand, the same way.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from ...eligibility import eligible_candidates
from ...errors import BankInsufficient, PracticeWithheld
from ...live import is_live
from ...models import (
    Attempt,
    AttemptStatus,
    Exam,
    ExamKind,
    ExamSession,
    Question,
    QuestionKind,
    key_mask,
)
from ...pools import PoolKey, RuleSpec, draw_question_ids, pools_without, refresh_pools, rule_pools
from ...selectors import paper_json
from ..exams import exam_rule_specs
from .common import PaperItem, drawn_papers_delete
from .sql import items_insert

DRAW_BATCH = 200
# Batches of one session retried after a start took one of their people's attempt number first.
DRAW_CONFLICTS_RETRIED = 3
# Sessions opening within this much time (or open now) get their papers drawn by the beat task.
DRAW_AHEAD = timedelta(hours=6)

logger = logging.getLogger(__name__)
QUESTION_FIELDS = ("id", "kind", "stem", "options", "answer", "explanation", "law_reference", "category")

Paper = list[tuple[RuleSpec, dict[str, Any]]]


@dataclass(frozen=True)
class FrozenPaper:
    attempt: Attempt
    items: list[PaperItem]


def draw_papers(
    specs: list[RuleSpec], rng: random.Random, count: int, withheld: frozenset[PoolKey] = frozenset()
) -> list[Paper]:
    """Draw ``count`` papers, leaving out the questions of the ``withheld`` pools (``exams.live``);
    rebuild the pools once if the cached ones turn out to be stale."""
    keys = [spec.pool_key for spec in specs]
    withheld = frozenset(key for key in withheld if key[0] in {spec.kind for spec in specs})
    for try_number in range(2):
        wanted_keys = [*keys, *withheld]
        pools = rule_pools(wanted_keys) if try_number == 0 else refresh_pools(wanted_keys)
        pools = pools_without(pools, keys=keys, withheld=withheld)
        try:
            picks = [draw_question_ids(specs, pools, rng) for _paper in range(count)]
        except BankInsufficient:
            if not withheld:
                raise
            raise PracticeWithheld(
                _("您还有未参加完的正式考试，其可能出现的题目暂不用于练习，本练习卷的可用题目不足。")
            ) from None
        wanted = {question_id for paper in picks for ids in paper for question_id in ids}
        rows: dict[int, dict[str, Any]] = {
            row["id"]: row
            for row in _questions_key_shared(
                Question.objects.filter(pk__in=wanted, is_active=True).values(*QUESTION_FIELDS)
            )
            if not is_live(withheld, kind=row["kind"], category=row["category"])
        }
        papers = [_paper(specs, paper, rows) for paper in picks]
        if all(paper is not None for paper in papers):
            return [paper for paper in papers if paper is not None]
    raise BankInsufficient(_("题库正在更新，暂时无法组卷，请稍后再试。"))


def _questions_key_shared(query: Any) -> list[dict[str, Any]]:
    """The drawn questions' rows, read ``FOR KEY SHARE`` on PostgreSQL (the lock the items' foreign
    keys take anyway, taken at the read): a key correction (``question_correct_answer``, which locks
    the question ``FOR UPDATE``) then waits for this draw to commit and regrades its papers, and a
    draw after the correction reads the corrected key. Elsewhere writers are serialised."""
    if connection.vendor != "postgresql":
        return [dict(row) for row in query]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} FOR KEY SHARE", params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    for row in rows:
        for name in ("options", "answer"):
            if isinstance(row[name], str):
                row[name] = json.loads(row[name])
    return rows


def _paper(specs: list[RuleSpec], picks: list[list[int]], rows: dict[int, dict[str, Any]]) -> Paper | None:
    """The drawn questions in blueprint order, or None if one is gone or no longer fits its rule."""
    paper: Paper = []
    for spec, ids in zip(specs, picks, strict=True):
        for question_id in ids:
            row = rows.get(question_id)
            if (
                row is None
                or row["kind"] != spec.kind
                or (spec.category and row["category"] != spec.category)
            ):
                return None
            paper.append((spec, row))
    return paper


def freeze_papers(
    *, exam: Exam, attempts: list[Attempt], papers: list[Paper], rng: random.Random
) -> list[FrozenPaper]:
    """Write each paper's items into its (already inserted) attempt and set the attempt's item index."""
    items: list[dict[str, Any]] = []
    for attempt, paper in zip(attempts, papers, strict=True):
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
                    "key_mask": key_mask([option["key"] for option in options]),
                }
            )
    ids = items_insert(items)
    frozen: dict[int, list[PaperItem]] = {attempt.pk: [] for attempt in attempts}
    for item in items:
        frozen[item["attempt_id"]].append(
            PaperItem(
                id=ids[(item["attempt_id"], item["position"])],
                position=item["position"],
                kind=item["kind"],
                stem=item["stem"],
                options=item["options"],
                points=item["points"],
                answer=[],
            )
        )
    drawn_ahead = False
    for attempt in attempts:
        attempt.item_index = {
            str(paper_item.id): [paper_item.kind, [option["key"] for option in paper_item.options]]
            for paper_item in frozen[attempt.pk]
        }
        if attempt.status == AttemptStatus.DRAWN:
            # What the start that claims it sends: no answer is saved before then.
            attempt.paper_json = paper_json(frozen[attempt.pk])
            drawn_ahead = True
    fields = ["item_index", "paper_json"] if drawn_ahead else ["item_index"]
    if len(attempts) == 1:
        Attempt.with_drawn.filter(pk=attempts[0].pk).update(
            **{name: getattr(attempts[0], name) for name in fields}
        )
    else:
        Attempt.with_drawn.bulk_update(attempts, fields, batch_size=DRAW_BATCH)
    return [FrozenPaper(attempt=attempt, items=frozen[attempt.pk]) for attempt in attempts]


def paper_max_score(paper: Paper) -> int:
    return sum(spec.points for spec, _row in paper)


def sessions_papers_draw_ahead(*, now: datetime) -> int:
    """Draw the papers of every exam session opening within ``DRAW_AHEAD`` or open now; how many."""
    sessions = (
        ExamSession.objects.filter(opens_at__lte=now + DRAW_AHEAD, closes_at__gt=now)
        .exclude(exam__kind=ExamKind.PRACTICE)
        .order_by("opens_at", "pk")
        .values_list("pk", flat=True)
    )
    total = 0
    for session_id in list(sessions):
        try:
            total += session_papers_draw(session_id=session_id, now=now)
        except (BankInsufficient, IntegrityError):
            # One session's trouble (a bank that cannot fill it, starts racing the draw) leaves the
            # others drawn; its people get a paper on demand, and the next run tries it again.
            logger.warning("papers not drawn ahead for session %s", session_id, exc_info=True)
    return total


def drawn_papers_discard(*, now: datetime, batch_size: int = DRAW_BATCH) -> int:
    """Delete the papers drawn ahead that nobody claimed once their session has closed; how many.

    Nobody can claim them any more (a claim needs the session open), and each holds a whole frozen
    paper. Batches of ``batch_size``, each its own transaction; the rows are locked and re-checked
    as still drawn, so a claim that won the race at the close keeps its attempt.
    """
    total = 0
    while True:
        with transaction.atomic():
            batch = (
                Attempt.with_drawn.filter(status=AttemptStatus.DRAWN, session__closes_at__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            deleted = drawn_papers_delete(Attempt.with_drawn.filter(pk__in=list(batch)))
        total += deleted
        if deleted < batch_size:
            return total


def session_papers_draw(*, session_id: int, now: datetime, batch_size: int = DRAW_BATCH) -> int:
    """Draw and freeze a paper for every eligible person without an attempt in the session; how many.

    Nothing for a practice session (practice is drawn on demand) or a closed one. Each batch is
    its own transaction, so a long roster never holds a lock for long.
    """
    total = 0
    conflicts = 0
    while True:
        try:
            drawn = _draw_batch(session_id=session_id, now=now, batch_size=batch_size)
        except IntegrityError:
            # Someone in the batch started at that moment and took attempt number 1: the batch
            # rolled back; read the roster again, which now leaves them out.
            conflicts += 1
            if conflicts > DRAW_CONFLICTS_RETRIED:
                raise
            continue
        total += drawn
        if drawn < batch_size:
            return total


@transaction.atomic
def _draw_batch(*, session_id: int, now: datetime, batch_size: int) -> int:
    session = (
        ExamSession.objects.select_for_update(of=("self",))
        .select_related("exam")
        .filter(pk=session_id)
        .first()
    )
    if session is None or session.exam.kind == ExamKind.PRACTICE or now >= session.closes_at:
        return 0
    exam = session.exam
    candidate_ids = list(
        eligible_candidates(session)
        .exclude(pk__in=Attempt.with_drawn.filter(session_id=session_id).values("candidate_id"))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    if not candidate_ids:
        return 0
    rng = random.Random()
    papers = draw_papers(exam_rule_specs(exam), rng, len(candidate_ids))
    attempts = Attempt.with_drawn.bulk_create(
        [
            Attempt(
                session_id=session_id,
                candidate_id=candidate_id,
                number=1,
                status=AttemptStatus.DRAWN,
                # Placeholders until the candidate starts: the claim sets both.
                started_at=now,
                deadline=session.closes_at,
                max_score=paper_max_score(paper),
            )
            for candidate_id, paper in zip(candidate_ids, papers, strict=True)
        ]
    )
    freeze_papers(exam=exam, attempts=attempts, papers=papers, rng=rng)
    return len(attempts)


def attempt_deadline(*, session: ExamSession, exam: Exam, now: datetime) -> datetime:
    """The deadline of an attempt started now: the exam's duration, cut at the session's close."""
    return min(now + timedelta(minutes=exam.duration_minutes), session.closes_at)
