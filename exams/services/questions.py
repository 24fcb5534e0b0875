"""Writes to the question bank: create, edit, import, and correcting a key with a regrade."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from people.models import User

from ..grading import grade_item, is_passed
from ..law_areas import law_area_names
from ..models import (
    JUDGE_FALSE,
    JUDGE_TRUE,
    OPTION_KEYS,
    AnswerCorrection,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Question,
    QuestionImport,
    QuestionKind,
)
from ..pools import bank_changed
from .attempts import attempts_graded

JUDGE_OPTIONS = [{"key": JUDGE_TRUE, "text": "正确"}, {"key": JUDGE_FALSE, "text": "错误"}]
CHUNK = 900
QUESTION_FIELDS = [
    "kind",
    "stem",
    "options",
    "answer",
    "explanation",
    "law_reference",
    "category",
    "difficulty",
]


@dataclass
class QuestionIn:
    """A question as given by the API, a spreadsheet row or the demo file, before checking."""

    kind: str
    stem: str
    options: list[dict[str, str]] = field(default_factory=list)
    answer: list[str] = field(default_factory=list)
    explanation: str = ""
    law_reference: str = ""
    category: str = ""
    difficulty: int = 3

    @classmethod
    def from_question(cls, question: Question) -> QuestionIn:
        return cls(**{name: getattr(question, name) for name in QUESTION_FIELDS})


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    import_id: int | None = None
    # ``{"row", "field", "message"}`` for what is allowed but probably wrong (see ``question_warnings``).
    warnings: list[dict[str, Any]] = field(default_factory=list)


# An explanation that points at options by their place ("前四项", "以上选项", "选项 B") is wrong as soon as
# the options are shuffled, and each candidate sees them in an order of their own. "前款" and "第四项"
# (an article's paragraph and item) are law references, not options, and do not match.
OPTION_POSITION_PATTERN = re.compile(
    r"(?<!最)(?:前|后)[一二三四五六七八九两几]+(?:项|个选项|种)"
    r"|(?:上述|以上|其余|其他)(?:各项|选项|几项|各选项)"
    r"|选项\s*[A-Fa-f](?![A-Za-z])"
    r"|第[一二三四五六]个选项"
)


def question_warnings(data: QuestionIn) -> list[tuple[str, str]]:
    """What a question may keep but should not: ``(field, message)`` pairs, empty when all is well.

    Today one rule: the explanation must name options by their content, not by their place.
    """
    found = OPTION_POSITION_PATTERN.findall(data.explanation or "")
    if not found:
        return []
    return [
        (
            "explanation",
            _("解析按位置指代选项（“%(words)s”）：考生看到的选项顺序各不相同，请改为写出选项内容。")
            % {"words": "”“".join(dict.fromkeys(found))},
        )
    ]


def question_fingerprint(*, kind: str, stem: str) -> str:
    """The natural key of a question: its kind and its stem with whitespace normalised."""
    return hashlib.sha256(f"{kind}\n{' '.join(stem.split())}".encode()).hexdigest()


def question_problems(
    data: QuestionIn, *, law_areas: Collection[str] | None = None
) -> tuple[QuestionIn, list[tuple[str, str]]]:
    """Normalise ``data`` and list what is wrong with it as ``(field, message)`` pairs.

    Normalising trims text, upper-cases keys, sorts the answer, and gives a true/false
    question the options T (正确) and F (错误) when it has none.
    """
    problems: list[tuple[str, str]] = []
    kind = (data.kind or "").strip()
    stem = (data.stem or "").strip()
    if kind not in QuestionKind.values:
        problems.append(("kind", _("题型应为单选、多选或判断，而不是“%(v)s”。") % {"v": data.kind}))
    if not stem:
        problems.append(("stem", _("题干不能为空。")))
    options: list[dict[str, str]] = []
    raw_options = data.options or []
    if not isinstance(raw_options, list):
        raw_options = []
        problems.append(("options", _("选项格式不正确。")))
    for option in raw_options:
        if not isinstance(option, dict):
            problems.append(("options", _("选项格式不正确。")))
            break
        options.append(
            {"key": str(option.get("key", "")).strip().upper(), "text": str(option.get("text", "")).strip()}
        )
    keys = [option["key"] for option in options]
    if kind == QuestionKind.JUDGE:
        if not options:
            options = [dict(option) for option in JUDGE_OPTIONS]
            keys = [JUDGE_TRUE, JUDGE_FALSE]
        elif sorted(keys) != [JUDGE_FALSE, JUDGE_TRUE]:
            problems.append(("options", _("判断题的选项只能是 T（正确）和 F（错误）。")))
    elif kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if len(options) < 2:
            problems.append(("options", _("选择题至少要有两个选项。")))
        bad = [key for key in keys if len(key) != 1 or key not in OPTION_KEYS]
        if bad:
            problems.append(("options", _("选项的键只能是 A–H，而不是“%(k)s”。") % {"k": "、".join(bad)}))
        elif len(set(keys)) != len(keys):
            problems.append(("options", _("选项的键不能重复。")))
    if any(not option["text"] for option in options):
        problems.append(("options", _("选项内容不能为空。")))
    raw_answer = data.answer if isinstance(data.answer, list) else []
    answer = sorted({str(key).strip().upper() for key in raw_answer if str(key).strip()})
    unknown = [key for key in answer if key not in keys]
    if not answer:
        problems.append(("answer", _("答案不能为空。")))
    elif unknown:
        problems.append(("answer", _("答案中的“%(k)s”不是该题的选项。") % {"k": "、".join(unknown)}))
    elif kind == QuestionKind.SINGLE and len(answer) != 1:
        problems.append(("answer", _("单选题必须恰好有一个正确答案。")))
    elif kind == QuestionKind.JUDGE and len(answer) != 1:
        problems.append(("answer", _("判断题必须恰好有一个正确答案。")))
    elif kind == QuestionKind.MULTIPLE and len(answer) < 2:
        problems.append(("answer", _("多选题至少要有两个正确答案。")))
    category = (data.category or "").strip()
    names = law_area_names() if law_areas is None else law_areas
    if category not in names:
        problems.append(("category", _("分类应为以下之一：%(c)s。") % {"c": "、".join(names)}))
    try:
        difficulty = int(data.difficulty)
    except (TypeError, ValueError):
        difficulty = 0
    if not 1 <= difficulty <= 5:
        problems.append(("difficulty", _("难度应为 1 到 5 的整数。")))
    law_reference = (data.law_reference or "").strip()
    if len(law_reference) > 255:
        problems.append(("law_reference", _("法条依据不能超过 255 个字。")))
    cleaned = QuestionIn(
        kind=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=(data.explanation or "").strip(),
        law_reference=law_reference,
        category=category,
        difficulty=difficulty,
    )
    return cleaned, problems


def question_clean(data: QuestionIn) -> QuestionIn:
    """The normalised question, or ``ValidationFailed`` naming the first field at fault."""
    cleaned, problems = question_problems(data)
    if problems:
        field_name, message = problems[0]
        raise ValidationFailed(message, field=field_name)
    return cleaned


def _refuse_duplicate(fingerprint: str, *, exclude: int | None = None) -> None:
    clash = (
        Question.objects.filter(fingerprint=fingerprint)
        .exclude(pk__in=[exclude] if exclude else [])
        .values_list("pk", flat=True)
        .first()
    )
    if clash is not None:
        raise ValidationFailed(_("题库中已有题干相同的同类题（编号 %(id)s）。") % {"id": clash}, field="stem")


@transaction.atomic
def question_create(*, data: QuestionIn, is_active: bool = True) -> Question:
    cleaned = question_clean(data)
    fingerprint = question_fingerprint(kind=cleaned.kind, stem=cleaned.stem)
    _refuse_duplicate(fingerprint)
    question = Question.objects.create(**asdict(cleaned), fingerprint=fingerprint, is_active=is_active)
    bank_changed()
    return question


@transaction.atomic
def question_update(*, question: Question, changes: dict[str, Any]) -> Question:
    """Edit a question of the bank. Papers already drawn keep their frozen copy.

    ``changes`` may hold any of the editable fields and ``is_active``. Changing the
    answer here changes future papers only; :func:`question_correct_answer` also
    regrades the attempts that already contain the question.
    """
    is_active = changes.pop("is_active", None)
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise ValidationFailed(
            _("不能修改字段：%(f)s。") % {"f": "、".join(sorted(unknown))}, field=sorted(unknown)[0]
        )
    merged = replace(QuestionIn.from_question(question), **changes)
    if "options" not in changes and "kind" in changes and changes["kind"] != question.kind:
        merged.options = [] if changes["kind"] == QuestionKind.JUDGE else merged.options
    cleaned = question_clean(merged)
    fingerprint = question_fingerprint(kind=cleaned.kind, stem=cleaned.stem)
    _refuse_duplicate(fingerprint, exclude=question.pk)
    for name, value in asdict(cleaned).items():
        setattr(question, name, value)
    question.fingerprint = fingerprint
    if is_active is not None:
        question.is_active = bool(is_active)
    question.save()
    bank_changed()
    return question


@transaction.atomic
def question_set_active(*, question_ids: list[int], is_active: bool) -> int:
    """Put questions in or out of the bank that papers are drawn from; returns how many changed."""
    changed = (
        Question.objects.filter(pk__in=question_ids)
        .exclude(is_active=is_active)
        .update(is_active=is_active, updated_at=timezone.now())
    )
    if changed:
        bank_changed()
    return changed


@transaction.atomic
def questions_import(
    *,
    rows: list[tuple[int, QuestionIn]],
    filename: str,
    actor: User | None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
    keep: Collection[str] = (),
) -> ImportResult:
    """Upsert questions by kind and stem, all or nothing; the same rows again change nothing
    (and leave no import record: ``import_id`` is None).

    ``rows`` pairs each question with the row number to report. On any bad row,
    ``ValidationFailed`` lists every fault as ``{"row", "field", "message"}`` (the
    field named through ``headers``, e.g. ``{"answer": "答案"}``) and nothing is written.
    ``errors`` carries faults the caller found reading the file, reported with the rest.
    ``keep`` names fields the rows do not carry (a file without that column): a question
    already in the bank keeps its value of them.
    """
    headers = headers or {}
    errors = list(errors or [])
    cleaned_rows: list[tuple[int, QuestionIn, str]] = []
    seen: dict[str, int] = {}
    law_areas = law_area_names()
    for number, data in rows:
        cleaned, problems = question_problems(data, law_areas=law_areas)
        for field_name, message in problems:
            errors.append({"row": number, "field": headers.get(field_name, field_name), "message": message})
        if problems:
            continue
        fingerprint = question_fingerprint(kind=cleaned.kind, stem=cleaned.stem)
        if fingerprint in seen:
            errors.append(
                {
                    "row": number,
                    "field": headers.get("stem", "stem"),
                    "message": _("与第 %(row)s 行的题目重复。") % {"row": seen[fingerprint]},
                }
            )
            continue
        seen[fingerprint] = number
        cleaned_rows.append((number, cleaned, fingerprint))
    if errors:
        errors.sort(key=lambda error: error["row"])
        raise ValidationFailed(
            _("题库文件有 %(count)s 处错误，未导入任何题目。") % {"count": len(errors)},
            field="file",
            errors=errors,
        )
    if not cleaned_rows:
        raise ValidationFailed(_("文件中没有试题。"), field="file")

    existing: dict[str, Question] = {}
    fingerprints = [fingerprint for _n, _c, fingerprint in cleaned_rows]
    for start in range(0, len(fingerprints), CHUNK):
        for question in Question.objects.filter(fingerprint__in=fingerprints[start : start + CHUNK]):
            existing[question.fingerprint] = question
    now = timezone.now()
    result = ImportResult(
        warnings=[
            {"row": number, "field": headers.get(field_name, field_name), "message": message}
            for number, cleaned, _fingerprint in cleaned_rows
            for field_name, message in question_warnings(cleaned)
        ]
    )
    to_create: list[Question] = []
    to_update: list[Question] = []
    changes: list[dict[str, Any]] = []
    for number, cleaned, fingerprint in cleaned_rows:
        values = asdict(cleaned)
        current = existing.get(fingerprint)
        if current is not None:
            values.update({name: getattr(current, name) for name in keep})
        if current is None:
            to_create.append(Question(**values, fingerprint=fingerprint, created_at=now, updated_at=now))
            changes.append({"row": number, "question": None, "before": None, "after": values})
            continue
        before = {name: getattr(current, name) for name in QUESTION_FIELDS}
        if before == values:
            result.unchanged += 1
            continue
        for name, value in values.items():
            setattr(current, name, value)
        current.updated_at = now
        to_update.append(current)
        changes.append(
            {
                "row": number,
                "question": current.pk,
                "before": {k: v for k, v in before.items() if v != values[k]},
                "after": {k: v for k, v in values.items() if v != before[k]},
            }
        )
    Question.objects.bulk_create(to_create, batch_size=500)
    Question.objects.bulk_update(to_update, [*QUESTION_FIELDS, "updated_at"], batch_size=500)
    result.created = len(to_create)
    result.updated = len(to_update)
    if not changes:
        return result
    record = QuestionImport.objects.create(
        actor=actor,
        filename=filename,
        created_count=result.created,
        updated_count=result.updated,
        unchanged_count=result.unchanged,
        changes=changes,
    )
    result.import_id = record.pk
    bank_changed()
    return result


@transaction.atomic
def question_correct_answer(
    *, question: Question, answer: list[str], reason: str, actor: User | None, now: datetime | None = None
) -> AnswerCorrection:
    """Correct a question's key in the bank and in every paper that contains it, and regrade.

    Submitted attempts containing the question get their item and total score
    recomputed (and ``passed`` with it); attempts in progress will be graded with
    the corrected key. Records who, when, why and every score that changed, in an
    ``AnswerCorrection`` and in the audit log of each attempt whose score changed.

    The question row is locked ``FOR UPDATE`` first. A start reads the questions it draws ``FOR KEY
    SHARE`` (``services.attempts``), so on PostgreSQL the correction waits for every start that has
    read the old key to commit, and then finds its paper; a start that comes later waits for the
    correction and freezes the new key. No paper keeps the old key unregraded.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因。"), field="reason")
    locked = Question.objects.select_for_update().filter(pk=question.pk).first()
    if locked is None:
        raise ValidationFailed(_("没有这道试题。"), field="question")
    question = locked
    cleaned = question_clean(replace(QuestionIn.from_question(question), answer=answer))
    old_answer = list(question.answer)
    if cleaned.answer == sorted(old_answer):
        raise ValidationFailed(_("新答案与原答案相同。"), field="answer")

    attempt_ids = sorted(
        set(AttemptItem.objects.filter(question=question).values_list("attempt_id", flat=True))
    )
    attempts = {
        attempt.pk: attempt
        # Papers drawn ahead and not yet started get the corrected key too.
        for attempt in Attempt.with_drawn.select_for_update(of=("self",))
        .select_related("session__exam", "candidate")
        .filter(pk__in=attempt_ids)
        .order_by("pk")
    }
    items = list(
        AttemptItem.objects.filter(attempt_id__in=attempt_ids)
        .select_related("answer")
        .order_by("attempt_id", "position")
    )
    for item in items:
        if item.question_id == question.pk:
            missing = [key for key in cleaned.answer if key not in {option["key"] for option in item.options}]
            if missing:
                raise ValidationFailed(
                    _("答卷 %(a)s 中该题没有选项“%(k)s”，无法更正。")
                    % {"a": item.attempt_id, "k": "、".join(missing)},
                    field="answer",
                )
    question.answer = cleaned.answer
    question.save(update_fields=["answer", "updated_at"])
    bank_changed()

    by_attempt: dict[int, list[AttemptItem]] = defaultdict(list)
    for item in items:
        by_attempt[item.attempt_id].append(item)
    changed_items: list[AttemptItem] = []
    changed_attempts: list[Attempt] = []
    score_changes: list[dict[str, Any]] = []
    for attempt_id, attempt_items in by_attempt.items():
        attempt = attempts[attempt_id]
        exam = attempt.session.exam
        total = Decimal(0)
        for item in attempt_items:
            if item.question_id == question.pk:
                item.correct = list(cleaned.answer)
                changed_items.append(item)
            if attempt.status == AttemptStatus.SUBMITTED:
                chosen = item.answer.keys if hasattr(item, "answer") else None
                earned = grade_item(
                    kind=item.kind,
                    correct=item.correct,
                    chosen=chosen,
                    points=item.points,
                    partial_credit=exam.partial_credit,
                )
                if item.question_id == question.pk:
                    item.earned = earned
                total += earned
        if attempt.status != AttemptStatus.SUBMITTED:
            continue
        passed = is_passed(score=total, pass_score=exam.pass_score)
        if total != attempt.score or passed != attempt.passed:
            score_changes.append(
                {
                    "attempt": attempt.pk,
                    "candidate": attempt.candidate_id,
                    "before": str(attempt.score),
                    "after": str(total),
                    "passed_before": attempt.passed,
                    "passed_after": passed,
                }
            )
            old_score, old_passed = attempt.score, attempt.passed
            attempt.score, attempt.passed = total, passed
            changed_attempts.append(attempt)
            LogEntry.objects.log_create(
                attempt,
                action=LogEntry.Action.UPDATE,
                changes={"score": [str(old_score), str(total)], "passed": [str(old_passed), str(passed)]},
                actor=actor,
                additional_data={"reason": reason, "question": question.pk},
            )
    AttemptItem.objects.bulk_update(changed_items, ["correct", "earned"], batch_size=500)
    Attempt.objects.bulk_update(changed_attempts, ["score", "passed"], batch_size=500)
    if changed_attempts:
        regraded = [attempt.pk for attempt in changed_attempts]
        transaction.on_commit(lambda: attempts_graded.send(sender=Attempt, attempt_ids=regraded))
    return AnswerCorrection.objects.create(
        question=question,
        actor=actor,
        created_at=now,
        reason=reason,
        old_answer=old_answer,
        new_answer=cleaned.answer,
        items_changed=len(changed_items),
        attempts_regraded=sum(
            1 for attempt in attempts.values() if attempt.status == AttemptStatus.SUBMITTED
        ),
        score_changes=score_changes,
    )


def question_bank_version_bump() -> None:
    """For writes that bypass these services (fixtures, data migrations)."""
    bank_changed()


__all__ = [
    "JUDGE_OPTIONS",
    "QUESTION_FIELDS",
    "ImportResult",
    "QuestionIn",
    "question_bank_version_bump",
    "question_clean",
    "question_correct_answer",
    "question_create",
    "question_fingerprint",
    "question_problems",
    "question_set_active",
    "question_update",
    "questions_import",
]


@dataclass(frozen=True)
class CorrectionPreview:
    """What ``question_correct_answer`` would do: papers holding the question, submitted attempts
    regraded, and each score (or verdict) that would change."""

    items_changed: int
    attempts_regraded: int
    score_changes: list[dict[str, Any]]


class _DryRun(Exception):
    pass


def question_correct_answer_preview(
    *, question: Question, answer: list[str], now: datetime | None = None
) -> CorrectionPreview:
    """Run the correction in a transaction that is rolled back, so the preview is the real rule's
    result; refuses exactly as ``question_correct_answer`` does (``ValidationFailed`` on ``answer``)
    and changes nothing."""
    try:
        with transaction.atomic():
            correction = question_correct_answer(
                question=question, answer=answer, reason="preview", actor=None, now=now
            )
            preview = CorrectionPreview(
                items_changed=correction.items_changed,
                attempts_regraded=correction.attempts_regraded,
                score_changes=list(correction.score_changes),
            )
            raise _DryRun
    except _DryRun:
        pass
    finally:
        question.refresh_from_db()
    return preview
