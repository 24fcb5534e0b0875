"""The exam engine's web pages: who may open which page, what each shows, how many queries the hot
pages cost, and that no page shows a correct key or an explanation while an attempt is in progress."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams import services
from exams.models import (
    SAVE_GRACE,
    Attempt,
    AttemptExtraTime,
    AttemptItem,
    AttemptStatus,
    ExamKind,
    ExamSession,
    LawArea,
    QuestionKind,
    ReviewPolicy,
)
from exams.option_labels import keys_as_labels
from tests.conftest import token_client
from tests.factories import (
    CIVIL_PRACTICE_RULES,
    AdminFactory,
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_session(
    title: str = "2026年度学法考试", *, opens=-timedelta(hours=1), closes=timedelta(days=1), **exam
):
    return ExamSessionFactory(
        title=title, exam=ExamFactory(**exam), opens_at=NOW + opens, closes_at=NOW + closes
    )


def logged_in(client, user):
    client.force_login(user)
    return client


def start(user, session) -> Attempt:
    return services.attempt_start(session_id=session.pk, candidate=user, now=NOW).attempt


def items_of(attempt) -> list[AttemptItem]:
    return list(AttemptItem.objects.filter(attempt=attempt).order_by("position"))


def wrong(item: AttemptItem) -> list[str]:
    return [next(option["key"] for option in item.options if option["key"] not in item.correct)]


def save(user, attempt, answers: dict[int, list[str]]) -> None:
    services.attempt_answers_save(
        attempt_id=attempt.pk,
        candidate=user,
        answers=[services.AnswerIn(item=item, keys=keys) for item, keys in answers.items()],
        now=NOW,
    )


def submit(user, attempt) -> None:
    services.attempt_submit(attempt_id=attempt.pk, candidate=user, now=NOW)


def html(response) -> str:
    return response.content.decode()


def block(page: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the end of its <article>/<section>."""
    match = re.search(rf'<(article|section|fieldset|div)[^>]*id="{element_id}".*?</\1>', page, re.S)
    assert match, f"no element #{element_id}"
    return match.group(0)


# ---------------------------------------------------------------- 我的考试


def test_my_exams_shows_open_upcoming_and_closed_sessions_with_my_status(client, bank, travel):
    department = DepartmentFactory()
    user = UserFactory(department=department)
    passed = open_session("已通过的场次", max_attempts=2)
    attempt = start(user, passed)
    save(user, attempt, {item.pk: list(item.correct) for item in items_of(attempt)})
    submit(user, attempt)
    in_progress = open_session("答题中的场次")
    current = start(user, in_progress)
    fresh = open_session("未参加的场次", max_attempts=1)
    upcoming = open_session("下周的场次", opens=timedelta(days=7), closes=timedelta(days=8))
    closed = open_session("上月的场次", opens=-timedelta(days=30), closes=-timedelta(days=29))
    elsewhere = open_session("别的单位的场次")
    elsewhere.departments.set([DepartmentFactory()])
    open_session("日常练习", kind=ExamKind.PRACTICE, review_policy=ReviewPolicy.AFTER_SUBMIT)

    page = html(logged_in(client, user).get("/exams/"))

    card = block(page, f"session-{passed.pk}")
    assert "已通过" in card
    assert '<dd class="attempts-left">1 / 2</dd>' in card
    assert '<dd class="best-score">8</dd>' in card
    assert f'<a href="/exams/attempts/{attempt.pk}/result/">第 1 次成绩</a>' in card
    assert ">再次作答</button>" in card

    card = block(page, f"session-{in_progress.pk}")
    assert "答题中" in card
    assert f'<a class="button primary" href="/exams/attempts/{current.pk}/">继续答题</a>' in card
    assert "开始考试" not in card

    card = block(page, f"session-{fresh.pk}")
    assert "未参加" in card
    assert '<dd class="attempts-left">1 / 1</dd>' in card
    assert '<dd class="best-score">—</dd>' in card
    assert f'action="/exams/sessions/{fresh.pk}/start/"' in card
    assert ">开始考试</button>" in card
    assert "年度学法考试 · 60 分钟 · 满分 8，5 分及格" in card
    assert "考试时间：2026-03-02 08:00 — 2026-03-03 09:00" in card

    assert f'id="session-{upcoming.pk}"' in block(page, "upcoming-sessions")
    assert "2026-03-09 09:00 开始" in block(page, f"session-{upcoming.pk}")
    assert f'id="session-{closed.pk}"' in block(page, "closed-sessions")
    assert "start/" not in block(page, f"session-{closed.pk}")
    assert "别的单位的场次" not in page
    assert "日常练习" not in page
    assert '<a class="button" href="/exams/practice/">练习</a>' in page
    assert '<a class="button" href="/exams/mistakes/">错题本</a>' in page
    assert "考试现场看板" not in page


def test_my_exams_for_an_administrator_links_every_session_board(client, bank, travel):
    session = open_session("全局场次")
    session.departments.set([DepartmentFactory()])

    page = html(logged_in(client, AdminFactory()).get("/exams/"))

    assert f'<a href="/exams/sessions/{session.pk}/board/">全局场次</a>' in block(page, "admin-sessions")


def test_my_exams_costs_the_same_queries_whatever_the_number_of_sessions(
    client, bank, travel, django_assert_max_num_queries
):
    user = UserFactory()
    client = logged_in(client, user)
    submit(user, start(user, open_session()))
    start(user, open_session())
    with CaptureQueriesContext(connection) as two:
        client.get("/exams/")
    for _ in range(6):
        submit(user, start(user, open_session()))

    with django_assert_max_num_queries(len(two.captured_queries)):
        response = client.get("/exams/")

    assert html(response).count('class="card session"') == 8
    assert len(two.captured_queries) <= 10


def test_starting_opens_the_exam_page(client, bank, travel):
    user = UserFactory()
    session = open_session()

    response = logged_in(client, user).post(f"/exams/sessions/{session.pk}/start/")

    attempt = Attempt.objects.get()
    assert (attempt.candidate, attempt.session) == (user, session)
    assert response.status_code == 302
    assert response["Location"] == f"/exams/attempts/{attempt.pk}/"


def test_a_refused_start_shows_the_reason_and_changes_nothing(client, bank, travel):
    user = UserFactory()
    session = open_session(max_attempts=1)
    submit(user, start(user, session))
    client = logged_in(client, user)

    response = client.post(f"/exams/sessions/{session.pk}/start/", follow=True)

    assert response.redirect_chain == [("/exams/", 302)]
    assert '<li class="error">您已用完本场考试的 1 次作答机会。</li>' in html(response)
    assert Attempt.objects.count() == 1
    assert client.post("/exams/sessions/9999/start/").status_code == 404
    assert client.get(f"/exams/sessions/{session.pk}/start/").status_code == 405


def test_pages_need_a_login(client, bank, travel):
    session = open_session()
    attempt = start(UserFactory(), session)
    for url in [
        "/exams/",
        f"/exams/attempts/{attempt.pk}/",
        f"/exams/attempts/{attempt.pk}/result/",
        f"/exams/attempts/{attempt.pk}/review/",
        "/exams/mistakes/",
        "/exams/practice/",
        f"/exams/sessions/{session.pk}/board/",
    ]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


# ---------------------------------------------------------------- taking an exam


def test_exam_page_renders_the_api_payload_with_the_saved_answers(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session())
    single, second, multiple, judge = items_of(attempt)
    save(user, attempt, {single.pk: ["A"], multiple.pk: ["A", "C"], judge.pk: ["F"]})

    page = html(logged_in(client, user).get(f"/exams/attempts/{attempt.pk}/"))

    payload = json.loads(
        re.search(r'<script id="attempt-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert payload == token_client(user).get(f"/api/v1/attempts/{attempt.pk}/").json()
    assert payload["remaining_seconds"] == 3600
    assert '<strong id="countdown">1:00:00</strong>' in page
    assert '已答 <strong id="answered-count">3</strong>/4' in page
    assert f'data-answers-url="/api/v1/attempts/{attempt.pk}/answers/"' in page
    assert f'data-attempt-url="/api/v1/attempts/{attempt.pk}/"' in page
    assert f'<form id="submit-form" method="post" action="/exams/attempts/{attempt.pk}/submit/"' in page
    assert f'<input type="radio" name="item-{single.pk}" value="A" checked>' in page
    assert f'<input type="radio" name="item-{single.pk}" value="B">' in page
    assert f'<input type="checkbox" name="item-{multiple.pk}" value="A" checked>' in page
    assert f'<input type="checkbox" name="item-{multiple.pk}" value="C" checked>' in page
    assert f'<input type="checkbox" name="item-{multiple.pk}" value="B">' in page
    fieldset = block(page, "q-4")
    assert f'<input type="radio" name="item-{judge.pk}" value="F" checked>' in fieldset
    assert '<span class="text">正确</span>' in fieldset
    assert '<span class="text">错误</span>' in fieldset
    assert f'<a href="#q-1" id="nav-{single.pk}" class="answered"' in page
    assert f'<a href="#q-2" id="nav-{second.pk}" class=""' in page
    assert '<script src="/static/exams/attempt.js"></script>' in page


def test_exam_page_costs_a_fixed_number_of_queries(client, bank, travel, django_assert_max_num_queries):
    user = UserFactory()
    attempt = start(user, open_session())
    client = logged_in(client, user)

    with django_assert_max_num_queries(5):
        response = client.get(f"/exams/attempts/{attempt.pk}/")

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/exams/attempts/{}/"),
        ("get", "/exams/attempts/{}/result/"),
        ("get", "/exams/attempts/{}/review/"),
        ("post", "/exams/attempts/{}/submit/"),
    ],
)
def test_someone_elses_attempt_is_404(client, bank, travel, method, path):
    owner = UserFactory()
    attempt = start(owner, open_session())

    response = getattr(logged_in(client, UserFactory()), method)(path.format(attempt.pk))

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_even_an_administrator_sees_only_their_own_attempts(client, bank, travel):
    attempt = start(UserFactory(), open_session())

    assert logged_in(client, AdminFactory()).get(f"/exams/attempts/{attempt.pk}/").status_code == 404


def test_exam_page_past_the_deadline_submits_with_what_was_saved_and_shows_the_result(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session())
    save(user, attempt, {item.pk: list(item.correct) for item in items_of(attempt)[:2]})
    travel.move_to(attempt.deadline + SAVE_GRACE + timedelta(seconds=1))

    response = logged_in(client, user).get(f"/exams/attempts/{attempt.pk}/", follow=True)

    assert response.redirect_chain == [(f"/exams/attempts/{attempt.pk}/result/", 302)]
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.auto_submitted) == ("submitted", Decimal("4.0"), True)
    assert "考试时间到，系统已按已保存的答案自动交卷。" in html(response)


def test_submit_grades_and_shows_the_result(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session())
    single, second, multiple, judge = items_of(attempt)
    save(
        user,
        attempt,
        {
            single.pk: single.correct,
            second.pk: second.correct,
            multiple.pk: wrong(multiple),
            judge.pk: judge.correct,
        },
    )
    client = logged_in(client, user)

    response = client.post(f"/exams/attempts/{attempt.pk}/submit/", follow=True)

    assert response.redirect_chain == [(f"/exams/attempts/{attempt.pk}/result/", 302)]
    page = html(response)
    assert '<span id="score">5</span>' in page
    assert '<span id="max-score">8</span>' in page
    assert '<p class="verdict ok" id="verdict">及格</p>' in page
    assert "5 分及格" in page
    assert '<p class="muted">本考试的全部场次结束后才能查看答案与解析。</p>' in page
    assert f'href="/exams/attempts/{attempt.pk}/review/"' not in page
    assert "再次作答（还剩 1 次）" in page
    attempt.refresh_from_db()
    assert (attempt.status, attempt.score, attempt.passed) == ("submitted", Decimal("5.0"), True)
    # Submitting again changes nothing and shows the same result.
    assert client.post(f"/exams/attempts/{attempt.pk}/submit/").status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == Decimal("5.0")


def test_result_of_an_attempt_in_progress_goes_back_to_the_exam(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session())

    response = logged_in(client, user).get(f"/exams/attempts/{attempt.pk}/result/")

    assert (response.status_code, response["Location"]) == (302, f"/exams/attempts/{attempt.pk}/")


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (ReviewPolicy.AFTER_CLOSE, "本考试的全部场次结束后才能查看答案与解析。"),
        (ReviewPolicy.NEVER, "本考试不提供答案与解析。"),
    ],
)
def test_result_and_review_say_clearly_when_the_policy_does_not_allow_review(
    client, bank, travel, policy, message
):
    user = UserFactory()
    attempt = start(user, open_session(review_policy=policy))
    submit(user, attempt)
    client = logged_in(client, user)

    result = html(client.get(f"/exams/attempts/{attempt.pk}/result/"))
    review = client.get(f"/exams/attempts/{attempt.pk}/review/")

    assert f'<p class="muted">{message}</p>' in result
    assert "/review/" not in result
    assert review.status_code == 200
    assert f"<p>{message}</p>" in html(review)
    for item in items_of(attempt):
        assert item.explanation not in html(review)
        assert item.law_reference not in html(review)


def test_review_shows_my_keys_the_correct_keys_explanation_and_law_reference(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session(review_policy=ReviewPolicy.AFTER_SUBMIT, max_attempts=1))
    single, second, multiple, judge = items_of(attempt)
    save(user, attempt, {single.pk: single.correct, multiple.pk: ["A"], judge.pk: ["F"]})
    submit(user, attempt)

    page = html(logged_in(client, user).get(f"/exams/attempts/{attempt.pk}/review/"))

    assert '<span id="score">2</span>' in page
    assert "共 4 题，答错或未答 3 题。" in page
    first = block(page, "q-1")
    assert "答对 · 2/2 分" in first
    # Keys are named by the option's place on the screen (the options were shuffled).
    shown = keys_as_labels(single.correct, single.options)[0]
    assert f"你的答案：{shown}</span>" in first
    assert f"正确答案：{shown}</span>" in first
    assert "未答 · 0/2 分" in block(page, "q-2")
    assert "你的答案：未作答</span>" in block(page, "q-2")
    third = block(page, "q-3")
    assert "答错 · 0/3 分" in third
    assert f"你的答案：{keys_as_labels(['A'], multiple.options)[0]}</span>" in third
    assert f"正确答案：{'、'.join(keys_as_labels(['A', 'C'], multiple.options))}</span>" in third
    fourth = block(page, "q-4")
    assert "你的答案：错误</span>" in fourth
    assert "正确答案：正确</span>" in fourth
    for number, item in enumerate([single, second, multiple, judge], start=1):
        explained = block(page, f"q-{number}")
        assert f"<strong>解析</strong>：{item.explanation}</p>" in explained
        assert f"<strong>法条依据</strong>：{item.law_reference}</p>" in explained


def test_review_of_an_attempt_in_progress_is_refused(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session())

    page = html(logged_in(client, user).get(f"/exams/attempts/{attempt.pk}/review/"))

    assert "<p>交卷后才能查看答案与解析。</p>" in page
    assert f'<a class="button primary" href="/exams/attempts/{attempt.pk}/">返回答题</a>' in page


# ---------------------------------------------------------------- 错题本


def test_mistakes_lists_my_wrong_answers_filterable_by_law_area(client, bank, travel):
    user = UserFactory()
    rules = [
        RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION, count=1, points=2),
        RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE, count=1, points=2),
        RuleIn(kind=QuestionKind.JUDGE, count=1, points=1),
    ]
    attempt = start(
        user,
        open_session(
            "三月考试", rules=rules, pass_score=1, review_policy=ReviewPolicy.AFTER_SUBMIT, max_attempts=1
        ),
    )
    constitution, civil, judge = items_of(attempt)
    save(
        user, attempt, {constitution.pk: wrong(constitution), civil.pk: wrong(civil), judge.pk: judge.correct}
    )
    submit(user, attempt)
    hidden = start(
        user,
        open_session(
            "未结束的考试", rules=rules, pass_score=1, review_policy=ReviewPolicy.AFTER_CLOSE, max_attempts=1
        ),
    )
    submit(user, hidden)
    # A session of another department: the user may not sit it, so its questions are not withheld.
    elsewhere = DepartmentFactory()
    someone_else = UserFactory(department=elsewhere)
    others = ExamSessionFactory(
        title="别人的考试",
        exam=ExamFactory(rules=rules, pass_score=1, review_policy=ReviewPolicy.AFTER_SUBMIT, max_attempts=1),
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
        departments=[elsewhere],
    )
    submit(someone_else, start(someone_else, others))
    client = logged_in(client, user)

    page = html(client.get("/exams/mistakes/"))

    assert "共 2 道错题" in page
    card = block(page, f"mistake-{constitution.question_id}")
    assert '<span class="tag badge">宪法</span>' in card
    assert "答错 1 次 · 三月考试 · 2026-03-02" in card
    assert f"你的答案：{keys_as_labels(wrong(constitution), constitution.options)[0]}</span>" in card
    assert f"<strong>解析</strong>：{constitution.explanation}</p>" in card
    assert f"<strong>法条依据</strong>：{constitution.law_reference}</p>" in card
    assert f'id="mistake-{civil.question_id}"' in page
    assert f'id="mistake-{judge.question_id}"' not in page
    assert "未结束的考试" not in page
    assert "别人的考试" not in page

    filtered = html(client.get("/exams/mistakes/", {"category": LawArea.CIVIL_CODE}))

    assert "共 1 道错题" in filtered
    assert f'id="mistake-{civil.question_id}"' in filtered
    assert f'id="mistake-{constitution.question_id}"' not in filtered
    assert '<option value="民法典" selected>民法典</option>' in filtered
    assert "这个法律领域没有错题。" in html(
        client.get("/exams/mistakes/", {"category": LawArea.ADMINISTRATIVE_LICENSING})
    )
    # An unknown law area is no filter at all.
    assert "共 2 道错题" in html(client.get("/exams/mistakes/", {"category": "nonsense"}))


def test_mistakes_include_an_attempt_past_its_deadline_submitted_on_the_way(client, bank, travel):
    user = UserFactory()
    attempt = start(user, open_session(review_policy=ReviewPolicy.AFTER_SUBMIT, max_attempts=1))
    first = items_of(attempt)[0]
    save(user, attempt, {first.pk: wrong(first)})
    travel.move_to(attempt.deadline + SAVE_GRACE + timedelta(seconds=1))

    page = html(logged_in(client, user).get("/exams/mistakes/"))

    assert "共 4 道错题" in page
    shown = keys_as_labels(wrong(first), first.options)[0]
    assert f"你的答案：{shown}</span>" in block(page, f"mistake-{first.question_id}")
    attempt.refresh_from_db()
    assert (attempt.status, attempt.auto_submitted, attempt.score) == ("submitted", True, Decimal("0.0"))


# ---------------------------------------------------------------- practice


def test_practice_starts_as_often_as_wanted_and_shows_the_review_right_after_submit(client, bank, travel):
    user = UserFactory()
    exam = ExamFactory(title="法律知识练习", kind=ExamKind.PRACTICE, review_policy=ReviewPolicy.AFTER_SUBMIT)
    client = logged_in(client, user)

    page = html(client.get("/exams/practice/"))
    assert "<h2>法律知识练习</h2>" in page
    assert f'<input type="hidden" name="exam" value="{exam.pk}">' in page

    first = client.post("/exams/practice/start/", {"exam": exam.pk})
    attempt = Attempt.objects.get()
    assert first["Location"] == f"/exams/attempts/{attempt.pk}/"
    submitted = client.post(f"/exams/attempts/{attempt.pk}/submit/", follow=True)
    assert submitted.redirect_chain == [(f"/exams/attempts/{attempt.pk}/review/", 302)]
    feedback = html(submitted)
    for item in items_of(attempt):
        assert f"<strong>解析</strong>：{item.explanation}</p>" in feedback
    assert ">再练一次</button>" in feedback

    again = client.post("/exams/practice/start/", {"exam": exam.pk})
    second = Attempt.objects.exclude(pk=attempt.pk).get()
    assert again["Location"] == f"/exams/attempts/{second.pk}/"
    assert second.number == 2

    history = block(html(client.get("/exams/practice/")), "practice-history")
    assert f'<a href="/exams/attempts/{second.pk}/">继续练习</a>' in history
    assert f'<a href="/exams/attempts/{attempt.pk}/review/">0/8 分，查看解析</a>' in history


def test_practice_without_a_practice_exam_says_so(client, bank, travel):
    client = logged_in(client, UserFactory())

    response = client.post("/exams/practice/start/", follow=True)

    assert '<li class="error">没有可用的练习卷。</li>' in html(response)
    assert "暂时没有练习卷。" in html(response)
    assert Attempt.objects.count() == 0


def test_practice_neither_offers_nor_starts_an_exam_kept_out_of_practice(client, bank, travel):
    listed = ExamFactory(
        title="法律知识练习", kind=ExamKind.PRACTICE, review_policy=ReviewPolicy.AFTER_SUBMIT
    )
    quiz = ExamFactory(
        title="宪法结课测验",
        kind=ExamKind.PRACTICE,
        review_policy=ReviewPolicy.AFTER_SUBMIT,
        listed_in_practice=False,
    )
    client = logged_in(client, UserFactory())

    page = html(client.get("/exams/practice/"))
    refused = client.post("/exams/practice/start/", {"exam": quiz.pk}, follow=True)

    assert f'id="practice-{listed.pk}"' in page
    assert "宪法结课测验" not in page
    assert f'value="{quiz.pk}"' not in page
    assert refused.redirect_chain == [("/exams/practice/", 302)]
    assert '<li class="error">没有可用的练习卷。</li>' in html(refused)
    assert (Attempt.objects.count(), ExamSession.objects.count()) == (0, 0)


# ---------------------------------------------------------------- the live board


def board_fixture():
    department = DepartmentFactory()
    session = open_session("三月考试")
    session.departments.set([department])
    done, busy, _idle = (UserFactory(department=department, name=name) for name in ["张三", "李四", "王五"])
    attempt = start(done, session)
    save(done, attempt, {item.pk: list(item.correct) for item in items_of(attempt)})
    submit(done, attempt)
    return session, start(busy, session)


def test_the_board_is_for_administrators_only(client, bank, travel):
    session, busy = board_fixture()
    staff = logged_in(client, UserFactory())

    assert staff.get(f"/exams/sessions/{session.pk}/board/").status_code == 403
    assert staff.get(f"/exams/sessions/{session.pk}/board/live/").status_code == 403
    refused = staff.post(
        f"/exams/sessions/{session.pk}/board/extra-time/", {"attempt": busy.pk, "minutes": 10, "reason": "x"}
    )
    assert refused.status_code == 403
    busy.refresh_from_db()
    assert busy.extra_minutes == 0
    assert AttemptExtraTime.objects.count() == 0


def test_the_board_shows_the_figures_and_refreshes_itself(client, bank, travel):
    session, busy = board_fixture()
    client = logged_in(client, AdminFactory())

    page = html(client.get(f"/exams/sessions/{session.pk}/board/"))

    for figure, value in [
        ("eligible", 3),
        ("started", 2),
        ("submitted", 1),
        ("passed", 1),
        ("in-progress", 1),
    ]:
        assert f'<dd id="{figure}">{value}</dd>' in page
    assert (
        f'<div id="board-live" hx-get="/exams/sessions/{session.pk}/board/live/" '
        'hx-trigger="every 5s" hx-swap="outerHTML">'
    ) in page
    assert f'<tr id="attempt-{busy.pk}"><td>李四<br>' in page
    assert f'<a href="?attempt={busy.pk}#extra-time">延时</a>' in page
    assert f'<option value="{busy.pk}">李四（{busy.candidate.employee_no}' in page

    live = client.get(f"/exams/sessions/{session.pk}/board/live/")
    assert html(live).startswith('<div id="board-live"')
    assert "<html" not in html(live)
    assert client.get("/exams/sessions/9999/board/").status_code == 404


def test_an_administrator_gives_one_candidate_extra_time_with_a_reason(client, bank, travel):
    session, busy = board_fixture()
    admin = AdminFactory()
    client = logged_in(client, admin)

    response = client.post(
        f"/exams/sessions/{session.pk}/board/extra-time/",
        {"attempt": busy.pk, "minutes": 15, "reason": "考场断网十五分钟"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/exams/sessions/{session.pk}/board/", 302)]
    assert '<li class="success">已为李四延长 15 分钟，新的截止时间为 10:15。</li>' in html(response)
    grant = AttemptExtraTime.objects.get()
    assert (grant.attempt_id, grant.minutes, grant.reason, grant.actor) == (
        busy.pk,
        15,
        "考场断网十五分钟",
        admin,
    )
    busy.refresh_from_db()
    assert (busy.deadline, busy.extra_minutes) == (NOW + timedelta(minutes=75), 15)


def test_extra_time_without_a_reason_is_refused_and_changes_nothing(client, bank, travel):
    session, busy = board_fixture()
    client = logged_in(client, AdminFactory())

    response = client.post(
        f"/exams/sessions/{session.pk}/board/extra-time/", {"attempt": busy.pk, "minutes": 15, "reason": " "}
    )

    assert response.status_code == 400
    assert '<p class="error">该字段是必填项。</p>' in html(response)
    busy.refresh_from_db()
    assert (busy.deadline, busy.extra_minutes) == (NOW + timedelta(hours=1), 0)
    assert AttemptExtraTime.objects.count() == 0


def test_extra_time_for_an_attempt_of_another_session_is_refused(client, bank, travel):
    session, _busy = board_fixture()
    other = start(UserFactory(), open_session("另一场"))
    client = logged_in(client, AdminFactory())

    response = client.post(
        f"/exams/sessions/{session.pk}/board/extra-time/",
        {"attempt": other.pk, "minutes": 5, "reason": "断网"},
    )

    assert response.status_code == 400
    other.refresh_from_db()
    assert other.extra_minutes == 0
    assert AttemptExtraTime.objects.count() == 0


# ---------------------------------------------------------------- home and navigation


def test_home_lists_open_sessions_not_passed_and_attempts_in_progress(client, bank, travel):
    user = UserFactory()
    passed = open_session("已通过的场次")
    attempt = start(user, passed)
    save(user, attempt, {item.pk: list(item.correct) for item in items_of(attempt)})
    submit(user, attempt)
    busy = start(user, open_session("答题中的场次"))
    todo = open_session("待参加的场次", closes=timedelta(days=10))
    practice = start(
        user,
        open_session(
            "每日练习",
            kind=ExamKind.PRACTICE,
            review_policy=ReviewPolicy.AFTER_SUBMIT,
            rules=CIVIL_PRACTICE_RULES,
        ),
    )

    page = html(logged_in(client, user).get("/"))

    assert "已通过的场次" not in page
    assert (
        f'<li class="urgent"><a href="/exams/attempts/{busy.pk}/"><strong>继续答题：答题中的场次</strong></a>'
        in page
    )
    assert f'<a href="/exams/#session-{todo.pk}"><strong>参加考试：待参加的场次</strong></a>' in page
    assert "尚未参加，共 2 次作答机会 · 2026-03-12 09:00 截止" in page
    assert f'<a href="/exams/attempts/{practice.pk}/"><strong>继续练习：每日练习</strong></a>' in page


def test_home_shows_a_failed_session_as_failed_with_what_to_do_next(client, bank, travel):
    user = UserFactory()
    session = open_session("年度学法考试", closes=timedelta(days=10))
    submit(user, start(user, session))

    page = html(logged_in(client, user).get("/"))

    assert (
        f'<li class="urgent"><span class="badge">未通过</span><a href="/exams/#session-{session.pk}">'
        "<strong>再次参加考试：年度学法考试</strong></a>"
    ) in page
    assert "上次最高 0 分，及格线 5 分；先复习错题本，还剩 1 次作答机会" in page
    assert "剩余 1 次作答机会" not in page


def test_navigation_links_my_exams_practice_and_mistakes(client, travel):
    page = html(logged_in(client, UserFactory()).get("/"))

    assert (
        '<a href="/exams/">我的考试</a><a href="/exams/practice/">练习</a><a href="/exams/mistakes/">错题本</a>'
        in page
    )


# ---------------------------------------------------------------- nothing leaks


def test_no_page_shows_a_correct_key_or_an_explanation_while_an_attempt_is_in_progress(client, bank, travel):
    user = UserFactory()
    ExamFactory(title="法律知识练习", kind=ExamKind.PRACTICE, review_policy=ReviewPolicy.AFTER_SUBMIT)
    attempt = start(user, open_session(review_policy=ReviewPolicy.AFTER_SUBMIT, max_attempts=1))
    items = items_of(attempt)
    save(user, attempt, {items[0].pk: wrong(items[0])})
    client = logged_in(client, user)
    secrets = [text for item in items for text in (item.explanation, item.law_reference)]
    assert all(secrets) and len(set(secrets)) == 8

    pages = {
        url: client.get(url, follow=True)
        for url in [
            "/",
            "/exams/",
            f"/exams/attempts/{attempt.pk}/",
            f"/exams/attempts/{attempt.pk}/result/",
            f"/exams/attempts/{attempt.pk}/review/",
            "/exams/mistakes/",
            "/exams/practice/",
        ]
    }

    for url, response in pages.items():
        assert response.status_code == 200, url
        page = html(response)
        assert '"correct"' not in page, url
        assert "correct_keys" not in page, url
        assert '"explanation"' not in page, url
        assert '"law_reference"' not in page, url
        for secret in secrets:
            assert secret not in page, (url, secret)
    # The exam page did render the paper, with the saved answer.
    exam_page = html(pages[f"/exams/attempts/{attempt.pk}/"])
    assert f'name="item-{items[0].pk}" value="{wrong(items[0])[0]}" checked' in exam_page
    assert all(item.stem in exam_page for item in items)
