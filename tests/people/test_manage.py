"""The roster in the administrators' workspace: the department tree with head counts, the staff list
filtered by department and text, adding a department, and the roster import with row errors.
Exam administrators only; every refusal changes nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.spreadsheets import xlsx_bytes
from people.models import Department, User
from tests.factories import AdminFactory, DepartmentFactory, LeaderFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = ["工号", "姓名", "单位", "是否执法人员"]


def test_the_tree_counts_active_staff_in_each_subtree_and_the_list_filters(client):
    # given
    bureau = DepartmentFactory(name="市住建局")
    branch = DepartmentFactory(name="城建监察支队", parent=bureau)
    team = DepartmentFactory(name="一大队", parent=branch)
    UserFactory(name="张伟", employee_no="E1", department=team)
    UserFactory(name="李娜", employee_no="E2", department=branch)
    UserFactory(name="王强", employee_no="E3", department=bureau)
    UserFactory(name="离职者", employee_no="E4", department=team, is_active=False)
    client.force_login(AdminFactory(department=DepartmentFactory(name="办公室")))
    # when
    html = client.get("/manage/people/").content.decode()
    branch_only = client.get("/manage/people/", {"department": branch.pk}).content.decode()
    found = client.get("/manage/people/", {"search": "E3"}).content.decode()
    # then
    counts = dict(
        re.findall(
            r'<tr id="department-(\d+)"><td>[^<]*<a[^>]*>[^<]*</a></td><td class="num">(\d+)</td>', html
        )
    )
    assert counts == {
        str(bureau.pk): "3",
        str(branch.pk): "2",
        str(team.pk): "1",
        str(Department.objects.get(name="办公室").pk): "1",
    }
    assert re.findall(r"<td data-label=\"姓名\">([^<]+)<br>", branch_only) == ["张伟", "李娜", "离职者"]
    assert re.findall(r"<td data-label=\"姓名\">([^<]+)<br>", found) == ["王强"]


def test_adding_a_department_and_a_duplicate_is_refused_unchanged(client):
    # given
    bureau = DepartmentFactory(name="市住建局")
    DepartmentFactory(name="法规科", parent=bureau)
    client.force_login(AdminFactory())
    before = Department.objects.count()
    # when
    added = client.post("/manage/people/departments/", {"name": "安全监督站", "parent": bureau.pk})
    duplicate = client.post("/manage/people/departments/", {"name": "法规科", "parent": bureau.pk})
    blank = client.post("/manage/people/departments/", {"name": " ", "parent": bureau.pk})
    # then
    assert added.status_code == 302
    assert Department.objects.get(name="安全监督站").parent == bureau
    assert duplicate.status_code == 400 and "已有名为“法规科”的单位" in duplicate.content.decode()
    assert blank.status_code == 400 and "单位名称不能为空。" in blank.content.decode()
    assert Department.objects.count() == before + 1


def test_the_roster_import_lists_every_bad_row_and_imports_nothing_then_imports_a_good_file(client):
    # given
    client.force_login(AdminFactory())
    people_before = User.objects.count()
    bad = xlsx_bytes(
        HEADERS,
        [["A1", "张三", "市司法局/法制科", "是"], ["", "李四", "市司法局", "否"], ["A3", "", "", "也许"]],
    )
    # when
    refused = client.post("/manage/people/import/", {"file": SimpleUploadedFile("roster.xlsx", bad)})
    # then
    assert refused.status_code == 400
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td>", refused.content.decode())
    assert {row for row, _column in rows} == {"3", "4"}
    assert User.objects.count() == people_before
    assert not Department.objects.filter(name="市司法局").exists()
    # when
    good = xlsx_bytes(HEADERS, [["A1", "张三", "市司法局/法制科", "是"]])
    done = client.post(
        "/manage/people/import/", {"file": SimpleUploadedFile("roster.xlsx", good)}, follow=True
    )
    # then
    assert "导入完成：新增 1 人" in done.content.decode()
    person = User.objects.get(employee_no="A1")
    assert (person.name, person.department.name, person.is_enforcement_officer) == ("张三", "法制科", True)


@pytest.mark.parametrize("who", ["staff", "leader"])
def test_the_roster_pages_are_403_for_non_administrators_and_change_nothing(client, who):
    department = DepartmentFactory(name="市住建局")
    user = UserFactory() if who == "staff" else LeaderFactory(leader_of=[department])
    client.force_login(user)
    before = (Department.objects.count(), User.objects.count())
    good = xlsx_bytes(HEADERS, [["A9", "赵六", "市司法局", "否"]])
    assert client.get("/manage/people/").status_code == 403
    assert client.get("/manage/people/import/").status_code == 403
    assert client.get("/manage/people/import-template/").status_code == 403
    assert client.post("/manage/people/departments/", {"name": "新单位"}).status_code == 403
    assert (
        client.post("/manage/people/import/", {"file": SimpleUploadedFile("r.xlsx", good)}).status_code == 403
    )
    assert (Department.objects.count(), User.objects.count()) == before
