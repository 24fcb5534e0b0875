"""Papers drawn ahead of a session: drawn once per eligible person, claimed by a start, invisible until then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from exams import services
from exams.models import Attempt, AttemptItem, AttemptStatus, ExamKind
from exams.tasks import papers_draw_ahead
from tests.conftest import token_client
from tests.exams.conftest import statements
from tests.factories import DepartmentFactory, ExamFactory, ExamSessionFactory, UserFactory

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PAPER_ITEM_KEYS = {"id", "position", "kind", "stem", "options", "points", "answer"}


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def audience(bank):
    """A session of one department (three people) that opens in an hour; one outsider."""
    department = DepartmentFactory()
    people = UserFactory.create_batch(3, department=department)
    outsider = UserFactory()
    session = ExamSessionFactory(
        opens_at=NOW + timedelta(hours=1), closes_at=NOW + timedelta(hours=5), departments=[department]
    )
    return session, people, outsider


def start(client, session):
    return client.post(f"/api/v1/exam-sessions/{session.pk}/attempts/")


def test_drawing_ahead_gives_each_eligible_person_one_frozen_paper_and_is_idempotent(audience, travel):
    session, people, outsider = audience

    assert services.session_papers_draw(session_id=session.pk, now=NOW, batch_size=2) == 3
    assert services.session_papers_draw(session_id=session.pk, now=NOW) == 0

    drawn = Attempt.with_drawn.filter(session=session)
    assert sorted(drawn.values_list("candidate_id", flat=True)) == sorted(person.pk for person in people)
    assert set(drawn.values_list("status", "number", "max_score")) == {(AttemptStatus.DRAWN, 1, 8)}
    for attempt in drawn:
        items = list(AttemptItem.objects.filter(attempt=attempt))
        assert len(items) == 4
        assert set(attempt.item_index) == {str(item.pk) for item in items}
        assert all(item.key_mask for item in items)
    assert not Attempt.with_drawn.filter(candidate=outsider).exists()
    # Not started: no list, count or report sees them.
    assert Attempt.objects.count() == 0


def test_a_start_claims_the_paper_drawn_ahead_in_four_statements_after_authentication(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    drawn = Attempt.with_drawn.get(candidate=people[0])
    drawn_items = list(
        AttemptItem.objects.filter(attempt=drawn).order_by("position").values_list("id", flat=True)
    )
    client = token_client(people[0])
    travel.move_to(NOW + timedelta(hours=2))

    with statements() as captured:
        response = start(client, session)

    assert response.status_code == 201
    body = response.json()
    assert body["id"] == drawn.pk
    assert [item["id"] for item in body["items"]] == drawn_items
    assert all(set(item) == PAPER_ITEM_KEYS for item in body["items"])
    # token + user, department path, session + eligibility, the candidate's attempts, the claim, the paper
    assert len(captured) == 6, captured.sql
    assert not any(sql.startswith("INSERT") for sql in captured.sql)
    drawn.refresh_from_db()
    assert (drawn.status, drawn.started_at, drawn.deadline) == (
        AttemptStatus.IN_PROGRESS,
        NOW + timedelta(hours=2),
        NOW + timedelta(hours=3),
    )
    # A second start resumes it.
    assert start(client, session).status_code == 200
    assert Attempt.objects.count() == 1


def test_a_drawn_paper_is_not_claimed_before_the_session_opens_nor_by_someone_no_longer_eligible(
    audience, travel
):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    client = token_client(people[0])

    early = start(client, session)
    people[1].department = DepartmentFactory()
    people[1].save(update_fields=["department"])
    travel.move_to(NOW + timedelta(hours=2))
    moved = start(token_client(people[1]), session)

    assert (early.status_code, early.json()["code"]) == (409, "session_not_open")
    assert moved.status_code == 403
    assert set(Attempt.with_drawn.values_list("status", flat=True)) == {AttemptStatus.DRAWN}


def test_someone_added_after_the_draw_and_a_retake_get_a_fresh_paper_on_demand(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    newcomer = UserFactory(department=people[0].department)
    travel.move_to(NOW + timedelta(hours=2))
    client = token_client(people[0])

    late = start(token_client(newcomer), session)
    first = start(client, session).json()
    client.post(f"/api/v1/attempts/{first['id']}/submit/")
    retake = start(client, session)

    assert late.status_code == 201
    assert Attempt.objects.get(candidate=newcomer).number == 1
    assert retake.status_code == 201
    assert retake.json()["number"] == 2
    assert len(retake.json()["items"]) == 4
    assert Attempt.with_drawn.filter(status=AttemptStatus.DRAWN).count() == 2


def test_the_live_board_and_my_exams_count_a_drawn_paper_as_nothing(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    travel.move_to(NOW + timedelta(hours=2))

    mine = token_client(people[0]).get("/api/v1/exam-sessions/").json()

    [row] = [row for row in mine["results"] if row["id"] == session.pk]
    assert row["my_status"]["attempts_used"] == 0
    assert row["my_status"]["in_progress_attempt"] is None


def test_a_key_corrected_after_the_draw_reaches_the_papers_drawn_ahead(audience, travel):
    session, _people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    item = AttemptItem.objects.filter(kind="single").select_related("question").first()
    new_key = "A" if item.correct != ["A"] else "C"

    services.question_correct_answer(
        question=item.question, answer=[new_key], reason="答案有误", actor=None, now=NOW
    )

    corrected = AttemptItem.objects.filter(question=item.question).values_list("correct", flat=True)
    assert [list(keys) for keys in corrected] == [[new_key]] * len(corrected)


def test_the_beat_task_draws_for_sessions_opening_soon_or_open_only(bank, travel):
    soon = ExamSessionFactory(opens_at=NOW + timedelta(hours=2), closes_at=NOW + timedelta(hours=4))
    later = ExamSessionFactory(opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=3))
    closed = ExamSessionFactory(opens_at=NOW - timedelta(days=2), closes_at=NOW - timedelta(days=1))
    practice = ExamSessionFactory(
        exam=ExamFactory(kind=ExamKind.PRACTICE, review_policy="after_submit"),
        opens_at=NOW,
        closes_at=NOW + timedelta(days=1),
    )
    UserFactory.create_batch(2)

    drawn = papers_draw_ahead()

    assert drawn == 2
    assert set(Attempt.with_drawn.values_list("session_id", flat=True)) == {soon.pk}
    assert not Attempt.with_drawn.filter(session__in=[later, closed, practice]).exists()
