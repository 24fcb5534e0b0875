"""The demo exams: loaded through the import service, open now, and idempotent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from exams import demo
from exams.models import Exam, ExamSession, Question, QuestionImport
from people import demo as people_demo
from people.models import User
from tests.conftest import token_client

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_seed_loads_the_bank_opens_the_sessions_and_running_it_again_changes_nothing():
    with time_machine.travel(NOW, tick=False):
        people_demo.seed()
        demo.seed()
        counts = (
            Question.objects.count(),
            QuestionImport.objects.count(),
            Exam.objects.count(),
            ExamSession.objects.count(),
        )
        demo.seed()

    entries = json.loads(demo.QUESTIONS_FILE.read_text(encoding="utf-8"))
    assert counts == (len(entries), 1, 3, 3)
    assert (
        Question.objects.count(),
        QuestionImport.objects.count(),
        Exam.objects.count(),
        ExamSession.objects.count(),
    ) == counts
    annual, qualification, practice = (
        ExamSession.objects.get(exam__kind=kind) for kind in ("annual", "qualification", "practice")
    )
    assert (annual.opens_at, annual.closes_at) == (
        datetime(2026, 3, 1, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 16, 0, tzinfo=UTC) + timedelta(days=31),
    )
    assert (annual.enforcement_officers_only, qualification.enforcement_officers_only) == (False, True)
    assert list(annual.departments.all()) == list(qualification.departments.all()) == []
    assert practice.closes_at > NOW + timedelta(days=365 * 50)


def test_the_demo_officer_can_take_both_exams_and_a_clerk_only_the_annual_one():
    with time_machine.travel(NOW, tick=False):
        people_demo.seed()
        demo.seed()
        officer = token_client(User.objects.get(username="zhangwei"))
        clerk = token_client(User.objects.filter(is_enforcement_officer=False, is_superuser=False).first())
        annual = ExamSession.objects.get(exam__kind="annual")
        qualification = ExamSession.objects.get(exam__kind="qualification")

        started = officer.post(f"/api/v1/exam-sessions/{annual.id}/attempts/")
        assert started.status_code == 201
        assert (len(started.json()["items"]), started.json()["max_score"]) == (50, 100)
        assert officer.post(f"/api/v1/exam-sessions/{qualification.id}/attempts/").status_code == 201
        assert clerk.post(f"/api/v1/exam-sessions/{qualification.id}/attempts/").status_code == 403
        assert clerk.post("/api/v1/practice/", {}, format="json").status_code == 201
