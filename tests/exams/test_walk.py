"""The proof of exam integrity: a person sitting a formal session — a 补考 of an exam whose first
session they sat — walks every page and endpoint they can reach (every URL pattern of the project,
enumerated from the resolver, so a new one is walked too) and finds none of the keys, explanations or
law references of the questions that session could draw."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver

from courses.services import lesson_heartbeat
from exams import services
from exams.models import Attempt, AttemptItem, ExamKind, LawArea, Question, QuestionKind, ReviewPolicy
from tests.factories import (
    ConstitutionCourseFactory,
    ExamFactory,
    ExamSessionFactory,
    LessonFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
CIVIL_SINGLE = [RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE, count=2, points=5)]
PARAMETER = re.compile(r"<(?:[^:<>]+:)?(?P<name>[^<>]+)>|\(\?P<(?P<regex_name>[^>]+)>[^)]*\)")


def url_templates(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern of the project as a template with ``{name}`` for each parameter."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = str(entry.pattern).lstrip("^").rstrip("$").replace("\\Z", "").replace("\\", "")
        if isinstance(entry, URLResolver):
            yield from url_templates(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def fill(template: str, ids: list[int]) -> Iterator[str]:
    names = [m.group("name") or m.group("regex_name") for m in PARAMETER.finditer(template)]
    if "format" in names:  # DRF's format suffixes: the same views as without them
        return
    if not names:
        yield "/" + template
        return
    if len(names) > 1 or template.startswith("admin/"):
        ids = ids[:1]  # two-id routes and the admin (which the person may not enter) once each
    for value in ids:
        yield "/" + PARAMETER.sub(str(value), template)


def leaks(text: str, *, secrets: set[str], stems: set[str]) -> list[str]:
    found = [secret for secret in secrets if secret in text]
    try:
        body = json.loads(text)
    except ValueError:
        # A page: no block of it showing a live question's stem marks a correct option.
        for block in re.split(r"<article|<li class=\"card", text):
            if any(stem in block for stem in stems) and ("is-right" in block or "correct-keys" in block):
                found.append("a correct key marked beside a live stem")
        return found

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("stem") in stems and any(
                node.get(k) for k in ("correct", "correct_keys", "answer_key")
            ):
                found.append(f"a correct key beside the stem {node['stem']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(body)
    return found


def test_a_person_sitting_a_make_up_session_reaches_no_key_of_it_anywhere(client):
    with time_machine.travel(NOW, tick=False):
        # given a bank: 宪法 for the formal exam, 民法典 for practice and the course's quiz
        for kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.JUDGE):
            QuestionFactory.create_batch(3, kind=kind)
        QuestionFactory.create_batch(3, kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE)
        person = UserFactory()
        # a practice attempt of 宪法 questions submitted before any session was scheduled
        early_practice = ExamFactory(
            kind=ExamKind.PRACTICE,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
            rules=[RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION, count=2, points=5)],
        )
        early = services.practice_start(
            candidate=person, exam_id=early_practice.pk, now=NOW - timedelta(days=9)
        )
        services.attempt_submit(attempt_id=early.attempt.pk, candidate=person, now=NOW - timedelta(days=9))
        # the annual exam (after_close, one attempt a session): its first session sat and closed, and
        # its 补考 open now with the person's attempt in progress
        exam = ExamFactory(review_policy=ReviewPolicy.AFTER_CLOSE, max_attempts=1)
        first = ExamSessionFactory(
            exam=exam, opens_at=NOW - timedelta(days=3), closes_at=NOW - timedelta(days=2)
        )
        make_up = ExamSessionFactory(
            exam=exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
        )
        sat = services.attempt_start(session_id=first.pk, candidate=person, now=first.opens_at).attempt
        services.attempt_submit(
            attempt_id=sat.pk, candidate=person, now=first.opens_at + timedelta(minutes=30)
        )
        sitting = services.attempt_start(session_id=make_up.pk, candidate=person, now=NOW).attempt
        item = AttemptItem.objects.filter(attempt=sitting).order_by("position").first()
        assert item is not None
        services.attempt_answers_save(
            attempt_id=sitting.pk,
            candidate=person,
            answers=[services.AnswerIn(item=item.pk, keys=["A"])],
            now=NOW,
        )
        # practice and a course's quiz taken during the 补考
        practice = ExamFactory(
            kind=ExamKind.PRACTICE, review_policy=ReviewPolicy.AFTER_SUBMIT, rules=CIVIL_SINGLE
        )
        during = services.practice_start(candidate=person, exam_id=practice.pk, now=NOW)
        services.attempt_submit(attempt_id=during.attempt.pk, candidate=person, now=NOW)
        quiz = ExamFactory(
            kind=ExamKind.PRACTICE,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
            listed_in_practice=False,
            pass_score=1,
            rules=CIVIL_SINGLE,
        )
        course = ConstitutionCourseFactory(quiz=quiz, quiz_required=True)
        lesson = LessonFactory(course=course, min_study_seconds=1)
        lesson_heartbeat(lesson=lesson, user=person, now=NOW - timedelta(seconds=5))
        lesson_heartbeat(lesson=lesson, user=person, now=NOW, end_reached=True)
        from courses.services import course_quiz_start

        quiz_attempt = course_quiz_start(course=course, user=person, now=NOW).attempt
        services.attempt_submit(attempt_id=quiz_attempt.pk, candidate=person, now=NOW)

        live = Question.objects.filter(category=LawArea.CONSTITUTION)
        secrets = {q.explanation for q in live} | {q.law_reference for q in live}
        stems = {q.stem for q in live}
        assert all(secrets) and len(secrets) == 2 * live.count()
        ids = sorted(
            {
                person.pk,
                course.pk,
                lesson.pk,
                *Attempt.objects.filter(candidate=person).values_list("pk", flat=True),
            }
            | {first.pk, make_up.pk, exam.pk, practice.pk, quiz.pk}
            | set(live.values_list("pk", flat=True)[:3])
        )

        # when the person walks every URL pattern with every id of theirs
        client.force_login(person)
        walked: dict[str, int] = {}
        found: dict[str, list[str]] = {}
        templates = sorted(set(url_templates()))
        for template in templates:
            for url in fill(template, ids):
                response = client.get(url)
                walked[url] = response.status_code
                if response.status_code == 200 and not getattr(response, "streaming", False):
                    text = response.content.decode("utf-8", errors="replace")
                    hits = leaks(text, secrets=secrets, stems=stems)
                    if hits:
                        found[url] = hits

        # then nothing anywhere shows a live question's key, explanation or law reference
        assert found == {}
        # and the walk reached the pages that matter (so it proves something)
        for url in (
            f"/exams/attempts/{sitting.pk}/",
            f"/exams/attempts/{early.attempt.pk}/review/",
            f"/exams/attempts/{during.attempt.pk}/review/",
            f"/exams/attempts/{quiz_attempt.pk}/review/",
            f"/exams/attempts/{sat.pk}/result/",
            f"/exams/attempts/{sat.pk}/review/",
            "/exams/mistakes/",
            "/exams/practice/",
            "/exams/",
            f"/api/v1/attempts/{sitting.pk}/",
            f"/api/v1/attempts/{early.attempt.pk}/review/",
            f"/api/v1/attempts/{quiz_attempt.pk}/review/",
            "/api/v1/mistakes/",
            "/api/v1/exam-sessions/",
            f"/api/v1/courses/{course.pk}/",
        ):
            assert walked.get(url) == 200, (url, walked.get(url))
        assert (
            walked[f"/api/v1/attempts/{sat.pk}/review/"] == 409
        )  # the first session's keys wait for the 补考
        assert sum(1 for status in walked.values() if status == 200) >= 30
        # the early practice review shows its items withheld, not missing
        early_review = client.get(f"/api/v1/attempts/{early.attempt.pk}/review/").json()
        assert [entry["withheld"] for entry in early_review["items"]] == [True, True]
