"""The reports API: the contract's shape, the exports, refusals, and scope for every report and export."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from credentials import services as credential_services
from reports.models import AnnualFiguresSnapshot
from tests.conftest import token_client
from tests.factories import AttemptOutcomeFactory, CredentialFactory, StudyHoursFactory, UserFactory

from .conftest import TODAY, YEAR, Bureau, noon

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
        "/api/v1/reports/credentials/",
        "/api/v1/reports/credentials/people/",
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
    """Someone in 二处, outside the leader's 一处, who would show up in every figure and list: an
    enforcement officer whose credential, granted this year, is suspended."""
    person = UserFactory(
        name=OUTSIDER_NAME,
        employee_no="OUT-001",
        department=known_bureau.division2,
        is_enforcement_officer=True,
    )
    AttemptOutcomeFactory(session=known_bureau.session, candidate=person, passed=False)
    StudyHoursFactory(person=person, year=YEAR, hours="1.0")
    credential: Any = CredentialFactory(holder=person)
    credential_services.credential_suspend(
        credential_id=credential.pk, reason="调查期间暂扣", actor=known_bureau.admin, now=timezone.now()
    )
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
        requests.append(("/api/v1/reports/credentials/", {"format": fmt}))
        for which in ["at_risk", "expiring", "suspended", "review_failed", "not_enforcing"]:
            requests.append(("/api/v1/reports/credentials/people/", {"list": which, "format": fmt}))
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
    admin = token_client(known_bureau.admin)
    admin_body = admin.get(URL, {"session": known_bureau.session.pk}).json()
    assert admin_body["totals"]["eligible"] == 6
    assert admin.get("/api/v1/reports/credentials/").json()["totals"]["suspended"] == 1
    at_risk = admin.get("/api/v1/reports/credentials/people/", {"list": "suspended"}).json()
    assert [row["name"] for row in at_risk] == [OUTSIDER_NAME]
    assert admin.get("/api/v1/reports/annual/", {"year": YEAR}).json()["figures"]["credentials"][
        "suspended"
    ] == (1 if timezone.localdate().year == YEAR else 0)


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


# ---------------------------------------------------------------- credentials


def test_credentials_per_department_as_json_and_xlsx(credentialed_bureau):
    with time_machine.travel(TODAY, tick=False):
        client = token_client(credentialed_bureau.leader)
        body = client.get("/api/v1/reports/credentials/").json()
        spreadsheet = client.get("/api/v1/reports/credentials/", {"format": "xlsx"})
    assert (body["today"], body["expiring_before"]) == ("2026-11-15", "2027-02-14")
    assert body["totals"] == {
        "valid": 1,
        "suspended": 1,
        "revoked": 1,
        "expiring": 1,
        "review_failed": 0,
        "officers": 3,
        "officers_not_enforcing": 2,
        "at_risk": 3,
    }
    assert [(row["name"], row["depth"], row["at_risk"]) for row in body["departments"]] == [
        ("一处", 2, 3),
        ("一科", 3, 3),
        ("二科", 3, 0),
    ]
    assert spreadsheet["Content-Disposition"] == 'attachment; filename="credentials.xlsx"'
    rows = sheet_rows(spreadsheet.content)
    assert rows[0] == [
        "单位",
        "层级",
        "有效",
        "暂扣",
        "吊销",
        "即将到期",
        "年审不合格",
        "执法人员",
        "不得执法的执法人员",
        "执法资格有风险人员",
    ]
    assert rows[1:] == [
        ["一处", 2, 1, 1, 1, 1, 0, 3, 2, 3],
        ["一科", 3, 1, 1, 1, 1, 0, 3, 2, 3],
        ["二科", 3, 0, 0, 0, 0, 0, 0, 0, 0],
        ["合计", None, 1, 1, 1, 1, 0, 3, 2, 3],
    ]


def test_the_people_at_risk_as_json_and_xlsx(credentialed_bureau):
    a2 = credentialed_bureau.people["a2"].credentials.get()
    with time_machine.travel(TODAY, tick=False):
        client = token_client(credentialed_bureau.admin)
        body = client.get(
            "/api/v1/reports/credentials/people/", {"department": credentialed_bureau.division1.pk}
        ).json()
        rows = sheet_rows(
            client.get(
                "/api/v1/reports/credentials/people/", {"list": "not_enforcing", "format": "xlsx"}
            ).content
        )
        bad = client.get("/api/v1/reports/credentials/people/", {"list": "everyone"})
    assert [(row["name"], row["risks"]) for row in body] == [
        ("甲一", ["expiring"]),
        ("甲二", ["suspended", "not_enforcing"]),
        ("甲三", ["not_enforcing"]),
    ]
    assert body[1]["credential"] == {
        "id": a2.pk,
        "number": a2.number,
        "status": "suspended",
        "valid_until": "2029-02-28",
    }
    assert rows[0] == ["姓名", "工号", "单位", "证号", "状态", "有效期至", "风险"]
    assert [(row[0], row[4], row[5], row[6]) for row in rows[1:]] == [
        ("甲二", "暂扣", "2029-02-28", "暂扣、执法人员不得执法"),
        ("甲三", "吊销", "2028-02-29", "执法人员不得执法"),
        ("乙一", "有效", "2028-05-31", "年审不合格、执法人员不得执法"),
    ]
    assert (bad.status_code, bad.json()["code"], bad.json()["field"]) == (400, "invalid_report_query", "list")


def test_a_leader_asking_for_credentials_outside_their_scope_gets_404(credentialed_bureau):
    response = token_client(credentialed_bureau.leader).get(
        "/api/v1/reports/credentials/people/", {"department": credentialed_bureau.division2.pk}
    )
    assert (response.status_code, response.json()["code"]) == (404, "department_not_found")


def test_the_year_s_figures_carry_the_credentials_into_the_files_and_the_snapshot(credentialed_bureau):
    admin = token_client(credentialed_bureau.admin)
    body = admin.get("/api/v1/reports/annual/", {"year": YEAR}).json()
    assert body["figures"]["credentials"] == {"granted": 4, "suspended": 1, "revoked": 1}
    assert "全年新发执法证 4 个，暂扣 1 个，吊销 1 个。" in body["sentences"]
    assert admin.post("/api/v1/reports/annual/publish/", {"year": YEAR}, format="json").status_code == 201
    assert AnnualFiguresSnapshot.objects.get().figures["credentials"] == {
        "granted": 4,
        "suspended": 1,
        "revoked": 1,
    }
    # a credential revoked later: the snapshot keeps 1, the recount beside it says 2
    credential_services.credential_revoke(
        credential_id=credentialed_bureau.people["b1"].credentials.get().pk,
        reason="依法吊销",
        actor=credentialed_bureau.admin,
        now=noon(date(YEAR, 11, 20)),
    )
    rows = sheet_rows(admin.get("/api/v1/reports/annual/", {"year": YEAR, "format": "xlsx"}).content)
    assert ["新发执法证（个）", "4", "4", None] in rows
    assert ["吊销执法证（个）", "1", "2", "+1"] in rows
    text = docx_text(admin.get("/api/v1/reports/annual/", {"year": YEAR, "format": "docx"}).content)
    assert "全年新发执法证 4 个，暂扣 1 个，吊销 1 个。" in text
