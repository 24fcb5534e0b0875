"""Exams with their blueprints, sessions, and who is eligible for which session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exams import services
from exams.eligibility import (
    eligible_candidates,
    is_eligible,
    session_eligible_q,
    user_department_path_in_query,
)
from exams.errors import GradingLocked
from exams.models import Attempt, Exam, ExamRule, ExamSession, LawArea, QuestionKind
from people.models import User
from tests.conftest import token_client
from tests.exams.conftest import field_named, graded_exam
from tests.factories import (
    AdminFactory,
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    RuleIn,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
RETAKE_AFTER_SUBMIT = "允许多次作答的正式考试不能交卷后即查看答案，请选择场次结束后可查看或不可查看。"
EXAM = {
    "title": "2026年度学法考试",
    "kind": "annual",
    "duration_minutes": 60,
    "pass_score": 6,
    "max_attempts": 2,
    "review_policy": "after_close",
    "rules": [
        {"kind": "single", "category": "宪法", "count": 2, "points": 2},
        {"kind": "judge", "count": 4, "points": 1},
    ],
}


def test_admin_creates_an_exam_with_nested_rules():
    client = token_client(AdminFactory())

    response = client.post("/api/v1/exams/", EXAM, format="json")

    assert response.status_code == 201, response.json()
    exam = Exam.objects.get()
    assert response.json() == {
        "id": exam.id,
        "title": "2026年度学法考试",
        "kind": "annual",
        "duration_minutes": 60,
        "pass_score": 6,
        "max_attempts": 2,
        "review_policy": "after_close",
        "shuffle_options": True,
        "partial_credit": False,
        "listed_in_practice": True,
        "validity_years": 3,
        "max_score": 8,
        "rules": [
            {"kind": "single", "category": "宪法", "count": 2, "points": 2},
            {"kind": "judge", "category": "", "count": 4, "points": 1},
        ],
        "created_at": response.json()["created_at"],
    }
    assert client.get(f"/api/v1/exams/{exam.id}/").json() == response.json()
    assert client.get("/api/v1/exams/").json()["results"] == [response.json()]


@pytest.mark.parametrize(
    ("overrides", "field", "detail"),
    [
        ({"pass_score": 9}, "pass_score", "及格分应在 1 到满分 8 之间。"),
        ({"rules": []}, "rules", "rules: 列表不能为空。"),
        (
            {"kind": "practice", "review_policy": "never"},
            "review_policy",
            "练习卷交卷后即可查看答案与解析（after_submit）。",
        ),
        (
            {"rules": [{"kind": "single", "count": 0, "points": 1}]},
            "rules",
            "rules.count: 请确保该值大于或者等于 1。",
        ),
        ({"review_policy": "after_submit"}, "review_policy", RETAKE_AFTER_SUBMIT),
        (
            {"kind": "qualification", "review_policy": "after_submit", "max_attempts": 3},
            "review_policy",
            RETAKE_AFTER_SUBMIT,
        ),
    ],
)
def test_an_exam_that_breaks_a_rule_is_refused_and_nothing_is_stored(overrides, field, detail):
    response = token_client(AdminFactory()).post("/api/v1/exams/", {**EXAM, **overrides}, format="json")

    assert response.status_code == 400
    assert (field_named(response.json()), response.json()["detail"]) == (field, detail)
    assert Exam.objects.count() == ExamRule.objects.count() == 0


@pytest.mark.parametrize(("kind", "max_attempts"), [("practice", 3), ("annual", 1), ("qualification", 1)])
def test_after_submit_review_is_allowed_where_no_retake_can_follow_it(kind, max_attempts):
    response = token_client(AdminFactory()).post(
        "/api/v1/exams/",
        {**EXAM, "kind": kind, "review_policy": "after_submit", "max_attempts": max_attempts},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["review_policy"], response.json()["max_attempts"]) == (
        kind,
        "after_submit",
        max_attempts,
    )


@pytest.mark.parametrize(
    ("change", "field", "label"),
    [
        ({"pass_score": 6}, "pass_score", "及格分"),
        ({"partial_credit": True}, "partial_credit", "多选题少选得半分"),
    ],
)
def test_how_an_exam_grades_cannot_change_once_an_attempt_is_submitted(change, field, label):
    exam = graded_exam(now=NOW)
    before = Exam.objects.values().get(pk=exam.pk)

    with pytest.raises(GradingLocked) as refused:
        services.exam_update(exam=exam, **change)

    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "grading_locked",
        field,
        f"本试卷已有考生交卷，不能再修改“{label}”：已评定的成绩和是否及格会与新设置不符。",
    )
    assert Exam.objects.values().get(pk=exam.pk) == before
    graded = Attempt.objects.get(status="submitted")
    assert (graded.score, graded.passed) == (Decimal("5.0"), True)


def test_an_exam_without_a_submitted_attempt_takes_a_new_pass_score_and_a_graded_one_a_new_title():
    fresh = ExamFactory()
    graded = graded_exam(now=NOW)

    services.exam_update(exam=fresh, pass_score=6, partial_credit=True)
    services.exam_update(exam=graded, title="2026年度学法考试（修订）", pass_score=5, partial_credit=False)

    assert Exam.objects.values_list("pass_score", "partial_credit").get(pk=fresh.pk) == (6, True)
    assert Exam.objects.values_list("title", "pass_score").get(pk=graded.pk) == (
        "2026年度学法考试（修订）",
        5,
    )


def test_exams_and_sessions_are_written_by_administrators_only():
    exam = ExamFactory()
    staff = token_client(UserFactory())

    assert staff.post("/api/v1/exams/", EXAM, format="json").status_code == 403
    assert staff.get("/api/v1/exams/").status_code == 403
    response = staff.post(
        "/api/v1/exam-sessions/",
        {
            "exam": exam.id,
            "title": "x",
            "opens_at": NOW.isoformat(),
            "closes_at": (NOW + timedelta(days=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 403
    assert ExamSession.objects.count() == 0


def session_payload(exam, **overrides):
    return {
        "exam": exam.id,
        "title": "2026年度学法考试（第一场）",
        "opens_at": "2026-03-02T09:00:00+08:00",
        "closes_at": "2026-03-09T18:00:00+08:00",
        "departments": [],
        "enforcement_officers_only": False,
        **overrides,
    }


def test_admin_schedules_a_session_and_it_is_audited():
    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory.create_batch(4, kind=QuestionKind.JUDGE)
    exam = services.exam_create(
        title="年度",
        kind="annual",
        duration_minutes=60,
        pass_score=6,
        rules=[RuleIn(**r) for r in EXAM["rules"]],
    )
    division = DepartmentFactory(name="城建监察支队")
    admin = AdminFactory()

    with time_machine.travel(NOW, tick=False):
        response = token_client(admin).post(
            "/api/v1/exam-sessions/",
            session_payload(exam, departments=[division.id], enforcement_officers_only=True),
            format="json",
        )

    assert response.status_code == 201, response.json()
    session = ExamSession.objects.get()
    body = response.json()
    assert (body["id"], body["title"], body["departments"], body["enforcement_officers_only"]) == (
        session.id,
        "2026年度学法考试（第一场）",
        [division.id],
        True,
    )
    assert (body["opens_at"], body["closes_at"], body["state"], body["eligible"]) == (
        "2026-03-02T09:00:00+08:00",
        "2026-03-09T18:00:00+08:00",
        "open",
        False,
    )
    assert body["exam"] == {
        "id": exam.id,
        "title": "年度",
        "kind": "annual",
        "duration_minutes": 60,
        "pass_score": 6,
        "max_score": 8,
        "max_attempts": 1,
        "review_policy": "after_close",
    }
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(ExamSession),
        object_id=session.id,
        action=LogEntry.Action.CREATE,
    )
    assert entry.actor == admin


def test_a_session_the_bank_cannot_fill_is_refused_naming_the_rule():
    QuestionFactory(kind=QuestionKind.SINGLE)
    QuestionFactory.create_batch(4, kind=QuestionKind.JUDGE)
    QuestionFactory(kind=QuestionKind.JUDGE, is_active=False)
    exam = services.exam_create(
        title="年度",
        kind="annual",
        duration_minutes=60,
        pass_score=6,
        rules=[RuleIn(**r) for r in EXAM["rules"]] + [RuleIn(kind="judge", count=1, points=1)],
    )

    response = token_client(AdminFactory()).post(
        "/api/v1/exam-sessions/", session_payload(exam), format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "bank_insufficient"
    assert response.json()["detail"] == (
        "题库不足以按该试卷组卷：第 1 条规则（单选 · 宪法 · 2 题）：共需 2 道，题库中只有 1 道启用的题；"
        "第 2 条规则（判断 · 不限分类 · 4 题）：共需 5 道，题库中只有 4 道启用的题。"
    )
    assert ExamSession.objects.count() == 0


def test_rules_with_and_without_a_category_share_the_kind_s_pool():
    QuestionFactory.create_batch(3, kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION)
    QuestionFactory.create_batch(1, kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE)
    rules = [
        RuleIn(kind="single", category=LawArea.CONSTITUTION, count=3, points=1),
        RuleIn(kind="single", count=2, points=1),
    ]
    exam = services.exam_create(title="x", kind="annual", duration_minutes=10, pass_score=1, rules=rules)

    assert services.exam_bank_shortfalls(exam) == [
        "第 2 条规则（单选 · 不限分类 · 2 题）：共需 5 道，题库中只有 4 道启用的题"
    ]
    QuestionFactory(kind=QuestionKind.SINGLE, category=LawArea.CIVIL_CODE)
    assert services.exam_bank_shortfalls(exam) == []


def test_a_window_that_closes_before_it_opens_is_refused_naming_the_field():
    exam = ExamFactory()

    response = token_client(AdminFactory()).post(
        "/api/v1/exam-sessions/", session_payload(exam, closes_at="2026-03-02T08:59:00+08:00"), format="json"
    )

    assert response.status_code == 400
    assert (response.json()["field"], response.json()["detail"]) == (
        "closes_at",
        "结束时间必须晚于开始时间。",
    )
    assert ExamSession.objects.count() == 0


def test_patch_moves_the_window_and_refuses_an_empty_one():
    session = ExamSessionFactory()
    client = token_client(AdminFactory())

    moved = client.patch(
        f"/api/v1/exam-sessions/{session.id}/", {"closes_at": "2030-01-01T00:00:00+08:00"}, format="json"
    )
    refused = client.patch(
        f"/api/v1/exam-sessions/{session.id}/", {"closes_at": "2000-01-01T00:00:00+08:00"}, format="json"
    )

    assert moved.status_code == 200
    assert refused.status_code == 400
    session.refresh_from_db()
    assert session.closes_at == datetime(2029, 12, 31, 16, 0, tzinfo=UTC)


# Eligibility


def tree():
    bureau = DepartmentFactory(name="局")
    division = DepartmentFactory(name="支队", parent=bureau)
    section = DepartmentFactory(name="一大队", parent=division)
    office = DepartmentFactory(name="办公室", parent=bureau)
    return bureau, division, section, office


def test_eligibility_follows_subtrees_officers_and_activity():
    _bureau, division, section, office = tree()
    officer_in_section = UserFactory(department=section, is_enforcement_officer=True)
    clerk_in_section = UserFactory(department=section)
    officer_in_office = UserFactory(department=office, is_enforcement_officer=True)
    inactive_officer = UserFactory(department=section, is_enforcement_officer=True, is_active=False)
    nobody = UserFactory(department=None)
    everyone = ExamSessionFactory()
    division_only = ExamSessionFactory(departments=[division])
    officers = ExamSessionFactory(departments=[division], enforcement_officers_only=True)

    expected = {
        everyone: {officer_in_section, clerk_in_section, officer_in_office, nobody},
        division_only: {officer_in_section, clerk_in_section},
        officers: {officer_in_section},
    }
    for session, people in expected.items():
        assert set(eligible_candidates(session)) == people
        for person in (officer_in_section, clerk_in_section, officer_in_office, inactive_officer, nobody):
            assert is_eligible(person, session) == (person in people)


def test_staff_see_the_sessions_they_are_eligible_for_with_their_status():
    _bureau, division, section, office = tree()
    QuestionFactory.create_batch(4, kind=QuestionKind.SINGLE)
    QuestionFactory.create_batch(2, kind=QuestionKind.MULTIPLE)
    QuestionFactory.create_batch(2, kind=QuestionKind.JUDGE)
    user = UserFactory(department=section)
    with time_machine.travel(NOW, tick=False):
        mine = ExamSessionFactory(title="支队场次", departments=[division], exam=ExamFactory(max_attempts=2))
        ExamSessionFactory(title="办公室场次", departments=[office])
        later = ExamSessionFactory(title="下月场次", opens_at=NOW + timedelta(days=30))
        client = token_client(user)
        attempt = client.post(f"/api/v1/exam-sessions/{mine.id}/attempts/").json()
        client.put(
            f"/api/v1/attempts/{attempt['id']}/answers/",
            {"answers": [{"item": attempt["items"][3]["id"], "keys": ["T"]}]},
            format="json",
        )
        client.post(f"/api/v1/attempts/{attempt['id']}/submit/")
        second = client.post(f"/api/v1/exam-sessions/{mine.id}/attempts/").json()

        response = client.get("/api/v1/exam-sessions/")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == ["下月场次", "支队场次"]
    assert (rows[0]["id"], rows[0]["state"], rows[0]["my_status"]) == (
        later.id,
        "upcoming",
        {
            "attempts_used": 0,
            "attempts_left": 2,
            "best_score": None,
            "passed": False,
            "in_progress_attempt": None,
        },
    )
    assert rows[1]["my_status"] == {
        "attempts_used": 2,
        "attempts_left": 0,
        "best_score": 1.0,
        "passed": False,
        "in_progress_attempt": second["id"],
    }
    assert client.get(f"/api/v1/exam-sessions/{mine.id}/").json()["my_status"]["attempts_used"] == 2
    office_session = ExamSession.objects.get(title="办公室场次")
    assert client.get(f"/api/v1/exam-sessions/{office_session.id}/").status_code == 404


def test_best_score_across_attempts_decides_pass():
    QuestionFactory.create_batch(4, kind=QuestionKind.SINGLE)
    QuestionFactory.create_batch(2, kind=QuestionKind.MULTIPLE)
    QuestionFactory.create_batch(2, kind=QuestionKind.JUDGE)
    session = ExamSessionFactory(exam=ExamFactory(max_attempts=2, pass_score=5))
    user = UserFactory()
    client = token_client(user)
    from tests.exams.conftest import correct_payload

    first = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    client.put(
        f"/api/v1/attempts/{first['id']}/answers/", {"answers": correct_payload(first["id"])}, format="json"
    )
    client.post(f"/api/v1/attempts/{first['id']}/submit/")
    second = client.post(f"/api/v1/exam-sessions/{session.id}/attempts/").json()
    client.post(f"/api/v1/attempts/{second['id']}/submit/")

    status = client.get("/api/v1/exam-sessions/").json()["results"][0]["my_status"]
    assert (status["best_score"], status["passed"], status["attempts_left"]) == (8.0, True, 0)


def test_administrators_list_every_session_with_their_own_eligibility():
    _bureau, division, _section, office = tree()
    admin = AdminFactory(department=office)
    ExamSessionFactory(title="支队场次", departments=[division])
    ExamSessionFactory(title="办公室场次", departments=[office])
    client = token_client(admin)

    rows = client.get("/api/v1/exam-sessions/").json()["results"]
    mine = client.get("/api/v1/exam-sessions/?eligible=true").json()["results"]

    assert sorted((row["title"], row["eligible"]) for row in rows) == [
        ("办公室场次", True),
        ("支队场次", False),
    ]
    assert [row["title"] for row in mine] == ["办公室场次"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    audience=st.lists(st.integers(min_value=0, max_value=5), max_size=3),
    officers_only=st.booleans(),
    people=st.lists(
        st.tuples(st.integers(min_value=-1, max_value=5), st.booleans(), st.booleans()),
        min_size=1,
        max_size=6,
    ),
)
def test_both_directions_of_eligibility_agree(db, audience, officers_only, people):
    """session_eligible_q (sessions for a user) and eligible_candidates (users for a session) agree."""
    ExamSession.objects.all().delete()
    User.objects.all().delete()
    root = DepartmentFactory()
    departments = [root]
    for index in range(5):
        departments.append(DepartmentFactory(parent=departments[index // 2]))
    session = ExamSessionFactory(
        departments=[departments[i] for i in audience], enforcement_officers_only=officers_only
    )
    users = [
        UserFactory(
            department=departments[d] if d >= 0 else None, is_enforcement_officer=officer, is_active=active
        )
        for d, officer, active in people
    ]
    by_session = set(eligible_candidates(session))
    by_user = {
        user for user in users if ExamSession.objects.filter(session_eligible_q(user), pk=session.pk).exists()
    }
    # The department path read inside the statement (a start's claim), not before it.
    by_user_in_query = {
        user
        for user in User.objects.filter(pk__in=[user.pk for user in users])
        if ExamSession.objects.filter(
            session_eligible_q(user, department_path=user_department_path_in_query(user)), pk=session.pk
        ).exists()
    }
    assert by_session == by_user == by_user_in_query


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_session_list_and_the_board_cost_a_fixed_number_of_statements(sessions):
    from tests.exams.conftest import statements

    division = DepartmentFactory()
    user = UserFactory(department=division)
    made = [ExamSessionFactory(departments=[division]) for _n in range(sessions)]
    client, admin = token_client(user), token_client(AdminFactory())

    with statements() as listing:
        assert len(client.get("/api/v1/exam-sessions/").json()["results"]) == sessions
    with statements() as board:
        assert admin.get(f"/api/v1/exam-sessions/{made[0].id}/board/").status_code == 200

    # token+user, overdue attempts to submit, exam-admin group, department path, sessions,
    # my attempts, departments
    assert len(listing) == 7, listing.sql
    # token+user, exam-admin group, session, its departments, eligible count, counts, attempts in progress
    assert len(board) == 7, board.sql


def test_a_session_window_outside_sensible_years_is_refused_naming_the_field():
    from common.errors import ValidationFailed
    from exams.models import ExamSession
    from exams.services import session_schedule
    from tests.factories.exams import ExamFactory

    exam = ExamFactory()
    before = ExamSession.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        session_schedule(
            exam=exam,
            title="x",
            opens_at=datetime(370, 2, 28, tzinfo=UTC),
            closes_at=datetime(2026, 12, 1, tzinfo=UTC),
        )
    assert (refused.value.field, refused.value.message) == ("opens_at", "时间应在 2000 年至 2100 年之间。")
    assert ExamSession.objects.count() == before
