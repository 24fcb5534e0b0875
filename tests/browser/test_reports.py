"""The demo leader's dashboard in a phone's browser: charts for their division only (credentials
included), the drill-down to the named people who have not taken part, and the .xlsx and .docx
downloads opened and checked."""

from __future__ import annotations

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from courses import demo as courses_demo
from credentials import demo as credentials_demo
from exams import demo as exams_demo
from people import demo as people_demo
from people.models import Department, User
from reports import demo as reports_demo
from reports import selectors
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_leader_reads_drills_down_and_downloads(page, output_dir):
    # given the demo bureau with its exams sat in part
    people_demo.seed()
    exams_demo.seed()
    courses_demo.seed()
    credentials_demo.seed()
    reports_demo.seed()
    leader = User.objects.get(username="leader")
    scope = selectors.report_scope(leader)
    section = Department.objects.get(name="一大队")
    cohort = selectors.cohort_for(year=timezone.localdate().year)
    absent = [
        person.display_name
        for person in selectors.participation_people(
            scope=scope, cohort=cohort, which="not_participated", department=section
        )
    ]
    assert absent
    taken = selectors.participation_report(scope=scope, cohort=cohort).totals.participated

    # when the leader opens 报表
    login(page, "leader", people_demo.DEMO_PASSWORD)
    page.get_by_role("link", name="报表").first.click()
    page.wait_for_url("**/reports/**")

    # then the charts are drawn, for their division only
    page.wait_for_selector("#chart-rates[data-drawn=true]")
    page.wait_for_selector("#chart-timeline[data-drawn=true]")
    page.wait_for_selector("#chart-hours[data-drawn=true]")
    page.wait_for_selector("#chart-credentials[data-drawn=true]")
    credentials = selectors.credential_report(scope=scope, today=timezone.localdate()).totals
    assert page.locator("#credentials-suspended").inner_text() == str(credentials.suspended) == "1"
    assert page.locator("#credentials-review-failed").inner_text() == str(credentials.review_failed) == "1"
    rows = page.locator("#participation-table tbody tr td:first-child").all_inner_texts()
    assert rows == ["城建监察支队"]
    body = page.locator("main").inner_text()
    assert "办公室" not in body and "建筑业管理处" not in body
    assert page.locator("#participated").inner_text() == str(taken)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(output_dir / "reports-dashboard-leader.png"), full_page=True)

    # drilling down: the division, then 一大队's people who have not taken part
    page.get_by_role("link", name="城建监察支队").first.click()
    page.wait_for_selector(f"#participation-table tbody tr[data-department='{section.pk}']")
    page.locator(f"tr[data-department='{section.pk}'] a", has_text="人未参考").click()
    page.wait_for_selector("#people-table")
    names = page.locator("#people-table tbody tr td:first-child").all_inner_texts()
    assert names == absent
    page.screenshot(path=str(output_dir / "reports-not-participated.png"), full_page=True)

    # the list downloads as .xlsx with the same names
    with page.expect_download() as download:
        page.click("#export-people")
    assert download.value.suggested_filename == "participation-not_participated.xlsx"
    workbook = load_workbook(download.value.path().open("rb"), read_only=True)
    sheet_rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in sheet_rows[1:]] == absent

    # the year's figures download as .docx with the sentence of the summary, and as .xlsx
    page.goto("/reports/annual/")
    with page.expect_download() as download:
        page.click("#export-docx")
    assert download.value.suggested_filename.endswith(".docx")
    document = Document(str(download.value.path()))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert f"{taken} 名干部职工参加年度学法考试" in text
    with page.expect_download() as download:
        page.click("#export-xlsx")
    figures = load_workbook(download.value.path().open("rb"), read_only=True).worksheets[0]
    assert ("年度学法考试参加（人）", str(taken)) in [
        tuple(row[:2]) for row in figures.iter_rows(values_only=True)
    ]
