"""Every page of the workspace fits a phone and a desktop screen (screenshots in test-output/), and
the question page previews a key correction in place before anything changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exams import services
from exams.models import AttemptItem, Question, QuestionKind
from tests.browser.conftest import login
from tests.browser.test_workspace import SIZES, sized_page  # noqa: F401
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DepartmentFactory,
    ExamFactory,
    ExamSessionFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_workspace_page_fits_the_screen(sized_page, output_dir):  # noqa: F811
    size, page = sized_page
    # given
    QuestionFactory.create_batch(2, kind=QuestionKind.SINGLE)
    QuestionFactory(kind=QuestionKind.MULTIPLE, category="民法典")
    judge = QuestionFactory(kind=QuestionKind.JUDGE)
    exam = ExamFactory(title="2026年度国家工作人员学法考试")
    ExamSessionFactory(exam=exam, title="2026年度学法考试（第一场）")
    branch = DepartmentFactory(name="城建监察支队")
    UserFactory.create_batch(3, department=DepartmentFactory(name="一大队", parent=branch))
    AdminFactory(username="admin", name="管理员")
    login(page, "admin", PASSWORD)
    width = SIZES[size]["viewport"]["width"]  # type: ignore[index]
    # when / then
    for name, url in [
        ("home", "/manage/"),
        ("sessions", "/manage/sessions/"),
        ("exams", "/manage/exams/"),
        ("exam", f"/manage/exams/{exam.pk}/"),
        ("questions", "/manage/questions/"),
        ("question", f"/manage/questions/{judge.pk}/"),
        ("question-import", "/manage/questions/import/"),
        ("law-areas", "/manage/law-areas/"),
        ("roster", "/manage/people/"),
        ("roster-import", "/manage/people/import/"),
    ]:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
        page.screenshot(path=str(output_dir / f"workspace-{name}-{size}.png"), full_page=True)


def test_a_key_correction_is_previewed_in_place_and_changes_nothing_until_confirmed(page, output_dir):
    # given: a true/false question (key T) in one submitted paper answered T
    question = QuestionFactory(kind=QuestionKind.JUDGE)
    exam = ExamFactory(rules=[services.RuleIn(kind=QuestionKind.JUDGE, count=1, points=2)], pass_score=2)
    now = timezone.now()
    session = ExamSessionFactory(exam=exam, opens_at=now - timedelta(hours=1))
    candidate = UserFactory()
    attempt = services.attempt_start(session_id=session.pk, candidate=candidate, now=now).attempt
    item = AttemptItem.objects.get(attempt=attempt)
    services.attempt_answers_save(
        attempt_id=attempt.pk,
        candidate=candidate,
        answers=[services.AnswerIn(item=item.pk, keys=["T"])],
        now=now,
    )
    services.attempt_submit(attempt_id=attempt.pk, candidate=candidate, now=now)
    AdminFactory(username="admin")
    login(page, "admin", PASSWORD)
    # when
    page.goto(f"/manage/questions/{question.pk}/")
    form = page.locator("#correction-form")
    form.locator("input[name=answer]").fill("F")
    form.get_by_role("button", name="预览影响").click()
    # then
    expect(page.locator("#correction-preview")).to_contain_text(
        "将重新评分 1 份已交答卷，其中 1 份成绩会改变。"
    )
    expect(page.locator("#correction-preview")).to_contain_text("2.0 → 0.0")
    page.screenshot(path=str(output_dir / "workspace-correction-preview-phone.png"), full_page=True)
    assert Question.objects.get(pk=question.pk).answer == ["T"]
    # when
    page.locator("#correction-form textarea[name=reason]").fill("判断题答案有误")
    page.locator("#correction-form").get_by_role("button", name="更正并重新评分").click()
    # then
    expect(page.locator(".messages")).to_contain_text("已更正答案：重新评分 1 份答卷，1 份成绩有变化。")
    assert Question.objects.get(pk=question.pk).answer == ["F"]
