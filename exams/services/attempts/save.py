"""Saving answers: all or nothing, in one statement when the save is accepted.

:func:`.sql.answers_upsert` checks and writes in one multi-row ``INSERT … ON CONFLICT (item)
DO UPDATE``: the attempt is the candidate's, in progress and within its deadline plus grace,
and every key is one of its item's options (the item's ``key_mask``); otherwise nothing is
written and the attempt is read to say why (:func:`.sql.attempt_save_state`). No explicit
transaction. On PostgreSQL the check reads the attempt row ``FOR KEY SHARE``, so it waits
for a submit's lock (:func:`.common.attempt_locked`) and then sees the attempt submitted: an
acknowledged save is always among the graded answers, and no save lands after submit. A save
writes, and so locks, its answer rows in item order, so two saves of the same items (two
tabs, a resent batch) wait for each other instead of deadlocking.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from people.models import User

from ...errors import AttemptClosed, AttemptNotFound, InvalidAnswer
from ...models import SAVE_GRACE, UNKNOWN_KEY_BIT, AttemptStatus, QuestionKind, key_mask
from .common import AnswerIn, SaveResult
from .sql import AnswerRow, answers_upsert, attempt_save_state
from .submit import attempt_submit_if_overdue


def attempt_answers_save(
    *, attempt_id: int, candidate: User, answers: Sequence[AnswerIn], now: datetime
) -> SaveResult:
    """Save a batch of answers all or nothing; the later acknowledged save of an item wins.

    Raises ``AttemptNotFound`` (not the candidate's), ``InvalidAnswer`` naming the
    item (not in this attempt, unknown key, more than one key on a single-choice or
    true/false item, an item twice in the batch) and ``AttemptClosed`` once
    submitted or past the deadline plus grace — in which case the attempt is
    submitted with what was saved before. An empty ``keys`` clears an answer.
    The result carries the attempt's deadline, so the page learns of extra time.

    One statement when the save is accepted, no explicit transaction:
    :func:`.sql.answers_upsert` checks ownership, the deadline and every key, and writes
    all the rows or none. Only when it wrote nothing (or the batch is empty or names an
    item twice) is the attempt read, to say why.
    """
    rows: list[AnswerRow] = []
    for answer in answers:
        keys = sorted({key.strip().upper() for key in answer.keys})
        mask = key_mask(keys)
        rows.append((answer.item, _keys_json(keys, mask), mask, len(keys)))
    if rows and len({row[0] for row in rows}) == len(rows):
        written, deadline = answers_upsert(
            attempt_id=attempt_id, candidate_id=candidate.pk, rows=rows, now=now
        )
        if written and deadline is not None:
            return SaveResult(saved=written, saved_at=now, deadline=deadline)
    return _refused_save(attempt_id=attempt_id, candidate=candidate, answers=answers, now=now)


def _keys_json(keys: list[str], mask: int) -> str:
    """``json.dumps(keys)``; for keys that are all option keys (single letters, the only ones a
    save can write) without the encoder, which costs more than the rest of reading an answer."""
    if mask >= UNKNOWN_KEY_BIT:
        return json.dumps(keys)
    return '["' + '", "'.join(keys) + '"]' if keys else "[]"


def _refused_save(
    *, attempt_id: int, candidate: User, answers: Sequence[AnswerIn], now: datetime
) -> SaveResult:
    """Why a save wrote nothing, read from the attempt: the error, or the empty save's result."""
    row = attempt_save_state(attempt_id=attempt_id, candidate_id=candidate.pk)
    if row is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    status, deadline, index = row
    if status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("答卷已提交，不能再修改。"))
    if now > deadline + SAVE_GRACE:
        return _closed_on_save(attempt_id=attempt_id, now=now)
    _check_answers(answers, index)
    if answers:
        # Valid and open when read, yet not written: submitted, or given less time, in between.
        return _closed_on_save(attempt_id=attempt_id, now=now)
    return SaveResult(saved=0, saved_at=now, deadline=deadline)


def _closed_on_save(*, attempt_id: int, now: datetime) -> SaveResult:
    if attempt_submit_if_overdue(attempt_id=attempt_id, now=now):
        raise AttemptClosed(_("答题时间已到，答卷已自动提交。"))
    raise AttemptClosed(_("答卷已提交，不能再修改。"))


def _check_answers(answers: Sequence[AnswerIn], index: dict[str, Any]) -> None:
    """``InvalidAnswer`` naming the first item at fault, in the order the answers came."""
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
