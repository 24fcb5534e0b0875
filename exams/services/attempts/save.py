"""Saving answers: all or nothing, in one guarded upsert after one read of the attempt.

One read of the attempt row (:func:`.sql.attempt_save_state`: status, deadline and the
``item_index`` to validate against), then one multi-row ``INSERT … ON CONFLICT (item) DO
UPDATE`` (:func:`.sql.answers_upsert`) guarded, in the same statement, by the attempt being
open; no explicit transaction. On PostgreSQL the guard reads the attempt row ``FOR KEY
SHARE``, so it waits for a submit's lock (:func:`.common.attempt_locked`) and then sees the
attempt submitted: an acknowledged save is always among the graded answers, and no save lands
after submit. A save writes, and so locks, its answer rows in item order, so two saves of
the same items (two tabs, a resent batch) wait for each other instead of deadlocking.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from people.models import User

from ...errors import AttemptClosed, InvalidAnswer
from ...models import SAVE_GRACE, AttemptStatus, QuestionKind
from .common import AnswerIn, AttemptNotFound, SaveResult
from .sql import answers_upsert, attempt_save_state
from .submit import attempt_submit_if_overdue


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
    row = attempt_save_state(attempt_id=attempt_id, candidate_id=candidate.pk)
    if row is None:
        raise AttemptNotFound(_("没有这份答卷。"))
    status, deadline, index = row
    if status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed(_("答卷已提交，不能再修改。"))
    if now > deadline + SAVE_GRACE:
        return _closed_on_save(attempt_id=attempt_id, now=now)
    rows = _checked_answers(answers, index)
    if rows and answers_upsert(attempt_id=attempt_id, rows=rows, now=now) == 0:
        # Submitted, or given less time, between the read and the write: nothing was saved.
        return _closed_on_save(attempt_id=attempt_id, now=now)
    return SaveResult(saved=len(rows), saved_at=now)


def _closed_on_save(*, attempt_id: int, now: datetime) -> SaveResult:
    if attempt_submit_if_overdue(attempt_id=attempt_id, now=now):
        raise AttemptClosed(_("答题时间已到，答卷已自动提交。"))
    raise AttemptClosed(_("答卷已提交，不能再修改。"))


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
