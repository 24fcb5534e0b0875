"""The demo staff member sees the unread count in the navigation and the session's reminder in the inbox."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from exams.models import ExamKind, ExamSession
from people.demo import DEMO_PASSWORD
from reminders.models import Notification
from tests.browser.conftest import login
from tests.reminders.conftest import deliver

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_staff_sees_the_unread_count_and_the_session_reminder_in_the_inbox(page, output_dir):
    # given the demo, and the sweep and workers' work done once
    with override_settings(DEBUG=True):  # seed_demo runs only with DEBUG on, as `make run` sets it
        call_command("seed_demo")
    deliver(now=timezone.now())
    mine = Notification.objects.filter(person__username="zhangwei")
    titles = list(mine.values_list("title", flat=True))
    session_titles = [
        f"考试通知：{title}"
        for title in ExamSession.objects.exclude(exam__kind=ExamKind.PRACTICE)
        .filter(opens_at__lte=timezone.now(), closes_at__gt=timezone.now())
        .values_list("title", flat=True)
    ]
    # zhangwei is an enforcement officer: both the annual and the qualification session reach him
    assert sorted(title for title in titles if title.startswith("考试通知")) == sorted(session_titles)

    # when zhangwei logs in
    login(page, "zhangwei", DEMO_PASSWORD)

    # then the navigation shows the unread count, and the inbox the session's reminder
    badge = page.locator("#inbox-unread .badge")
    badge.wait_for()
    assert badge.inner_text() == str(len(titles))
    page.click("a.inbox-link")
    page.wait_for_url("**/reminders/inbox/")
    shown = page.locator("#inbox li strong").all_inner_texts()
    assert sorted(shown) == sorted(titles)
    assert set(session_titles) <= set(shown)
    page.screenshot(path=str(output_dir / "reminders-inbox-zh.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # and marking all read clears the count
    page.get_by_role("button", name="全部标为已读").click()
    page.wait_for_url("**/reminders/inbox/")
    page.locator("#inbox-unread").wait_for(state="attached")
    assert page.locator("#inbox-unread .badge").count() == 0
    assert mine.filter(read_at__isnull=True).count() == 0
