"""Papers drawn ahead of a session: drawn once per eligible person, claimed by a start, invisible until then."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams import selectors, services
from exams.eligibility import is_eligible
from exams.errors import NotEligible
from exams.models import Attempt, AttemptItem, AttemptStatus, ExamKind, LawArea, QuestionKind
from exams.tasks import papers_draw_ahead
from people.models import User
from tests.conftest import token_client
from tests.exams.conftest import statements
from tests.factories import (
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

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


def test_a_start_claims_the_paper_drawn_ahead_in_one_statement_after_authentication(audience, travel):
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
    # token + user; the claim: session, window, eligibility, attempts, deadline and paper in one UPDATE
    assert len(captured) == 2, captured.sql
    assert captured.sql[1].startswith('UPDATE "exams_attempt"') and "RETURNING" in captured.sql[1]
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
    # the closed session's papers, drawn while it was open and never claimed
    assert services.session_papers_draw(session_id=closed.pk, now=closed.opens_at) == 2

    drawn = papers_draw_ahead()

    assert drawn == 2
    assert set(Attempt.with_drawn.values_list("session_id", flat=True)) == {soon.pk}
    assert not Attempt.with_drawn.filter(session__in=[later, closed, practice]).exists()


def test_papers_nobody_claimed_are_discarded_once_their_session_closes_and_claimed_ones_stay(
    audience, travel
):
    # given a session's three papers drawn ahead, one claimed and sat, and another open session's paper
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    travel.move_to(session.opens_at)
    sat = start(token_client(people[0]), session).json()
    still_open = ExamSessionFactory(opens_at=NOW, closes_at=NOW + timedelta(days=2))
    services.session_papers_draw(session_id=still_open.pk, now=session.opens_at)
    open_papers = set(Attempt.with_drawn.filter(session=still_open).values_list("pk", flat=True))
    assert len(open_papers) == 4  # everyone: the three of the department and the outsider
    unclaimed = set(
        Attempt.with_drawn.filter(session=session, status=AttemptStatus.DRAWN).values_list("pk", flat=True)
    )
    assert len(unclaimed) == 2

    # when the session has not closed yet, then the beat task discards nothing
    assert services.drawn_papers_discard(now=session.closes_at - timedelta(seconds=1)) == 0

    # when it has closed, the two unclaimed papers go with their items, in batches, and so leave the claimed attempt and the open session's papers as they were
    travel.move_to(session.closes_at)
    assert services.drawn_papers_discard(now=session.closes_at, batch_size=1) == 2
    assert not Attempt.with_drawn.filter(pk__in=unclaimed).exists()
    assert not AttemptItem.objects.filter(attempt_id__in=unclaimed).exists()
    assert list(Attempt.with_drawn.filter(session=session).values_list("pk", flat=True)) == [sat["id"]]
    assert AttemptItem.objects.filter(attempt_id=sat["id"]).count() == 4
    assert set(Attempt.with_drawn.filter(session=still_open).values_list("pk", flat=True)) == open_papers
    assert services.drawn_papers_discard(now=session.closes_at, batch_size=1) == 0


def as_read_from_the_items(client, body):
    """The same attempt as the API builds it from its rows (items read and encoded per request)."""
    return client.get(f"/api/v1/attempts/{body['id']}/")


def test_the_claimed_paper_is_byte_for_byte_what_the_items_give(audience, travel):
    audience_session, people, _outsider = audience
    # Text a JSON encoder must escape, or must not: quotes, backslashes, line separators, Chinese.
    QuestionFactory(
        kind=QuestionKind.SINGLE,
        category=LawArea.OTHER,
        stem='引号"与反斜杠\\，行\u2028分隔\u2029符，换行\n与制表\t。',
        options=[{"key": "A", "text": '甲 "A"'}, {"key": "B", "text": "乙\u2028B"}],
        answer=["B"],
    )
    rules = [
        *ExamFactory.rules.function(),
        RuleIn(kind=QuestionKind.SINGLE, category=LawArea.OTHER, count=1, points=1),
    ]
    session = ExamSessionFactory(
        exam=ExamFactory(rules=rules),
        opens_at=audience_session.opens_at,
        closes_at=audience_session.closes_at,
        departments=list(audience_session.departments.all()),
    )
    services.session_papers_draw(session_id=session.pk, now=NOW)
    travel.move_to(NOW + timedelta(hours=2))
    clients = [token_client(person) for person in people]

    claimed = [start(client, session) for client in clients]
    read = [
        as_read_from_the_items(client, response.json())
        for client, response in zip(clients, claimed, strict=True)
    ]
    resumed = [start(client, session) for client in clients]

    for started, from_items, again in zip(claimed, read, resumed, strict=True):
        assert (started.status_code, from_items.status_code, again.status_code) == (201, 200, 200)
        assert started["Content-Type"] == from_items["Content-Type"] == "application/json"
        assert started.content == from_items.content == again.content
    assert any("\\u2028" in response.content.decode() for response in claimed)


def test_the_paper_kept_with_a_drawn_paper_holds_no_key_explanation_or_law_reference(audience, travel):
    session, _people, _outsider = audience

    services.session_papers_draw(session_id=session.pk, now=NOW)

    for attempt in Attempt.with_drawn.filter(session=session).only("pk", "paper_json"):
        items = json.loads(attempt.paper_json)
        frozen = list(AttemptItem.objects.filter(attempt=attempt).order_by("position"))
        assert [set(item) for item in items] == [PAPER_ITEM_KEYS] * len(frozen)
        assert items == [
            {
                "id": item.pk,
                "position": item.position,
                "kind": item.kind,
                "stem": item.stem,
                "options": item.options,
                "points": item.points,
                "answer": [],
            }
            for item in frozen
        ]
        for item in frozen:
            assert item.explanation not in attempt.paper_json
            assert item.law_reference not in attempt.paper_json
    # Attempts are never loaded with it.
    assert "paper_json" in Attempt.with_drawn.first().get_deferred_fields()


def test_the_claim_sets_the_deadline_as_a_start_always_has(bank, travel):
    """The exam's duration from the start, cut at the session's close (attempt_deadline)."""
    department = DepartmentFactory()
    early, late = UserFactory.create_batch(2, department=department)
    session = ExamSessionFactory(
        exam=ExamFactory(duration_minutes=90),
        opens_at=NOW + timedelta(hours=1),
        closes_at=NOW + timedelta(hours=3),
        departments=[department],
    )
    services.session_papers_draw(session_id=session.pk, now=NOW)

    travel.move_to(NOW + timedelta(hours=1, seconds=1.5))
    first = start(token_client(early), session).json()
    travel.move_to(NOW + timedelta(hours=2))
    second = start(token_client(late), session).json()

    assert Attempt.objects.get(pk=first["id"]).deadline == NOW + timedelta(hours=2, minutes=30, seconds=1.5)
    assert Attempt.objects.get(pk=second["id"]).deadline == NOW + timedelta(hours=3)
    assert (first["remaining_seconds"], second["remaining_seconds"]) == (90 * 60, 60 * 60)


def test_a_claim_refused_changes_nothing_and_says_why_as_before(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    people[0].is_active = False
    people[0].save(update_fields=["is_active"])
    session.enforcement_officers_only = True
    session.save(update_fields=["enforcement_officers_only"])
    travel.move_to(NOW + timedelta(hours=2))

    # A deactivated account cannot use its token (401); the services refuse it too, for a page.
    with pytest.raises(NotEligible):
        services.attempt_start(session_id=session.pk, candidate=people[0], now=NOW + timedelta(hours=2))
    not_an_officer = start(token_client(people[1]), session)
    travel.move_to(NOW + timedelta(hours=6))
    people[2].is_enforcement_officer = True
    people[2].save(update_fields=["is_enforcement_officer"])
    closed = start(token_client(people[2]), session)

    assert (not_an_officer.status_code, not_an_officer.json()["code"]) == (403, "not_eligible")
    assert (closed.status_code, closed.json()["code"]) == (409, "session_closed")
    drawn = Attempt.with_drawn.filter(session=session)
    assert set(drawn.values_list("status", "started_at", "deadline")) == {
        (AttemptStatus.DRAWN, NOW, session.closes_at)
    }


def test_a_drawn_paper_is_claimed_through_a_department_above_the_candidates(bank, travel):
    bureau = DepartmentFactory()
    section = DepartmentFactory(parent=DepartmentFactory(parent=bureau))
    person = UserFactory(department=section)
    elsewhere = UserFactory(department=DepartmentFactory())
    session = ExamSessionFactory(
        opens_at=NOW + timedelta(hours=1), closes_at=NOW + timedelta(hours=5), departments=[bureau]
    )
    services.session_papers_draw(session_id=session.pk, now=NOW)
    travel.move_to(NOW + timedelta(hours=2))
    client = token_client(person)

    with statements() as captured:
        response = start(client, session)

    assert response.status_code == 201
    assert len(captured) == 2, captured.sql
    assert start(token_client(elsewhere), session).status_code == 403


def test_a_paper_drawn_before_papers_kept_their_json_is_claimed_from_its_items(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    Attempt.with_drawn.update(paper_json="")
    travel.move_to(NOW + timedelta(hours=2))
    client = token_client(people[0])

    with statements() as captured:
        response = start(client, session)

    assert response.status_code == 201
    assert len(captured) == 3, captured.sql  # token + user, the claim, the items
    assert response.content == as_read_from_the_items(client, response.json()).content


def test_after_a_key_correction_the_claimed_paper_still_equals_its_items(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    item = AttemptItem.objects.filter(attempt__candidate=people[0], kind="single").first()
    services.question_correct_answer(
        question=item.question, answer=["A" if item.correct != ["A"] else "C"], reason="答案有误", actor=None
    )
    travel.move_to(NOW + timedelta(hours=2))
    client = token_client(people[0])

    response = start(client, session)

    assert response.status_code == 201
    assert response.content == as_read_from_the_items(client, response.json()).content


def test_a_client_asking_for_indented_json_gets_the_same_attempt(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    travel.move_to(NOW + timedelta(hours=2))
    client = token_client(people[0])

    indented = client.post(
        f"/api/v1/exam-sessions/{session.pk}/attempts/", HTTP_ACCEPT="application/json; indent=2"
    )

    assert indented.status_code == 201
    assert b'\n  "id": ' in indented.content
    assert json.loads(indented.content) == as_read_from_the_items(client, indented.json()).json()


def test_the_start_result_gives_the_claimed_items_to_callers_that_are_not_the_api(audience, travel):
    session, people, _outsider = audience
    services.session_papers_draw(session_id=session.pk, now=NOW)
    travel.move_to(NOW + timedelta(hours=2))

    result = services.attempt_start(session_id=session.pk, candidate=people[0], now=NOW + timedelta(hours=2))

    attempt = Attempt.objects.get(pk=result.attempt.pk)
    assert result.created and result.items_json is not None
    assert result.items == selectors.paper_items(attempt)
    assert (result.attempt.session.title, result.attempt.session.exam.title) == (
        session.title,
        session.exam.title,
    )
    assert (result.attempt.status, result.attempt.deadline) == (attempt.status, attempt.deadline)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    audience=st.lists(st.integers(0, 5), max_size=3),
    place=st.integers(-1, 5),
    officers_only=st.booleans(),
    officer=st.booleans(),
)
def test_the_claim_decides_eligibility_as_exams_eligibility_does(
    bank, audience, place, officers_only, officer
):
    """The claim reads the department path inside its statement; it claims exactly when
    ``is_eligible`` (the path as a value) says yes, and otherwise changes nothing."""
    root = DepartmentFactory()
    departments = [root]
    for index in range(5):
        departments.append(DepartmentFactory(parent=departments[index // 2]))
    session = ExamSessionFactory(
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(hours=1),
        departments=[departments[i] for i in audience],
        enforcement_officers_only=officers_only,
    )
    person = UserFactory(
        department=departments[place] if place >= 0 else None, is_enforcement_officer=officer
    )
    drawn = Attempt.with_drawn.create(
        session=session,
        candidate=person,
        number=1,
        status=AttemptStatus.DRAWN,
        started_at=NOW,
        deadline=session.closes_at,
        max_score=1,
        paper_json="[]",
    )
    candidate = User.objects.get(pk=person.pk)  # the department not loaded

    try:
        result = services.attempt_start(session_id=session.pk, candidate=candidate, now=NOW)
    except NotEligible:
        result = None

    expected = is_eligible(User.objects.get(pk=person.pk), session)
    assert (result is not None) == expected
    drawn.refresh_from_db()
    assert drawn.status == (AttemptStatus.IN_PROGRESS if expected else AttemptStatus.DRAWN)
    if result is not None:
        assert (result.attempt.pk, result.items_json) == (drawn.pk, "[]")


@pytest.mark.parametrize(
    ("in_department", "officer"), [(True, False), (True, True), (False, False), (False, True)]
)
def test_the_claims_session_query_compiled_once_equals_it_compiled_for_each_candidate(
    db, in_department, officer
):
    from exams.services.attempts.start import claimable_query, claimable_session

    person = UserFactory(
        department=DepartmentFactory() if in_department else None, is_enforcement_officer=officer
    )
    candidate = User.objects.get(pk=person.pk)  # as authentication loads it: the department not loaded
    later = NOW + timedelta(minutes=7, microseconds=3)

    for session_id, now in ((11, NOW), (12, later)):
        compiled = claimable_query(
            session_id=session_id, candidate=candidate, now=now
        ).query.sql_with_params()
        sql, params = claimable_session(session_id=session_id, candidate=candidate, now=now)
        assert (sql, list(params)) == (compiled[0], list(compiled[1]))


def test_one_session_the_bank_cannot_fill_leaves_the_others_drawn(bank, travel):
    # given two sessions opening soon: one whose exam asks for more questions than the bank holds
    short = ExamSessionFactory(
        exam=ExamFactory(rules=[RuleIn(kind=QuestionKind.JUDGE, count=50, points=1)], pass_score=1),
        opens_at=NOW + timedelta(hours=1),
        closes_at=NOW + timedelta(hours=3),
    )
    fine = ExamSessionFactory(opens_at=NOW + timedelta(hours=2), closes_at=NOW + timedelta(hours=4))
    UserFactory.create_batch(2)

    # when the beat task runs, then the other session's papers are drawn and the short one has none
    assert papers_draw_ahead() == 2
    assert set(Attempt.with_drawn.values_list("session_id", flat=True)) == {fine.pk}
    assert not Attempt.with_drawn.filter(session=short).exists()


def test_a_batch_that_a_start_beat_to_an_attempt_number_is_drawn_again(audience, travel, monkeypatch):
    # given a start that took one person's attempt number while the first batch was being drawn
    session, people, _outsider = audience
    from exams.services.attempts import papers

    real = papers._draw_batch
    raced = []

    def racing(**kwargs):
        if not raced:
            raced.append(True)
            raise IntegrityError("attempt_unique_number")
        return real(**kwargs)

    monkeypatch.setattr(papers, "_draw_batch", racing)

    # then the batch is drawn again, and everyone eligible has one paper
    assert services.session_papers_draw(session_id=session.pk, now=NOW) == 3
    assert sorted(
        Attempt.with_drawn.filter(session=session).values_list("candidate_id", flat=True)
    ) == sorted(person.pk for person in people)
