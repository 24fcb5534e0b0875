import io

import pytest
from openpyxl import load_workbook

from common.spreadsheets import csv_bytes, xlsx_bytes
from people.models import Department, RosterImport, User
from people.roster import TEMPLATE_HEADERS
from tests.conftest import token_client
from tests.factories import AdminFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = ["工号", "姓名", "单位", "是否执法人员"]


def upload(client, name, content):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/v1/staff/import/", {"file": file}, format="multipart")


def test_template_has_chinese_headers():
    response = token_client(AdminFactory()).get("/api/v1/staff/import-template/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == TEMPLATE_HEADERS


def test_import_creates_departments_by_path_and_upserts_by_employee_no():
    admin = AdminFactory()
    existing = UserFactory(employee_no="A0002", name="旧名字", is_enforcement_officer=False)
    content = xlsx_bytes(
        HEADERS,
        [
            ["A0001", "张三", "市局/法制科", "是"],
            ["A0002", "李四", "市局/办公室/综合科", "否"],
        ],
    )
    response = upload(token_client(admin), "roster.xlsx", content)
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "departments_created": 4,
        "import_id": RosterImport.objects.get().id,
    }
    zhang = User.objects.get(employee_no="A0001")
    assert (zhang.username, zhang.name, zhang.is_enforcement_officer) == ("A0001", "张三", True)
    assert zhang.department.name == "法制科" and zhang.department.parent.name == "市局"
    existing.refresh_from_db()
    assert existing.name == "李四"
    assert existing.department.name == "综合科" and existing.department.depth == 3
    record = RosterImport.objects.get()
    assert record.actor == admin
    old_department = record.changes[1]["before"]["department_id"]
    assert record.changes == [
        {
            "employee_no": "A0001",
            "before": None,
            "after": {
                "username": "A0001",
                "name": "张三",
                "department_id": zhang.department_id,
                "is_enforcement_officer": True,
                "email": "",
                "is_active": True,
            },
        },
        {
            "employee_no": "A0002",
            "before": {"name": "旧名字", "department_id": old_department},
            "after": {"name": "李四", "department_id": existing.department_id},
        },
    ]

    again = upload(token_client(admin), "roster.xlsx", content)
    assert again.json()["unchanged"] == 2 and again.json()["created"] == 0 and again.json()["updated"] == 0


def test_bad_rows_are_all_reported_and_nothing_changes():
    admin = AdminFactory()
    UserFactory(username="taken", employee_no="Z9")
    users_before, departments_before = User.objects.count(), Department.objects.count()
    content = csv_bytes(
        ["工号", "姓名", "单位", "是否执法人员", "用户名"],
        [
            ["A1", "好人", "市局/法制科", "是", ""],
            ["", "无工号", "市局", "否", ""],
            ["A3", "", "市局", "也许", ""],
            ["A1", "重复", "市局", "否", ""],
            ["A5", "撞名", "市局", "否", "taken"],
        ],
    )
    response = upload(token_client(admin), "roster.csv", content)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == [
        {"row": 3, "field": "工号", "message": "工号不能为空"},
        {"row": 4, "field": "姓名", "message": "姓名不能为空"},
        {"row": 4, "field": "是否执法人员", "message": "应填“是”或“否”，而不是“也许”"},
        {"row": 5, "field": "工号", "message": "工号 A1 与第 2 行重复"},
        {"row": 6, "field": "用户名", "message": "用户名 taken 已被其他人员使用"},
    ]
    assert (User.objects.count(), Department.objects.count()) == (users_before, departments_before)
    assert RosterImport.objects.count() == 0


def test_missing_header_names_the_header():
    response = upload(token_client(AdminFactory()), "r.csv", csv_bytes(["工号", "姓名"], [["1", "a"]]))
    assert response.status_code == 400
    assert response.json()["detail"] == "第 1 行缺少表头：单位。"


def test_not_a_spreadsheet_is_refused():
    response = upload(token_client(AdminFactory()), "r.xlsx", b"not a zip file")
    assert response.status_code == 400
    assert response.json()["field"] == "file"


def test_staff_may_not_import():
    client = token_client(UserFactory())
    before = User.objects.count()
    response = upload(client, "r.csv", csv_bytes(HEADERS, [["A1", "x", "局", "否"]]))
    assert response.status_code == 403
    assert User.objects.count() == before


def test_ten_thousand_rows_import_with_queries_per_batch_not_per_row(django_assert_max_num_queries):
    admin = AdminFactory()
    rows = [
        [f"N{i:05d}", f"职工{i}", f"市局/处{i % 10}/科{i % 50}", "是" if i % 3 == 0 else "否"]
        for i in range(10_000)
    ]
    content = csv_bytes(HEADERS, rows)
    file = io.BytesIO(content)
    from people.roster import roster_import

    # a few statements per new department (with its audit entry) and per insert batch (SQLite's hold ~58 rows); none per row
    with django_assert_max_num_queries(7 * 61 + 10_000 // 50 + 40):
        result = roster_import(file=file, filename="big.csv", actor=admin)
    assert (result.created, result.departments_created) == (10_000, 61)
    assert User.objects.filter(employee_no__startswith="N", is_enforcement_officer=True).count() == 3334
