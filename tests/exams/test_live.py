"""Exam integrity: no key, explanation or law reference of a question reaches a person while a formal
session they may still sit could draw it (``exams.live``), through practice, review or the 错题本."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from exams import live
from exams.models import Attempt, AttemptItem, LawArea, QuestionKind
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

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
AREAS = [LawArea.CONSTITUTION, LawArea.CIVIL_CODE]
ANY_SINGLE = [RuleIn(kind=QuestionKind.SINGLE, count=2, points=5)]


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def formal_session(*, opens=-timedelta(hours=1), closes=timedelta(days=1), **exam_fields):
    return ExamSessionFactory(exam=ExamFactory(**exam_fields), opens_at=NOW + opens, closes_at=NOW + closes)


def secrets_of(question_ids):
    """The texts no response may carry: explanations and law references of these questions."""
    items = AttemptItem.objects.filter(question_id__in=question_ids)
    from exams.models import Question

    texts = set()
    for question in Question.objects.filter(pk__in=question_ids):
        texts |= {question.explanation, question.law_reference}
    texts |= {item.explanation for item in items} | {item.law_reference for item in items}
    assert all(texts)
    return texts


def constitution_ids():
    from exams.models import Question

    return set(Question.objects.filter(category=LawArea.CONSTITUTION).values_list("id", flat=True))


def test_practice_during_an_open_annual_session_draws_nothing_the_session_could_draw(bank, travel):
    # given an annual session (all 宪法) the person has not sat, and a practice exam of any law area
    formal_session()
    practice = ExamFactory(kind="practice", review_policy="after_submit", rules=ANY_SINGLE)
    client = token_client(UserFactory())

    # when they practise again and again, submitting blank papers and reading the reviews
    drawn, reviews = set(), []
    for _round in range(8):
        body = client.post("/api/v1/practice/", {"exam": practice.id}, format="json").json()
        client.post(f"/api/v1/attempts/{body['id']}/submit/")
        reviews.append(client.get(f"/api/v1/attempts/{body['id']}/review/"))
        drawn |= set(AttemptItem.objects.filter(attempt_id=body["id"]).values_list("question_id", flat=True))

    # then only the two 民法典 questions were ever drawn, and no review shows a 宪法 key
    assert drawn == {q.id for q in bank["civil"]}
    secrets = secrets_of(constitution_ids())
    for review in reviews:
        assert review.status_code == 200
        assert not any(secret in review.content.decode() for secret in secrets)


def test_practice_that_only_live_questions_could_fill_is_refused_and_creates_nothing(bank, travel):
    formal_session()
    practice = ExamFactory(
        kind="practice",
        review_policy="after_submit",
        rules=[RuleIn(kind=QuestionKind.JUDGE, count=1, points=5)],
    )
    client = token_client(UserFactory())

    response = client.post("/api/v1/practice/", {"exam": practice.id}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "practice_withheld"
    assert Attempt.objects.filter(session__exam=practice).count() == 0


def test_practice_draws_freely_once_every_attempt_of_the_session_is_used(bank, travel):
    session = formal_session(max_attempts=1)
    practice = ExamFactory(
        kind="practice", review_policy="after_submit", rules=[RuleIn(kind="judge", count=2, points=5)]
    )
    client = token_client(UserFactory())
    sat = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    assert client.post("/api/v1/practice/", {"exam": practice.id}, format="json").status_code == 409
    client.post(f"/api/v1/attempts/{sat['id']}/submit/")

    response = client.post("/api/v1/practice/", {"exam": practice.id}, format="json")

    assert response.status_code == 201
    assert len(response.json()["items"]) == 2


def test_a_session_for_another_department_does_not_withhold_anything(bank, travel):
    ExamSessionFactory(
        exam=ExamFactory(), opens_at=NOW, closes_at=NOW + timedelta(days=1), departments=[DepartmentFactory()]
    )
    person = UserFactory(department=DepartmentFactory())

    assert live.live_pool_keys(user=person, now=NOW) == frozenset()


def test_review_and_mistakes_withhold_what_a_session_scheduled_after_the_practice_could_draw(bank, travel):
    # given a practice attempt of 宪法 single questions, submitted blank, reviewed freely
    practice = ExamFactory(
        kind="practice",
        review_policy="after_submit",
        rules=[RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION, count=2, points=5)],
    )
    client = token_client(UserFactory())
    body = client.post("/api/v1/practice/", {"exam": practice.id}, format="json").json()
    client.post(f"/api/v1/attempts/{body['id']}/submit/")
    before = client.get(f"/api/v1/attempts/{body['id']}/review/").json()
    assert [item["withheld"] for item in before["items"]] == [False, False]
    assert len(client.get("/api/v1/mistakes/").json()) == 2

    # when an annual session (宪法 single among its rules) is scheduled for next week
    session = formal_session(opens=timedelta(days=7), closes=timedelta(days=8))

    # then the review withholds both items, the 错题本 drops them, and the pages agree
    review = client.get(f"/api/v1/attempts/{body['id']}/review/")
    assert review.status_code == 200
    for item in review.json()["items"]:
        assert (item["withheld"], item["correct_keys"], item["explanation"], item["law_reference"]) == (
            True,
            [],
            "",
            "",
        )
        assert (item["earned"], item["is_correct"]) == (None, None)
    assert client.get("/api/v1/mistakes/").json() == []
    secrets = secrets_of(constitution_ids())
    client.force_login(Attempt.objects.get(pk=body["id"]).candidate)
    for url in (f"/exams/attempts/{body['id']}/review/", "/exams/mistakes/"):
        page = client.get(url).content.decode()
        assert not any(secret in page for secret in secrets), url
    assert "暂不公布" in client.get(f"/exams/attempts/{body['id']}/review/").content.decode()

    # and once the session has closed, they are shown again
    travel.move_to(session.closes_at)
    after = client.get(f"/api/v1/attempts/{body['id']}/review/").json()
    assert [item["withheld"] for item in after["items"]] == [False, False]
    assert len(client.get("/api/v1/mistakes/").json()) == 2


def test_one_live_item_withholds_the_whole_review_as_the_score_less_the_rest_would_give_it(bank, travel):
    # given a practice attempt of one 民法典 single question and one 宪法 true/false question, both
    # answered wrongly (score 0), reviewed freely
    practice = ExamFactory(
        kind="practice",
        review_policy="after_submit",
        rules=[
            RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE, count=1, points=5),
            RuleIn(kind=QuestionKind.JUDGE, count=1, points=5),
        ],
    )
    client = token_client(UserFactory())
    body = client.post("/api/v1/practice/", {"exam": practice.id}, format="json").json()
    wrong = [
        {"item": item["id"], "keys": ["A"] if item["kind"] == QuestionKind.SINGLE else ["F"]}
        for item in body["items"]
    ]
    client.put(f"/api/v1/attempts/{body['id']}/answers/", {"answers": wrong}, format="json")
    client.post(f"/api/v1/attempts/{body['id']}/submit/")
    assert [
        item["is_correct"] for item in client.get(f"/api/v1/attempts/{body['id']}/review/").json()["items"]
    ] == [
        False,
        False,
    ]
    assert len(client.get("/api/v1/mistakes/").json()) == 2

    # when an annual session of true/false questions only is scheduled: the judge item is live,
    # the 民法典 item is not
    formal_session(
        opens=timedelta(days=7),
        closes=timedelta(days=8),
        rules=[RuleIn(kind="judge", count=1, points=1)],
        pass_score=1,
    )

    # then the score is still the attempt's (0), so showing the 民法典 item's result (0 of 5) would
    # say the judge item earned 0 and its key is T: the review withholds both items and the
    # 错题本 leaves the whole attempt out, on the API and the pages
    assert client.get(f"/api/v1/attempts/{body['id']}/").json()["score"] == 0
    review = client.get(f"/api/v1/attempts/{body['id']}/review/").json()
    assert [
        (item["withheld"], item["earned"], item["is_correct"], item["correct_keys"], item["explanation"])
        for item in review["items"]
    ] == [(True, None, None, [], "")] * 2
    assert [item["your_keys"] for item in review["items"]] == [answer["keys"] for answer in wrong]
    assert client.get("/api/v1/mistakes/").json() == []
    client.force_login(Attempt.objects.get(pk=body["id"]).candidate)
    page = client.get(f"/exams/attempts/{body['id']}/review/").content.decode()
    assert page.count("暂不公布") == 2
    assert "答错" not in page and "0/5 分" not in page
    assert "本卷有题目仍可能出现在您尚未参加完的正式考试中" in page
    civil_secrets = secrets_of({question.id for question in bank["civil"]})
    mistakes_page = client.get("/exams/mistakes/").content.decode()
    assert not any(secret in page or secret in mistakes_page for secret in civil_secrets)


def test_after_close_keys_stay_in_while_a_make_up_session_of_the_exam_is_open_for_the_person(bank, travel):
    # given session A of an after_close exam, sat and closed, and a 补考 B of the same exam still to come
    exam = ExamFactory(review_policy="after_close", max_attempts=1)
    first = ExamSessionFactory(
        exam=exam, opens_at=NOW - timedelta(hours=2), closes_at=NOW + timedelta(hours=1)
    )
    make_up = ExamSessionFactory(
        exam=exam, opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=2)
    )
    client = token_client(UserFactory())
    body = client.post(f"/api/v1/exam-sessions/{first.id}/attempts/").json()
    client.post(f"/api/v1/attempts/{body['id']}/submit/")

    # when A closes, B is upcoming, then B opens, then B closes
    travel.move_to(first.closes_at)
    upcoming = client.get(f"/api/v1/attempts/{body['id']}/review/")
    mistakes_upcoming = client.get("/api/v1/mistakes/").json()
    travel.move_to(make_up.opens_at)
    during = client.get(f"/api/v1/attempts/{body['id']}/review/")
    travel.move_to(make_up.closes_at)
    after = client.get(f"/api/v1/attempts/{body['id']}/review/")

    # then the keys stay in until no session of the exam is open or upcoming for the person
    assert (upcoming.status_code, upcoming.json()["code"]) == (409, "review_not_yet")
    assert upcoming.json()["detail"] == "本考试的全部场次结束后才能查看答案与解析。"
    assert mistakes_upcoming == []
    assert (during.status_code, during.json()["code"]) == (409, "review_not_yet")
    assert after.status_code == 200
    assert [item["withheld"] for item in after.json()["items"]] == [False] * 4


def test_a_make_up_session_for_someone_else_does_not_keep_the_keys_in(bank, travel):
    exam = ExamFactory(review_policy="after_close", max_attempts=1)
    first = ExamSessionFactory(
        exam=exam, opens_at=NOW - timedelta(hours=2), closes_at=NOW + timedelta(hours=1)
    )
    ExamSessionFactory(
        exam=exam,
        opens_at=NOW + timedelta(days=1),
        closes_at=NOW + timedelta(days=2),
        departments=[DepartmentFactory()],
    )
    client = token_client(UserFactory(department=DepartmentFactory()))
    body = client.post(f"/api/v1/exam-sessions/{first.id}/attempts/").json()
    client.post(f"/api/v1/attempts/{body['id']}/submit/")
    travel.move_to(first.closes_at)

    assert client.get(f"/api/v1/attempts/{body['id']}/review/").status_code == 200


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_live_keys_cost_one_query_whatever_the_sessions(bank, travel, sessions):
    person = UserFactory()
    for number in range(sessions):
        formal_session(
            pass_score=1,
            rules=[RuleIn(kind=QuestionKind.SINGLE, category=AREAS[number % 2], count=1, points=1)],
        )
    person.department  # noqa: B018  (loaded, as a request's checks find it after the first)

    with statements() as captured:
        keys = live.live_pool_keys(user=person, now=NOW)

    assert len(captured) == 1
    assert keys == {("single", AREAS[n % 2]) for n in range(sessions)}


def test_live_question_filter_and_check_agree(bank, travel):
    from exams.models import Question

    keys = frozenset({("single", LawArea.CIVIL_CODE), ("judge", "")})
    QuestionFactory(kind=QuestionKind.JUDGE, category=LawArea.CIVIL_CODE)

    by_filter = set(Question.objects.filter(live.live_question_q(keys)).values_list("id", flat=True))
    by_check = {
        question.id
        for question in Question.objects.all()
        if live.is_live(keys, kind=question.kind, category=question.category)
    }

    assert by_filter == by_check
    assert len(by_filter) == 2 + 2 + 1  # the two 民法典 single, the two judge of the bank, the new judge
