"""Demo exams: the bank from ``demo_questions.json`` (through the import service), an annual exam
for everyone and a qualification exam for enforcement officers, both with a session open from
today for a month, and a practice exam that is always available. Running it again changes nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .models import Exam, ExamKind, ExamSession, QuestionKind, ReviewPolicy
from .services import (
    QuestionIn,
    RuleIn,
    exam_bank_shortfalls,
    exam_create,
    practice_session_open,
    questions_import,
    session_schedule,
)

QUESTIONS_FILE = Path(__file__).resolve().parent / "demo_questions.json"


def _exams(year: int) -> list[dict[str, object]]:
    return [
        {
            "title": f"{year}年度国家工作人员学法考试",
            "kind": ExamKind.ANNUAL,
            "duration_minutes": 60,
            "pass_score": 60,
            "max_attempts": 2,
            "review_policy": ReviewPolicy.AFTER_CLOSE,
            # Each formal exam keeps to its own law areas, so practice and the Constitution course's
            # quiz (single and true/false 宪法) have questions no open session can draw (exams.live).
            "rules": [
                RuleIn(kind=QuestionKind.SINGLE, category="民法典", count=10, points=2),
                RuleIn(kind=QuestionKind.SINGLE, category="政府信息公开条例", count=10, points=2),
                RuleIn(kind=QuestionKind.MULTIPLE, category="宪法", count=4, points=4),
                RuleIn(kind=QuestionKind.MULTIPLE, category="民法典", count=4, points=4),
                RuleIn(kind=QuestionKind.MULTIPLE, category="政府信息公开条例", count=2, points=4),
                RuleIn(kind=QuestionKind.JUDGE, category="民法典", count=10, points=1),
                RuleIn(kind=QuestionKind.JUDGE, category="政府信息公开条例", count=7, points=1),
                RuleIn(kind=QuestionKind.JUDGE, category="行政复议法", count=3, points=1),
            ],
        },
        {
            "title": f"{year}年行政执法资格考试",
            "kind": ExamKind.QUALIFICATION,
            "duration_minutes": 90,
            "pass_score": 70,
            "max_attempts": 2,
            "review_policy": ReviewPolicy.AFTER_CLOSE,
            "partial_credit": True,
            "rules": [
                RuleIn(kind=QuestionKind.SINGLE, category="行政处罚法", count=9, points=2),
                RuleIn(kind=QuestionKind.SINGLE, category="行政许可法", count=8, points=2),
                RuleIn(kind=QuestionKind.SINGLE, category="行政强制法", count=8, points=2),
                RuleIn(kind=QuestionKind.MULTIPLE, category="行政处罚法", count=4, points=3),
                RuleIn(kind=QuestionKind.MULTIPLE, category="行政许可法", count=3, points=3),
                RuleIn(kind=QuestionKind.MULTIPLE, category="行政强制法", count=3, points=3),
                RuleIn(kind=QuestionKind.JUDGE, category="行政处罚法", count=7, points=1),
                RuleIn(kind=QuestionKind.JUDGE, category="行政许可法", count=7, points=1),
                RuleIn(kind=QuestionKind.JUDGE, category="行政强制法", count=6, points=1),
            ],
        },
        {
            "title": "法律知识练习",
            "kind": ExamKind.PRACTICE,
            "duration_minutes": 30,
            "pass_score": 60,
            "max_attempts": 1,
            "review_policy": ReviewPolicy.AFTER_SUBMIT,
            "partial_credit": True,
            "rules": [
                RuleIn(kind=QuestionKind.SINGLE, count=10, points=5),
                RuleIn(kind=QuestionKind.MULTIPLE, count=4, points=5),
                RuleIn(kind=QuestionKind.JUDGE, count=6, points=5),
            ],
        },
    ]


def load_questions() -> int:
    """Import the demo bank through the same service as a spreadsheet; returns how many changed."""
    if not QUESTIONS_FILE.exists():
        return 0
    entries = json.loads(QUESTIONS_FILE.read_text(encoding="utf-8"))
    rows = [
        (
            number,
            QuestionIn(
                kind=entry["kind"],
                stem=entry["stem"],
                options=entry.get("options") or [],
                answer=entry["answer"],
                explanation=entry.get("explanation", ""),
                law_reference=entry.get("law_reference", ""),
                category=entry["category"],
                difficulty=entry.get("difficulty", 3),
            ),
        )
        for number, entry in enumerate(entries, start=1)
    ]
    result = questions_import(rows=rows, filename=QUESTIONS_FILE.name, actor=None)
    return result.created + result.updated


@transaction.atomic
def seed(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    load_questions()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    for spec in _exams(today.year):
        exam = Exam.objects.filter(title=spec["title"], kind=spec["kind"]).first()
        if exam is None:
            exam = exam_create(**spec)  # type: ignore[arg-type]
        if exam_bank_shortfalls(exam):
            continue
        if exam.kind == ExamKind.PRACTICE:
            if not ExamSession.objects.filter(exam=exam).exists():
                practice_session_open(exam=exam, now=today)
            continue
        if not ExamSession.objects.filter(exam=exam).exists():
            session_schedule(
                exam=exam,
                title=exam.title,
                opens_at=today,
                closes_at=today + timedelta(days=31),
                enforcement_officers_only=exam.kind == ExamKind.QUALIFICATION,
            )
