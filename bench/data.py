"""Build the bench's own data on its own database, set-based."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.authtoken.models import Token

from exams import services
from exams.models import Exam, ExamSession, Question, QuestionKind
from exams.pools import bank_changed
from people.models import User
from people.services import department_create

CATEGORIES = ["宪法", "民法典", "政府信息公开条例", "行政处罚法", "行政许可法", "行政强制法"]
# 100 questions: 50 single × 1, 25 multiple × 2, 25 judge × 1 → 125 points
RULES = [
    services.RuleIn(kind="single", category="", count=50, points=1),
    services.RuleIn(kind="multiple", category="", count=25, points=2),
    services.RuleIn(kind="judge", category="", count=25, points=1),
]


def add_questions(count: int, *, start: int = 0) -> None:
    """Add ``count`` active questions spread over kinds and categories."""
    rows = []
    kinds = [QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.JUDGE]
    for number in range(start, start + count):
        kind = kinds[number % 3]
        stem = f"基准测试题 {number}：依照法律规定，下列说法正确的是哪一项？"
        if kind == QuestionKind.JUDGE:
            options = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
            answer = ["T" if number % 2 else "F"]
        else:
            options = [{"key": key, "text": f"选项{key}（{number}）"} for key in "ABCD"]
            answer = ["A", "C"] if kind == QuestionKind.MULTIPLE else ["ABCD"[number % 4]]
        rows.append(
            Question(
                kind=kind,
                stem=stem,
                options=options,
                answer=answer,
                explanation=f"解析 {number}",
                law_reference="《中华人民共和国行政处罚法》第九条",
                category=CATEGORIES[number % len(CATEGORIES)],
                difficulty=1 + number % 5,
                fingerprint=hashlib.sha256(f"{kind}\n{stem}".encode()).hexdigest(),
            )
        )
    Question.objects.bulk_create(rows, batch_size=2000)
    bank_changed()


def add_candidates(count: int) -> list[tuple[int, str]]:
    """``count`` active staff with API tokens; returns (user id, token key)."""
    department = department_create(name=f"基准单位{timezone.now():%H%M%S%f}")
    password = make_password("bench-password")
    prefix = f"b{timezone.now():%H%M%S%f}"
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}-{i}",
                name=f"考生{i}",
                employee_no=f"{prefix}-{i}",
                department=department,
                password=password,
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    tokens = Token.objects.bulk_create(
        [Token(user=user, key=Token.generate_key()) for user in users], batch_size=2000
    )
    return [(token.user_id, token.key) for token in tokens]


def open_session(*, title: str) -> ExamSession:
    exam = services.exam_create(
        title=title,
        kind="annual",
        duration_minutes=120,
        pass_score=75,
        rules=list(RULES),
        max_attempts=1,
        review_policy="after_submit",
        shuffle_options=True,
    )
    now = timezone.now()
    return services.session_schedule(
        exam=exam, title=title, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=6)
    )


def answer_payload(items: list[dict], rng: random.Random, size: int) -> dict:
    chosen = rng.sample(items, min(size, len(items)))
    answers = []
    for item in chosen:
        keys = [option["key"] for option in item["options"]]
        if item["kind"] == "multiple":
            answers.append({"item": item["id"], "keys": sorted(rng.sample(keys, 2))})
        else:
            answers.append({"item": item["id"], "keys": [rng.choice(keys)]})
    return {"answers": answers}


def exam_of(session: ExamSession) -> Exam:
    return session.exam
