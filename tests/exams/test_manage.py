"""The administrators' workspace pages of the exam engine: who may open them, scheduling with its
preview, closing early, extending, results with their export, and law areas. Every refusal changes
nothing."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from openpyxl import load_workbook

from exams import services
from exams.models import Attempt, AttemptItem, ExamSession, LawArea, QuestionKind
from tests.factories import (
    AdminFactory,
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    LeaderFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def bank(db):
    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory(kind=QuestionKind.MULTIPLE)
    QuestionFactory(kind=QuestionKind.JUDGE)


def session_row(session, **kwargs):
    return {
        "exam": session.exam_id,
        "title": session.title,
        "opens_at": "2026-03-03T09:00",
        "closes_at": "2026-03-03T11:00",
        **kwargs,
    }


def page(response) -> str:
    return response.content.decode()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


PAGES = [
    ("get", "/manage/"),
    ("get", "/manage/sessions/"),
    ("get", "/manage/sessions/new/"),
    ("get", "/manage/sessions/preview/"),
    ("get", "/manage/sessions/{session}/extend/"),
    ("get", "/manage/sessions/{session}/results/"),
    ("get", "/manage/sessions/{session}/results/?format=xlsx"),
    ("get", "/manage/law-areas/"),
]
WRITES = [
    ("/manage/sessions/new/", lambda s: session_row(s, title="不该出现的场次")),
    ("/manage/sessions/{session}/close/", lambda s: {}),
    ("/manage/sessions/{session}/extend/", lambda s: {"closes_at": "2026-03-09T09:00"}),
    ("/manage/law-areas/", lambda s: {"name": "建筑法"}),
]


@pytest.mark.parametrize("who", ["staff", "leader"])
def test_the_workspace_is_403_for_everyone_but_exam_administrators_and_their_writes_change_nothing(
    client, travel, bank, who
):
    # given
    session = ExamSessionFactory(opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(hours=2))
    user = UserFactory() if who == "staff" else LeaderFactory(leader_of=[DepartmentFactory()])
    client.force_login(user)
    before = (list(ExamSession.objects.values()), LawArea.objects.count(), LogEntry.objects.count())
    # when / then
    for _method, url in PAGES:
        assert client.get(url.format(session=session.pk)).status_code == 403, url
    for url, data in WRITES:
        assert client.post(url.format(session=session.pk), data(session)).status_code == 403, url
    assert (list(ExamSession.objects.values()), LawArea.objects.count(), LogEntry.objects.count()) == before


def test_strangers_are_sent_to_sign_in(client, travel):
    session = ExamSessionFactory()
    for _method, url in PAGES:
        response = client.get(url.format(session=session.pk))
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_an_administrator_opens_every_page(client, travel, bank):
    # given
    session = ExamSessionFactory()
    client.force_login(AdminFactory())
    # then
    for _method, url in PAGES:
        assert client.get(url.format(session=session.pk)).status_code == 200, url
    home = page(client.get("/manage/"))
    assert 'href="/manage/sessions/"' in home and 'href="/manage/law-areas/"' in home
    assert 'href="/manage/"' in page(client.get("/"))


def test_the_session_list_shows_state_audience_and_participation(client, travel, bank):
    # given
    branch = DepartmentFactory(name="城建监察支队")
    team = DepartmentFactory(name="一大队", parent=branch)
    elsewhere = DepartmentFactory(name="办公室")
    sitting, finished, idle = (
        UserFactory(department=team),
        UserFactory(department=branch),
        UserFactory(department=team),
    )
    UserFactory(department=elsewhere)
    session = ExamSessionFactory(
        title="支队年度考试",
        departments=[branch],
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(hours=3),
    )
    ExamSessionFactory(
        title="下月考试", opens_at=NOW + timedelta(days=30), closes_at=NOW + timedelta(days=31)
    )
    services.attempt_start(session_id=session.pk, candidate=sitting, now=NOW)
    attempt = services.attempt_start(session_id=session.pk, candidate=finished, now=NOW).attempt
    services.attempt_submit(attempt_id=attempt.pk, candidate=finished, now=NOW)
    client.force_login(AdminFactory())
    # when
    html = page(client.get("/manage/sessions/"))
    # then
    row = re.search(rf'<tr id="session-{session.pk}">.*?</tr>', html, re.S).group(0)
    assert re.search(r'class="num audience">3<', row)
    assert re.search(r'class="num started">2<', row)
    assert re.search(r'class="num submitted">1<', row)
    assert "进行中" in row
    assert f'href="/exams/sessions/{session.pk}/board/"' in row
    assert f'href="/manage/sessions/{session.pk}/results/"' in row
    assert "下月考试" in html and "未开始" in html
    assert idle.pk  # eligible, not started: counted in the audience only


def test_scheduling_creates_the_session_for_the_chosen_audience(client, travel, bank):
    # given
    branch = DepartmentFactory(name="城建监察支队")
    exam = ExamFactory(title="执法资格考试")
    admin = AdminFactory()
    client.force_login(admin)
    # when
    response = client.post(
        "/manage/sessions/new/",
        {
            "exam": exam.pk,
            "title": "2026年执法资格考试第一场",
            "opens_at": "2026-03-03T09:00",
            "closes_at": "2026-03-03T11:00",
            "departments": [branch.pk],
            "enforcement_officers_only": "on",
        },
    )
    # then
    assert response.status_code == 302 and response["Location"] == "/manage/sessions/"
    session = ExamSession.objects.get()
    assert session.title == "2026年执法资格考试第一场"
    assert session.exam == exam
    assert session.opens_at == datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    assert session.closes_at == datetime(2026, 3, 3, 3, 0, tzinfo=UTC)
    assert list(session.departments.all()) == [branch]
    assert session.enforcement_officers_only is True
    assert session.created_by == admin


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"closes_at": "2026-03-03T08:00"}, "closes_at", "结束时间必须晚于开始时间。"),
        ({"title": "  "}, "title", ""),
        ({"opens_at": "明天"}, "opens_at", ""),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field_and_creates_nothing(
    client, travel, bank, change, field, message
):
    # given
    exam = ExamFactory()
    client.force_login(AdminFactory())
    row = {"exam": exam.pk, "title": "场次", "opens_at": "2026-03-03T09:00", "closes_at": "2026-03-03T11:00"}
    # when
    response = client.post("/manage/sessions/new/", {**row, **change})
    # then
    assert response.status_code == 400
    errors = re.search(rf'<div class="field" id="field-{field}">.*?</div>', page(response), re.S).group(0)
    assert 'class="field-error"' in errors
    assert message in errors
    assert ExamSession.objects.count() == 0


def test_a_schedule_the_bank_cannot_fill_is_refused_and_the_preview_says_why(client, travel):
    # given: an exam of 2 single, 1 multiple, 1 judge, and a bank of one single question
    QuestionFactory(kind=QuestionKind.SINGLE)
    exam = ExamFactory(title="缺题的考试")
    client.force_login(AdminFactory())
    row = {"exam": exam.pk, "title": "场次", "opens_at": "2026-03-03T09:00", "closes_at": "2026-03-03T11:00"}
    # when
    preview = page(client.get("/manage/sessions/preview/", row))
    response = client.post("/manage/sessions/new/", row)
    # then
    assert "题库不足" in preview
    assert "第 1 条规则" in preview
    assert response.status_code == 400
    assert "第 1 条规则" in page(response)
    assert ExamSession.objects.count() == 0


def test_the_preview_counts_who_the_audience_admits(client, travel, bank):
    # given
    branch = DepartmentFactory(name="城建监察支队")
    team = DepartmentFactory(name="一大队", parent=branch)
    UserFactory(department=branch, is_enforcement_officer=True)
    UserFactory(department=team, is_enforcement_officer=True)
    UserFactory(department=team)
    UserFactory(department=DepartmentFactory(name="办公室"), is_enforcement_officer=True)
    UserFactory(department=team, is_active=False, is_enforcement_officer=True)
    exam = ExamFactory()
    client.force_login(AdminFactory())  # the administrator's own department is one more
    # when
    everyone = page(client.get("/manage/sessions/preview/", {"exam": exam.pk}))
    branch_all = page(client.get("/manage/sessions/preview/", {"departments": [branch.pk]}))
    branch_officers = page(
        client.get(
            "/manage/sessions/preview/", {"departments": [branch.pk], "enforcement_officers_only": "on"}
        )
    )
    # then
    audience = re.compile(r'id="preview-audience">(\d+)<')
    assert audience.search(everyone).group(1) == "5"
    assert audience.search(branch_all).group(1) == "3"
    assert audience.search(branch_officers).group(1) == "2"
    assert "题库足以按" in everyone


def test_closing_early_ends_an_open_session_now_and_is_refused_for_a_closed_one(client, travel, bank):
    # given
    session = ExamSessionFactory(opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(hours=2))
    ended = ExamSessionFactory(opens_at=NOW - timedelta(days=2), closes_at=NOW - timedelta(days=1))
    client.force_login(AdminFactory())
    # when
    closed = client.post(f"/manage/sessions/{session.pk}/close/", follow=True)
    refused = client.post(f"/manage/sessions/{ended.pk}/close/", follow=True)
    # then
    session.refresh_from_db()
    assert session.closes_at == NOW
    assert "已提前结束" in page(closed)
    assert "场次已经结束。" in page(refused)
    assert ExamSession.objects.get(pk=ended.pk).closes_at == NOW - timedelta(days=1)
    assert LogEntry.objects.get_for_object(session).filter(action=LogEntry.Action.UPDATE).count() == 1


def test_closing_a_session_that_has_not_opened_is_refused_and_changes_nothing(client, travel):
    session = ExamSessionFactory(opens_at=NOW + timedelta(hours=1), closes_at=NOW + timedelta(hours=2))
    client.force_login(AdminFactory())
    response = client.post(f"/manage/sessions/{session.pk}/close/", follow=True)
    assert "尚未开始" in page(response)
    assert ExamSession.objects.get(pk=session.pk).closes_at == NOW + timedelta(hours=2)


def test_extending_moves_the_end_later_and_an_earlier_end_is_refused(client, travel, bank):
    # given
    session = ExamSessionFactory(opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(hours=2))
    client.force_login(AdminFactory())
    # when: 11:00 Shanghai is the present end; 10:30 is earlier, 12:30 later
    refused = client.post(f"/manage/sessions/{session.pk}/extend/", {"closes_at": "2026-03-02T10:30"})
    unchanged = ExamSession.objects.get(pk=session.pk).closes_at
    extended = client.post(f"/manage/sessions/{session.pk}/extend/", {"closes_at": "2026-03-02T12:30"})
    # then
    assert refused.status_code == 400
    assert "新的结束时间必须晚于原结束时间。" in page(refused)
    assert unchanged == NOW + timedelta(hours=2)
    assert extended.status_code == 302
    assert ExamSession.objects.get(pk=session.pk).closes_at == NOW + timedelta(hours=3, minutes=30)


def test_results_list_every_candidate_filter_by_department_and_export(client, travel, bank):
    # given
    branch = DepartmentFactory(name="城建监察支队")
    team = DepartmentFactory(name="一大队", parent=branch)
    office = DepartmentFactory(name="办公室")
    passer = UserFactory(name="张伟", employee_no="E1", department=team)
    failer = UserFactory(name="李娜", employee_no="E2", department=office)
    sitting = UserFactory(name="王强", employee_no="E3", department=team)
    absent = UserFactory(name="赵敏", employee_no="E4", department=branch)
    exam = ExamFactory(title="年度学法考试", pass_score=5)
    session = ExamSessionFactory(
        title="年度考试", exam=exam, departments=[branch, office], opens_at=NOW - timedelta(hours=1)
    )
    attempt = services.attempt_start(session_id=session.pk, candidate=passer, now=NOW).attempt
    right = [
        services.AnswerIn(item=item_id, keys=list(correct))
        for item_id, correct in AttemptItem.objects.filter(attempt=attempt).values_list("id", "correct")
    ]
    services.attempt_answers_save(attempt_id=attempt.pk, candidate=passer, answers=right, now=NOW)
    services.attempt_submit(attempt_id=attempt.pk, candidate=passer, now=NOW + timedelta(minutes=25))
    wrong = services.attempt_start(session_id=session.pk, candidate=failer, now=NOW).attempt
    services.attempt_submit(attempt_id=wrong.pk, candidate=failer, now=NOW + timedelta(minutes=3))
    services.attempt_start(session_id=session.pk, candidate=sitting, now=NOW)
    client.force_login(AdminFactory())
    # when
    html = page(client.get(f"/manage/sessions/{session.pk}/results/"))
    filtered = page(client.get(f"/manage/sessions/{session.pk}/results/", {"department": branch.pk}))
    export = client.get(
        f"/manage/sessions/{session.pk}/results/", {"department": branch.pk, "format": "xlsx"}
    )
    # then
    rows = {
        user.name: text_of(re.search(rf'<tr id="candidate-{user.pk}">.*?</tr>', html, re.S).group(0))
        for user in (passer, failer, sitting, absent)
    }
    assert rows == {
        "张伟": "张伟 E1 一大队 已交卷 8 通过 25.0",
        "李娜": "李娜 E2 办公室 已交卷 0 未通过 3.0",
        "王强": "王强 E3 一大队 答题中 — — —",
        "赵敏": "赵敏 E4 城建监察支队 未参加 — — —",
    }
    assert "应考 4 人，已交卷 2 人，通过 1 人。" in text_of(html)
    assert "李娜" not in filtered and "张伟" in filtered
    assert export.status_code == 200
    assert export["Content-Disposition"] == f'attachment; filename="results-{session.pk}.xlsx"'
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["工号", "姓名", "单位", "状态", "作答次数", "最高分", "是否通过", "用时（分钟）"],
        ["E4", "赵敏", "城建监察支队", "未参加", 0, None, "否", None],
        ["E1", "张伟", "一大队", "已交卷", 1, 8, "是", "25.0"],
        ["E3", "王强", "一大队", "答题中", 1, None, "否", None],
    ]
    assert Attempt.objects.get(pk=attempt.pk).score == Decimal("8.0")


def test_the_law_area_page_adds_an_area_and_refuses_a_duplicate_unchanged(client, travel):
    # given
    client.force_login(AdminFactory())
    # when
    added = client.post("/manage/law-areas/", {"name": "建筑法"})
    duplicate = client.post("/manage/law-areas/", {"name": "宪法"})
    blank = client.post("/manage/law-areas/", {"name": ""})
    # then
    assert added.status_code == 302
    assert duplicate.status_code == 400 and "法律领域“宪法”已存在。" in page(duplicate)
    assert blank.status_code == 400 and "名称不能为空。" in page(blank)
    assert LawArea.objects.filter(name="建筑法").count() == 1
    assert LawArea.objects.count() == 10
    assert "建筑法" in page(client.get("/manage/law-areas/"))


def test_the_session_list_links_each_session_s_participation_report(client, travel):
    # given
    session = ExamSessionFactory()
    client.force_login(AdminFactory())
    # when
    html = page(client.get("/manage/sessions/"))
    # then
    row = re.search(rf'<tr id="session-{session.pk}">.*?</tr>', html, re.S).group(0)
    assert f'href="/reports/?session={session.pk}"' in row
    assert client.get(f"/reports/?session={session.pk}").status_code == 200
