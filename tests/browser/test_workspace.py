"""An exam administrator runs an exam day from the workspace, at desktop and phone sizes: schedule a
session (with the preview of the audience and the bank), watch the live board, give a candidate extra
time, read the results and export them — without the Django admin."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from exams import services
from exams.models import Attempt, AttemptExtraTime, AttemptItem, ExamSession, QuestionKind
from tests.browser.conftest import CHROMIUM_ARGS, login  # noqa: F401
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DepartmentFactory,
    ExamFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        accept_downloads=True,
        **SIZES[request.param],
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield request.param, page
    context.close()


def local(moment) -> str:  # type: ignore[no-untyped-def]
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def fits(page, size: str) -> None:  # type: ignore[no-untyped-def]
    width = SIZES[size]["viewport"]["width"]  # type: ignore[index]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_administrator_runs_an_exam_day_from_the_workspace(sized_page, output_dir):
    size, page = sized_page
    # given: a bank that fills the default blueprint, a branch with two officers, and an office
    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory(kind=QuestionKind.MULTIPLE)
    QuestionFactory(kind=QuestionKind.JUDGE)
    exam = ExamFactory(title="2026年度执法人员学法考试", max_attempts=1)
    branch = DepartmentFactory(name="城建监察支队")
    team = DepartmentFactory(name="一大队", parent=branch)
    zhang = UserFactory(username="zhangwei", name="张伟", department=team, is_enforcement_officer=True)
    li = UserFactory(username="lina", name="李娜", department=branch, is_enforcement_officer=True)
    UserFactory(name="王强", department=DepartmentFactory(name="办公室"))
    AdminFactory(username="admin", name="管理员", department=DepartmentFactory(name="政策法规科"))
    login(page, "admin", PASSWORD)

    # The home page leads to the workspace, the workspace to the sessions.
    page.get_by_role("link", name="管理工作台").first.click()
    expect(page.locator("h1")).to_have_text("管理工作台")
    page.screenshot(path=str(output_dir / f"workspace-home-{size}.png"), full_page=True)
    page.locator("a.manage-tile", has_text="考试场次").click()
    page.get_by_role("link", name="安排考试场次").click()

    # Schedule: the preview counts the audience as it is chosen and says the bank can fill the exam.
    now = timezone.now()
    page.select_option("select[name=exam]", str(exam.pk))
    page.fill("input[name=title]", "执法人员学法考试（第一场）")
    page.fill("input[name=opens_at]", local(now - timedelta(minutes=5)))
    page.fill("input[name=closes_at]", local(now + timedelta(hours=2)))
    expect(page.locator("#preview-bank")).to_contain_text("题库足以按")
    expect(page.locator("#preview-audience")).to_have_text("4")
    page.get_by_label("城建监察支队").check()
    expect(page.locator("#preview-audience")).to_have_text("2")
    page.get_by_label("仅限执法人员").check()
    expect(page.locator("#preview-audience")).to_have_text("2")
    fits(page, size)
    page.screenshot(path=str(output_dir / f"workspace-schedule-{size}.png"), full_page=True)
    page.get_by_role("button", name="安排场次").click()

    expect(page.locator(".messages")).to_contain_text("已安排考试场次“执法人员学法考试（第一场）”")
    session = ExamSession.objects.get()
    assert (
        session.exam_id,
        [d.name for d in session.departments.all()],
        session.enforcement_officers_only,
    ) == (
        exam.pk,
        ["城建监察支队"],
        True,
    )
    row = page.locator(f"#session-{session.pk}")
    expect(row.locator(".state")).to_have_text("进行中")
    expect(row.locator(".audience")).to_have_text("2")

    # Two candidates start; the board shows them, and one gets ten more minutes.
    zhang_attempt = services.attempt_start(session_id=session.pk, candidate=zhang, now=timezone.now()).attempt
    li_attempt = services.attempt_start(session_id=session.pk, candidate=li, now=timezone.now()).attempt
    deadline = Attempt.objects.get(pk=zhang_attempt.pk).deadline
    page.reload()
    expect(row.locator(".started")).to_have_text("2")
    row.get_by_role("link", name="现场看板").click()
    expect(page.locator("#started")).to_have_text("2")
    expect(page.locator("#in-progress")).to_have_text("2")
    page.locator(f"#attempt-{zhang_attempt.pk}").get_by_role("link", name="延时").click()
    page.fill("input[name=minutes]", "10")
    page.fill("textarea[name=reason]", "考生电脑故障，更换设备")
    fits(page, size)
    page.screenshot(path=str(output_dir / f"workspace-board-{size}.png"), full_page=True)
    page.get_by_role("button", name="延长时间").click()
    expect(page.locator(".messages")).to_contain_text("已为张伟延长 10 分钟")
    assert Attempt.objects.get(pk=zhang_attempt.pk).deadline == deadline + timedelta(minutes=10)
    assert AttemptExtraTime.objects.get().reason == "考生电脑故障，更换设备"

    # Both submit: 张伟 every answer right, 李娜 nothing.
    right = [
        services.AnswerIn(item=item_id, keys=list(correct))
        for item_id, correct in AttemptItem.objects.filter(attempt=zhang_attempt).values_list("id", "correct")
    ]
    services.attempt_answers_save(
        attempt_id=zhang_attempt.pk, candidate=zhang, answers=right, now=timezone.now()
    )
    services.attempt_submit(attempt_id=zhang_attempt.pk, candidate=zhang, now=timezone.now())
    services.attempt_submit(attempt_id=li_attempt.pk, candidate=li, now=timezone.now())

    # The results, filtered by department, and their export.
    page.goto("/manage/sessions/")
    page.locator(f"#session-{session.pk}").get_by_role("link", name="成绩").click()
    expect(page.locator("#totals")).to_have_text("应考 2 人，已交卷 2 人，通过 1 人。")
    zhang_row = page.locator(f"#candidate-{zhang.pk}")
    expect(zhang_row.locator(".status")).to_have_text("已交卷")
    expect(zhang_row.locator(".score")).to_have_text("8")
    expect(zhang_row.locator(".passed")).to_have_text("通过")
    expect(page.locator(f"#candidate-{li.pk} .passed")).to_have_text("未通过")
    page.select_option("select[name=department]", str(team.pk))
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#totals")).to_have_text("应考 1 人，已交卷 1 人，通过 1 人。")
    fits(page, size)
    page.screenshot(path=str(output_dir / f"workspace-results-{size}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 .xlsx").click()
    assert download.value.suggested_filename == f"results-{session.pk}.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["工号", "姓名", "单位", "状态", "作答次数", "最高分", "是否通过", "用时（分钟）"]
    assert [r[:7] for r in rows[1:]] == [[zhang.employee_no, "张伟", "一大队", "已交卷", 1, 8, "是"]]
    assert re.fullmatch(r"\d+\.\d", rows[1][7])
