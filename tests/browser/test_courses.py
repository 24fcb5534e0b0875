"""Reading a lesson on a phone until it completes, the hours in the ledger, signing in by the
QR link, and the monthly 会前学法 check."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from courses.models import ActivityAttendance, LessonProgress, StudyHoursEntry
from courses.services import activity_sign_in_open
from tests.browser.conftest import login
from tests.factories import (
    PASSWORD,
    AdminFactory,
    ConstitutionCourseFactory,
    LessonFactory,
    StudyActivityFactory,
    StudyPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_member_reads_a_lesson_until_it_completes_and_sees_the_hours_in_the_ledger(page, output_dir):
    person = UserFactory(username="zhangwei", name="张伟")
    course = ConstitutionCourseFactory(title="中华人民共和国宪法", study_hours=Decimal("3.0"))
    lesson = LessonFactory(course=course, title="依法治国与宪法宣誓", min_study_seconds=2)
    StudyPlanFactory(courses=[course], required_hours=Decimal("12"))
    login(page, "zhangwei", PASSWORD)

    # The home page lists the unfinished required course.
    assert page.get_by_text("学习《中华人民共和国宪法》").is_visible()

    with time_machine.travel(timezone.now(), tick=True) as traveller:
        page.goto(f"/courses/lessons/{lesson.pk}/")
        assert page.locator("h1").inner_text() == "依法治国与宪法宣誓"
        # The first heartbeat starts the clock.
        page.wait_for_selector("#lesson[data-beats='1']")
        assert page.locator("#lesson-status").inner_text() == "已学习 0 秒，至少需要 2 秒，并读到末尾。"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(output_dir / "lesson-reading.png"), full_page=False)

        # Five seconds of reading pass on the server's clock; then the reader scrolls to the end.
        traveller.shift(5)
        page.locator("#lesson-end").scroll_into_view_if_needed()
        status = page.locator("#lesson-status")
        status.filter(has_text="整门课程也已学完").wait_for()

    assert status.inner_text() == "本章已学完，整门课程也已学完，学时已记入台账。"
    progress = LessonProgress.objects.get(user=person, lesson=lesson)
    assert progress.completed_at is not None and progress.seconds_spent >= 5

    page.goto("/courses/my/")
    assert page.locator("#hours-earned").inner_text() == "3.0"
    ledger = page.locator("#ledger")
    assert ledger.get_by_text("中华人民共和国宪法").is_visible()
    assert "3.0" in ledger.locator("tbody tr").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "my-study-hours.png"), full_page=True)
    assert list(StudyHoursEntry.objects.filter(person=person).values_list("hours", flat=True)) == [
        Decimal("3.0")
    ]


def test_the_page_beats_only_while_visible_and_the_reader_active(page):
    UserFactory(username="lisi")
    # 3,000 characters take ten minutes to read, so the lesson stays open through the whole test.
    lesson = LessonFactory(min_study_seconds=600, body="\n\n".join(["宪法是国家的根本法。" * 30] * 10))
    login(page, "lisi", PASSWORD)
    beats = []
    page.on("request", lambda request: beats.append(request) if request.url.endswith("/heartbeat/") else None)
    settled = "#lesson[data-in-flight='false']"
    # The browser's own clock, so that minutes of idling pass in an instant.
    page.clock.install()
    page.goto(f"/courses/lessons/{lesson.pk}/")
    page.wait_for_selector("#lesson[data-beats='1']" + settled)

    # The reader's minute of activity passes, then they leave the tab alone.
    page.clock.run_for(2 * 60 * 1000)
    page.wait_for_selector(settled)
    after_first_minute = len(beats)
    assert 1 < after_first_minute <= 1 + 60 // 15
    page.clock.run_for(10 * 60 * 1000)
    page.wait_for_selector(settled)
    assert len(beats) == after_first_minute

    # They scroll again: the next interval beats.
    page.mouse.wheel(0, 300)
    with page.expect_request(lambda request: request.url.endswith("/heartbeat/")):
        page.clock.run_for(16 * 1000)
    page.wait_for_selector(settled)
    active_again = len(beats)

    # A hidden tab does not beat, however active the reader was a moment ago.
    page.evaluate("Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true})")
    page.mouse.wheel(0, 300)
    page.clock.run_for(60 * 1000)
    page.wait_for_selector(settled)
    assert len(beats) == active_again
    # Twelve minutes on the browser's clock, seconds on the server's: at most the real time is credited.
    assert LessonProgress.objects.get(lesson=lesson).seconds_spent < 60


def test_staff_member_signs_in_to_an_activity_through_the_qr_link(page):
    UserFactory(username="wangfang", name="王芳")
    activity = StudyActivityFactory(
        title="法治讲堂：民法典物权编", kind="lecture", meeting="", speaker="陈律师", topic="民法典"
    )
    sign_in = activity_sign_in_open(activity=activity, actor=AdminFactory(), now=timezone.now())
    login(page, "wangfang", PASSWORD)
    page.goto(f"/courses/sign-in/{sign_in.token}/")
    page.get_by_role("button", name="王芳，确认签到").click()
    assert page.locator("#signed-in").inner_text() == "你已签到，本次活动记 1.0 学时。"
    assert ActivityAttendance.objects.filter(activity=activity).count() == 1


def test_admin_sees_the_months_without_a_pre_meeting_study(page, output_dir):
    AdminFactory(username="admin")
    last_year = timezone.localdate().year - 1
    for month in range(1, 13):
        if month != 8:
            StudyActivityFactory(held_on=date(last_year, month, 6), speaker=f"{month}月主讲人")
    login(page, "admin", PASSWORD)
    page.get_by_role("link", name="会前学法检查").click()
    page.goto(f"/courses/pre-meeting-check/?year={last_year}")
    assert page.locator("#missing-summary").inner_text() == "未开展：8 月"
    assert page.locator("[data-month='8']").get_attribute("data-state") == "missing"
    assert page.locator("[data-month='7']").inner_text().count("7月主讲人") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "pre-meeting-check.png"), full_page=True)
