"""The demo enforcement officer passes the demo qualification exam in the browser, sees the credential
granted (by the graded-attempt signal and a real Celery worker), opens the certificate and follows
its QR code's target to the public verification page."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import expect

from credentials import demo as credentials_demo
from credentials.models import Credential
from exams import demo as exams_demo
from exams.models import Attempt, AttemptItem, ExamKind
from lawplatform.celery import app
from people import demo as people_demo
from people.demo import DEMO_PASSWORD

from .conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def answer_everything_right(page, attempt: Attempt) -> None:  # type: ignore[no-untyped-def]
    for item in AttemptItem.objects.filter(attempt=attempt).order_by("position"):
        fieldset = page.locator(f"fieldset.question[data-item='{item.pk}']")
        for key in item.correct:
            fieldset.locator("label.option").filter(has=page.locator(f"input[value='{key}']")).click()


def test_the_demo_officer_passes_and_verifies_the_credential_by_its_qr_code(page, output_dir):
    people_demo.seed()
    exams_demo.seed()
    credentials_demo.seed()
    assert not Credential.objects.filter(holder__username="zhangwei").exists()

    login(page, "zhangwei", DEMO_PASSWORD)
    page.locator("nav").get_by_role("link", name="我的考试").click()
    card = page.locator("article.session", has_text="行政执法资格考试").first
    card.get_by_role("button", name="开始考试").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+/$"))
    attempt = Attempt.objects.get(candidate__username="zhangwei", session__exam__kind=ExamKind.QUALIFICATION)

    answer_everything_right(page, attempt)
    page.wait_for_function(f"() => localStorage.getItem('xuefa:attempt:{attempt.pk}:unsaved') === null")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        page.get_by_role("button", name="交卷", exact=True).click()
        page.get_by_role("button", name="确认交卷").click()
        page.wait_for_url(f"**/exams/attempts/{attempt.pk}/result/")
        expect(page.locator("#verdict")).to_have_text("及格")
        deadline = timezone.now() + timedelta(seconds=30)
        while not Credential.objects.filter(attempt=attempt).exists() and timezone.now() < deadline:
            time.sleep(0.2)

    credential = Credential.objects.get(attempt=attempt)
    assert credential.status == "valid"

    page.goto("/")
    task = page.get_by_role("link", name=f"我的执法资格：{credential.number}")
    expect(task).to_be_visible()
    page.screenshot(path=str(output_dir / "credentials-home.png"), full_page=True)
    task.click()
    expect(page.locator("#may-enforce")).to_have_text("是")
    page.locator("#credential").get_by_role("link", name="查看证书").click()
    expect(page.locator("#holder")).to_have_text("张伟")
    expect(page.locator("#number")).to_have_text(credential.number)
    page.screenshot(path=str(output_dir / "credentials-certificate.png"), full_page=True)

    target = page.locator("#qr").get_attribute("href")
    assert target is not None and target.endswith(f"/verify/{credential.token}/")
    page.context.clear_cookies()  # whoever scans the code is not signed in
    page.goto(target)
    expect(page.locator("#number")).to_have_text(credential.number)
    expect(page.locator("#holder")).to_have_text("张伟")
    expect(page.locator("#status")).to_have_text("有效")
    assert "D0001" not in page.content() and "zhangwei" not in page.content()
    page.screenshot(path=str(output_dir / "credentials-verify.png"), full_page=True)
