"""A staff member takes the annual exam on a phone: autosave, resume after a reload, a failed save
that is kept and sent again, the countdown on the server's clock, submit, and the result."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exams import services
from exams.models import Attempt, AttemptAnswer, AttemptExtraTime, AttemptItem, QuestionKind
from tests.browser.conftest import login
from tests.factories import (
    PASSWORD,
    AdminFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SAVED = re.compile(r"^已保存 \d\d:\d\d:\d\d$")
STEMS = {
    "first": "宪法是国家的根本法，具有最高的法律效力。下列说法正确的是（　）。",
    "second": "国家工作人员就职时应当依照法律规定公开进行宪法宣誓。宣誓的主持者是（　）。",
    "multiple": "下列属于《政府信息公开条例》规定的主动公开方式的有（　）。",
    "judge": "行政机关作出行政处罚决定前，应当告知当事人拟作出的处罚内容及事实、理由、依据。",
}


def annual_exam(**session_fields):
    """The default blueprint (2 single × 2, 1 multiple × 3, 1 judge × 1 = 8, pass 5) over a bank of
    exactly those four questions, so every paper holds the same questions with known keys."""
    QuestionFactory(kind=QuestionKind.SINGLE, stem=STEMS["first"], answer=["B"])
    QuestionFactory(kind=QuestionKind.SINGLE, stem=STEMS["second"], answer=["A"])
    QuestionFactory(kind=QuestionKind.MULTIPLE, stem=STEMS["multiple"], answer=["A", "C"])
    QuestionFactory(kind=QuestionKind.JUDGE, stem=STEMS["judge"], answer=["T"])
    exam = ExamFactory(title="2026年度国家工作人员学法考试")
    return ExamSessionFactory(exam=exam, title="2026年度学法考试（第一场）", **session_fields)


def question(page, name):  # type: ignore[no-untyped-def]
    return page.locator("fieldset.question", has_text=STEMS[name])


def choose(page, name, key):  # type: ignore[no-untyped-def]
    """Tap the option with ``key`` of the question, as a person taps its label."""
    question(page, name).locator("label.option").filter(has=page.locator(f"input[value='{key}']")).click()


def unsaved(page, attempt_id):  # type: ignore[no-untyped-def]
    return page.evaluate(f"() => localStorage.getItem('xuefa:attempt:{attempt_id}:unsaved')")


def wait_until_acknowledged(page, attempt_id):  # type: ignore[no-untyped-def]
    page.wait_for_function(f"() => localStorage.getItem('xuefa:attempt:{attempt_id}:unsaved') === null")
    expect(page.locator("#save-status")).to_have_text(SAVED)


def saved_keys(attempt_id: int) -> dict[str, list[str]]:
    stems = {stem: name for name, stem in STEMS.items()}
    return {
        stems[stem]: keys
        for stem, keys in AttemptAnswer.objects.filter(attempt_id=attempt_id).values_list(
            "item__stem", "keys"
        )
    }


def position_of(attempt_id: int, name: str) -> int:
    return AttemptItem.objects.get(attempt_id=attempt_id, stem=STEMS[name]).position


def test_staff_member_takes_the_annual_exam_end_to_end(page, output_dir):
    UserFactory(username="zhangwei", name="张伟")
    annual_exam()
    login(page, "zhangwei", PASSWORD)

    # The home page lists the exam to take; 我的考试 shows it with a start button.
    expect(page.get_by_text("参加考试：2026年度学法考试（第一场）")).to_be_visible()
    page.locator("nav").get_by_role("link", name="我的考试").click()
    card = page.locator("article.session", has_text="2026年度学法考试（第一场）")
    expect(card.locator(".attempts-left")).to_have_text("2 / 2")
    page.screenshot(path=str(output_dir / "exam-my-exams.png"))
    card.get_by_role("button", name="开始考试").click()

    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    attempt = Attempt.objects.get()
    assert page.url.endswith(f"/exams/attempts/{attempt.pk}/")
    expect(page.locator("h1")).to_have_text("2026年度国家工作人员学法考试")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^(1:00:00|59:[0-5]\d)$"))
    expect(page.locator("#answered-count")).to_have_text("0")

    # Answer two questions; each change is saved and acknowledged.
    choose(page, "first", "B")
    wait_until_acknowledged(page, attempt.pk)
    choose(page, "multiple", "A")
    choose(page, "multiple", "C")
    wait_until_acknowledged(page, attempt.pk)
    expect(page.locator("#answered-count")).to_have_text("2")
    assert saved_keys(attempt.pk) == {"first": ["B"], "multiple": ["A", "C"]}

    # After a reload the page shows the answers the server saved.
    page.reload()
    expect(question(page, "first").locator("input[value='B']")).to_be_checked()
    expect(question(page, "multiple").locator("input[value='A']")).to_be_checked()
    expect(question(page, "multiple").locator("input[value='C']")).to_be_checked()
    expect(question(page, "multiple").locator("input[value='B']")).not_to_be_checked()
    expect(page.locator("#answered-count")).to_have_text("2")
    page.locator("#navigator summary").click()
    first_item = AttemptItem.objects.get(attempt=attempt, stem=STEMS["first"])
    expect(page.locator(f"#nav-{first_item.pk}")).to_have_class("answered")

    # Submitting now asks first, naming the unanswered questions; go back and finish.
    page.get_by_role("button", name="交卷", exact=True).click()
    missing = sorted([position_of(attempt.pk, "second"), position_of(attempt.pk, "judge")])
    expect(page.locator("#submit-summary")).to_have_text(
        f"还有 2 题未作答：第 {missing[0]}、{missing[1]} 题。"
    )
    page.get_by_role("button", name="返回检查").click()
    expect(page.locator("#submit-dialog")).not_to_be_visible()
    choose(page, "second", "B")
    choose(page, "judge", "F")
    wait_until_acknowledged(page, attempt.pk)
    expect(page.locator("#answered-count")).to_have_text("4")
    assert saved_keys(attempt.pk) == {"first": ["B"], "second": ["B"], "multiple": ["A", "C"], "judge": ["F"]}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator("#navigator summary").click()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(output_dir / "exam-taking.png"))

    page.get_by_role("button", name="交卷", exact=True).click()
    expect(page.locator("#submit-summary")).to_have_text("全部 4 题都已作答。")
    page.screenshot(path=str(output_dir / "exam-submit-confirm.png"))
    page.get_by_role("button", name="确认交卷").click()

    # 2 (first) + 0 (second, wrong) + 3 (multiple) + 0 (judge, wrong) = 5 of 8; 5 passes.
    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
    expect(page.locator("#score")).to_have_text("5")
    expect(page.locator("#max-score")).to_have_text("8")
    expect(page.locator("#verdict")).to_have_text("及格")
    expect(page.locator("#review-access")).to_have_text("本考试的全部场次结束后才能查看答案与解析。")
    expect(page.get_by_role("button", name="再次作答（还剩 1 次）")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "exam-result.png"), full_page=True)
    attempt.refresh_from_db()
    assert (attempt.status, str(attempt.score), attempt.passed, attempt.auto_submitted) == (
        "submitted",
        "5.0",
        True,
        False,
    )
    assert unsaved(page, attempt.pk) is None

    # Once the session has closed, the review and the 错题本 show what went wrong.
    services.session_update(session=attempt.session, closes_at=timezone.now())
    page.reload()
    page.get_by_role("link", name="查看答案与解析").click()
    expect(page.locator("article.review-item")).to_have_count(4)
    wrong = page.locator("article.review-item", has_text=STEMS["judge"])
    expect(wrong.locator(".your-keys")).to_have_text("你的答案：错误")
    expect(wrong.locator(".correct-keys")).to_have_text("正确答案：正确")
    page.screenshot(path=str(output_dir / "exam-review.png"))
    page.locator("nav").get_by_role("link", name="错题本").click()
    expect(page.locator("#mistake-count")).to_have_text("共 2 道错题")
    # The correct key A is named by its place among the shuffled options.
    second = AttemptItem.objects.get(attempt_id=attempt.pk, stem=STEMS["second"])
    shown = "ABCD"[[option["key"] for option in second.options].index("A")]
    expect(page.locator("article.mistake", has_text=STEMS["second"]).locator(".correct-keys")).to_have_text(
        f"正确答案：{shown}"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "exam-mistakes.png"))


def test_a_failed_save_warns_and_the_answer_is_sent_again_until_acknowledged(page):
    user = UserFactory(username="lisi")
    session = annual_exam()
    login(page, "lisi", PASSWORD)
    attempt = services.attempt_start(session_id=session.pk, candidate=user, now=timezone.now()).attempt
    calls: list[str] = []

    def refuse_the_first_save(route):  # type: ignore[no-untyped-def]
        calls.append(route.request.method)
        if len(calls) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/v1/attempts/*/answers/", refuse_the_first_save)
    page.goto(f"/exams/attempts/{attempt.pk}/")

    choose(page, "first", "B")

    warning = page.locator("#save-warning")
    expect(warning).to_be_visible()
    position = position_of(attempt.pk, "first")
    expect(warning).to_contain_text(f"第 {position} 题的答案尚未保存到服务器。答案已暂存在本机")
    assert json.loads(unsaved(page, attempt.pk)) == {
        str(AttemptItem.objects.get(attempt=attempt, stem=STEMS["first"]).pk): ["B"]
    }
    # The page sends it again by itself (after two seconds) and the server acknowledges it.
    expect(warning).to_be_hidden()
    wait_until_acknowledged(page, attempt.pk)
    assert calls == ["PUT", "PUT"]
    assert saved_keys(attempt.pk) == {"first": ["B"]}


def test_an_answer_never_acknowledged_is_sent_again_when_the_page_is_opened_again(page):
    user = UserFactory(username="wangwu")
    session = annual_exam()
    login(page, "wangwu", PASSWORD)
    attempt = services.attempt_start(session_id=session.pk, candidate=user, now=timezone.now()).attempt
    page.route("**/api/v1/attempts/*/answers/", lambda route: route.abort("internetdisconnected"))
    page.goto(f"/exams/attempts/{attempt.pk}/")

    choose(page, "multiple", "A")
    expect(page.locator("#save-warning")).to_be_visible()
    expect(page.locator("#save-status")).to_have_text("未保存")
    item = AttemptItem.objects.get(attempt=attempt, stem=STEMS["multiple"])
    assert json.loads(unsaved(page, attempt.pk)) == {str(item.pk): ["A"]}
    assert saved_keys(attempt.pk) == {}

    # The tab is closed while offline; the phone opens the exam again later, back online.
    context = page.context
    page.close()
    again = context.new_page()
    again.goto(f"/exams/attempts/{attempt.pk}/")

    expect(question(again, "multiple").locator("input[value='A']")).to_be_checked()
    wait_until_acknowledged(again, attempt.pk)
    expect(again.locator("#save-warning")).to_be_hidden()
    assert saved_keys(attempt.pk) == {"multiple": ["A"]}


def test_the_countdown_runs_on_the_servers_clock_and_submits_at_zero(page):
    user = UserFactory(username="zhaoliu")
    login(page, "zhaoliu", PASSWORD)
    # The phone's clock is ten minutes fast: going by it alone, the time would already be up.
    page.clock.install(time=timezone.now() + timedelta(minutes=10))
    # The session closes in a few seconds, so that is the attempt's deadline.
    now = timezone.now()
    session = annual_exam(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(seconds=8))
    attempt = services.attempt_start(session_id=session.pk, candidate=user, now=now).attempt
    page.goto(f"/exams/attempts/{attempt.pk}/")

    expect(page.locator("#countdown")).to_have_text(re.compile(r"^00:0[1-8]$"))
    choose(page, "judge", "T")
    wait_until_acknowledged(page, attempt.pk)

    page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/", timeout=20_000)
    attempt.refresh_from_db()
    assert attempt.status == "submitted"
    assert attempt.submitted_at is not None and attempt.submitted_at >= attempt.deadline
    assert (str(attempt.score), attempt.auto_submitted) == ("1.0", False)
    expect(page.locator("#score")).to_have_text("1")


def test_the_board_updates_itself_and_an_administrator_gives_extra_time(page, output_dir):
    AdminFactory(username="admin", name="管理员")
    session = annual_exam()
    first, second = UserFactory(name="张伟"), UserFactory(name="李娜")
    attempt = services.attempt_start(session_id=session.pk, candidate=first, now=timezone.now()).attempt
    login(page, "admin", PASSWORD)
    page.goto(f"/exams/sessions/{session.pk}/board/")
    expect(page.locator("#started")).to_have_text("1")
    expect(page.locator("#in-progress")).to_have_text("1")

    # A second candidate starts: the board shows it without a reload.
    services.attempt_start(session_id=session.pk, candidate=second, now=timezone.now())
    expect(page.locator("#started")).to_have_text("2", timeout=15_000)
    expect(page.locator("table tbody tr")).to_have_count(2)

    page.locator(f"#attempt-{attempt.pk}").get_by_role("link", name="延时").click()
    expect(page.locator("#id_attempt")).to_have_value(str(attempt.pk))
    page.fill("#id_minutes", "10")
    page.fill("#id_reason", "考场网络中断")
    page.get_by_role("button", name="延长时间").click()

    expect(page.locator(".messages li")).to_contain_text("已为张伟延长 10 分钟")
    expect(page.locator(f"#attempt-{attempt.pk}")).to_contain_text("已延长 10 分钟")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "exam-board.png"), full_page=True)
    grant = AttemptExtraTime.objects.get()
    assert (grant.attempt_id, grant.minutes, grant.reason, grant.actor.username) == (
        attempt.pk,
        10,
        "考场网络中断",
        "admin",
    )


def test_extra_time_reaches_the_countdown_with_the_next_saves_answer(page):
    user = UserFactory(username="sunqi")
    login(page, "sunqi", PASSWORD)
    now = timezone.now()
    session = annual_exam(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(minutes=2))
    attempt = services.attempt_start(session_id=session.pk, candidate=user, now=now).attempt
    page.goto(f"/exams/attempts/{attempt.pk}/")
    expect(page.locator("#countdown")).to_have_text(re.compile(r"^0[12]:\d\d$"))

    # An administrator gives 30 minutes; the page has not asked for the attempt since.
    services.attempt_extra_time_grant(
        attempt_id=attempt.pk, minutes=30, reason="考场停电", actor=None, now=timezone.now()
    )
    choose(page, "judge", "T")
    wait_until_acknowledged(page, attempt.pk)

    expect(page.locator("#countdown")).to_have_text(re.compile(r"^3[12]:\d\d$"))
    assert saved_keys(attempt.pk) == {"judge": ["T"]}
