"""The reports API: the contract's shape, the exports, refusals, and scope for every report and export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from auditlog.models import LogEntry
from docx import Document
from openpyxl import load_workbook

from reports.models import AnnualFiguresSnapshot
from tests.conftest import token_client
from tests.factories import AttemptOutcomeFactory, StudyHoursFactory, UserFactory

from .conftest import YEAR, Bureau

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/participation/"


def sheet_rows(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def test_participation_per_the_contract(known_bureau):
    response = token_client(known_bureau.leader).get(URL, {"session": known_bureau.session.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {
        "eligible": 3,
        "participated": 2,
        "passed": 1,
        "participation_rate": 0.6667,
        "pass_rate": 0.5,
    }
    assert body["departments"][0] == {
        "id": known_bureau.division1.pk,
        "name": "一处",
        "parent": known_bureau.bureau.pk,
        "depth": 2,
        "eligible": 3,
        "participated": 2,
        "passed": 1,
        "participation_rate": 0.6667,
        "pass_rate": 0.5,
    }
    assert [row["name"] for row in body["departments"]] == ["一处", "一科", "二科"]


def test_participation_of_a_year_and_as_a_spreadsheet(known_bureau):
    response = token_client(known_bureau.admin).get(URL, {"year": YEAR, "kind": "annual", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="participation.xlsx"'
    rows = sheet_rows(response.content)
    assert rows[0] == ["单位", "层级", "应考人数", "参考人数", "合格人数", "参考率", "合格率"]
    assert rows[1] == ["市局", 1, 5, 3, 2, "60%", "66.7%"]
    assert rows[-1] == ["合计", None, 5, 3, 2, "60%", "66.7%"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "invalid_report_query"),
        ({"year": "abc"}, 400, "invalid_report_query"),
        ({"session": "999999"}, 404, "session_not_found"),
        ({"year": "2026", "format": "pdf"}, 400, "invalid_report_query"),
    ],
)
def test_bad_queries_are_refused_naming_the_parameter(known_bureau, params, status, code):
    response = token_client(known_bureau.admin).get(URL, params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_staff_are_refused(known_bureau):
    client = token_client(known_bureau.people["a1"])
    for url in [
        URL,
        "/api/v1/reports/study/",
        "/api/v1/reports/annual/",
        "/api/v1/reports/participation/people/",
    ]:
        assert client.get(url, {"session": known_bureau.session.pk}).status_code == 403


def test_a_leader_asking_for_a_department_outside_their_scope_gets_404(known_bureau):
    response = token_client(known_bureau.leader).get(
        "/api/v1/reports/participation/people/",
        {"session": known_bureau.session.pk, "department": known_bureau.division2.pk, "list": "eligible"},
    )
    assert response.status_code == 404
    assert response.json()["code"] == "department_not_found"


def test_people_lists_as_json_and_xlsx(known_bureau):
    client = token_client(known_bureau.leader)
    params = {"session": known_bureau.session.pk, "list": "not_participated"}
    body = client.get("/api/v1/reports/participation/people/", params).json()
    assert [(row["name"], row["department"], row["attempts"]) for row in body] == [("甲三", "一科", 0)]
    rows = sheet_rows(
        client.get("/api/v1/reports/participation/people/", {**params, "format": "xlsx"}).content
    )
    assert rows[0] == ["姓名", "工号", "单位", "作答次数", "最高分"]
    assert [row[0] for row in rows[1:]] == ["甲三"]
    behind = client.get("/api/v1/reports/study/people/", {"year": YEAR, "list": "behind_on_hours"}).json()
    assert [(row["name"], row["hours"], row["required_hours"]) for row in behind] == [
        ("甲二", "12.0", "16.0"),
        ("甲三", "0.0", "16.0"),
    ]


# ---------------------------------------------------------------- scope: every report and every export

OUTSIDER_NAME = "圈外人"


@pytest.fixture
def outsider(known_bureau: Bureau) -> Any:
    """Someone in 二处, outside the leader's 一处, who would show up in every figure and list."""
    person = UserFactory(name=OUTSIDER_NAME, employee_no="OUT-001", department=known_bureau.division2)
    AttemptOutcomeFactory(session=known_bureau.session, candidate=person, passed=False)
    StudyHoursFactory(person=person, year=YEAR, hours="1.0")
    return person


def all_reports(session_id: int) -> list[tuple[str, dict[str, Any]]]:
    requests: list[tuple[str, dict[str, Any]]] = []
    for fmt in ["json", "xlsx"]:
        requests.append((URL, {"session": session_id, "format": fmt}))
        requests.append((URL, {"year": YEAR, "kind": "annual", "format": fmt}))
        requests.append(("/api/v1/reports/study/", {"year": YEAR, "format": fmt}))
        for which in ["not_participated", "failed", "passed", "participated", "eligible"]:
            requests.append(
                (
                    "/api/v1/reports/participation/people/",
                    {"session": session_id, "list": which, "format": fmt},
                )
            )
        for which in ["behind_on_hours", "courses_unfinished"]:
            requests.append(("/api/v1/reports/study/people/", {"year": YEAR, "list": which, "format": fmt}))
    for fmt in ["json", "xlsx", "docx"]:
        requests.append(("/api/v1/reports/annual/", {"year": YEAR, "format": fmt}))
    return requests


def readable(response: Any) -> str:
    kind = response["Content-Type"]
    if "spreadsheet" in kind:
        return "\n".join(" ".join(str(cell) for cell in row) for row in sheet_rows(response.content))
    if "wordprocessing" in kind:
        return docx_text(response.content)
    return response.content.decode()


def test_a_person_outside_the_leaders_scope_is_never_counted_listed_or_exported(known_bureau, outsider):
    # given the leader's answers before the outsider's records existed would be the same: compare
    # every answer with the answer computed for the leader's scope without the outsider
    client = token_client(known_bureau.leader)
    answers = {}
    for url, params in all_reports(known_bureau.session.pk):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        text = readable(response)
        # then the outsider is never named
        assert OUTSIDER_NAME not in text and "OUT-001" not in text, (url, params)
        answers[(url, tuple(sorted(params.items())))] = text
    # and never counted: removing the outsider changes none of the leader's answers
    outsider.is_active = False
    outsider.save(update_fields=["is_active"])
    for url, params in all_reports(known_bureau.session.pk):
        assert readable(client.get(url, params)) == answers[(url, tuple(sorted(params.items())))], (
            url,
            params,
        )
    # while the administrator does count them (the test would notice if the outsider were invisible)
    outsider.is_active = True
    outsider.save(update_fields=["is_active"])
    admin_body = token_client(known_bureau.admin).get(URL, {"session": known_bureau.session.pk}).json()
    assert admin_body["totals"]["eligible"] == 6


def test_annual_figures_sentences_and_publishing(known_bureau):
    admin = token_client(known_bureau.admin)
    body = admin.get("/api/v1/reports/annual/", {"year": YEAR}).json()
    assert body["figures"]["annual_exam"] == {
        "eligible": 5,
        "participated": 3,
        "passed": 2,
        "pass_rate": 0.6667,
    }
    assert "3 名干部职工参加年度学法考试，合格率 66.7%。" in body["sentences"]
    assert body["published"] is None
    # staff and leaders may not publish, and nothing is stored
    assert (
        token_client(known_bureau.leader).post("/api/v1/reports/annual/publish/", {"year": YEAR}).status_code
        == 403
    )
    assert AnnualFiguresSnapshot.objects.count() == 0
    response = admin.post("/api/v1/reports/annual/publish/", {"year": YEAR}, format="json")
    assert response.status_code == 201
    assert response.json()["published"]["published_by"] == "管理员"
    snapshot = AnnualFiguresSnapshot.objects.get()
    entry = LogEntry.objects.get_for_object(snapshot).get()
    assert (entry.actor, entry.action) == (known_bureau.admin, LogEntry.Action.CREATE)
    # a later change does not alter what was published; the recount shows beside it
    AttemptOutcomeFactory(session=known_bureau.session, candidate=known_bureau.people["a3"], passed=True)
    later = admin.get("/api/v1/reports/annual/", {"year": YEAR}).json()
    assert later["published"]["figures"]["annual_exam"]["participated"] == 3
    assert later["figures"]["annual_exam"]["participated"] == 4
    rows = sheet_rows(admin.get("/api/v1/reports/annual/", {"year": YEAR, "format": "xlsx"}).content)
    assert rows[0] == ["项目", "数值", "重新统计", "差异"]
    assert ["年度学法考试参加（人）", "3", "4", "+1"] in rows
    text = docx_text(admin.get("/api/v1/reports/annual/", {"year": YEAR, "format": "docx"}).content)
    assert "3 名干部职工参加年度学法考试，合格率 66.7%。" in text


def test_publishing_a_bad_year_is_refused_and_stores_nothing(known_bureau):
    response = token_client(known_bureau.admin).post(
        "/api/v1/reports/annual/publish/", {"year": 1900}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "year"
    assert AnnualFiguresSnapshot.objects.count() == 0
