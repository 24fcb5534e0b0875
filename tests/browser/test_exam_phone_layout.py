"""The exam page on a phone with a long paper: every question of the navigator can be reached."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exams import services
from exams.models import QuestionKind
from tests.browser.conftest import login
from tests.factories import PASSWORD, ExamFactory, ExamSessionFactory, QuestionFactory, RuleIn, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PAPER_SIZE = 100


def test_the_navigators_last_row_is_whole_on_a_phone(page, output_dir):
    for number in range(PAPER_SIZE):
        QuestionFactory(kind=QuestionKind.SINGLE, stem=f"第 {number + 1} 道单选题的题干（　）。")
    exam = ExamFactory(rules=[RuleIn(kind=QuestionKind.SINGLE, count=PAPER_SIZE, points=1)], pass_score=60)
    session = ExamSessionFactory(exam=exam)
    person = UserFactory(username="wangfang")
    attempt = services.attempt_start(session_id=session.pk, candidate=person, now=timezone.now()).attempt
    login(page, "wangfang", PASSWORD)

    page.goto(f"/exams/attempts/{attempt.pk}/")
    page.locator("#navigator summary").click()
    grid = page.locator(".nav-grid")
    grid.evaluate("element => { element.scrollTop = element.scrollHeight; }")
    last = page.locator(".nav-grid li").last.locator("a")
    page.screenshot(path=str(output_dir / "exam-navigator-phone.png"))

    grid_box, last_box = grid.bounding_box(), last.bounding_box()
    viewport = page.viewport_size
    assert last.inner_text() == str(PAPER_SIZE)
    assert grid_box is not None and last_box is not None and viewport is not None
    assert last_box["y"] >= grid_box["y"]
    assert last_box["y"] + last_box["height"] <= grid_box["y"] + grid_box["height"]
    assert grid_box["y"] + grid_box["height"] <= viewport["height"]
    last.click()
    assert page.evaluate("location.hash") == f"#q-{PAPER_SIZE}"
