"""Accounts and their data: the same rules on every path, and nothing lost by an import or a delete."""

from __future__ import annotations

import io

import pytest
from django.db.models import ProtectedError
from django.test import Client
from rest_framework.authtoken.models import Token

from common.spreadsheets import csv_bytes
from courses.models import ActivityAttendance, StudyHoursEntry
from courses.services import activity_attendees_add
from people.models import RosterImport, User
from tests.conftest import token_client
from tests.factories import AdminFactory, DepartmentFactory, StudyActivityFactory, UserFactory

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, name: str = "roster.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/api/v1/staff/import/", {"file": file}, format="multipart")


def test_a_roster_without_the_optional_columns_changes_only_the_columns_it_has():
    # given: an enforcement officer with an e-mail, and a deactivated colleague
    department = DepartmentFactory(name="市局")
    officer = UserFactory(
        employee_no="A0001", name="张三", department=department, is_enforcement_officer=True, email="z@x.cn"
    )
    retired = UserFactory(employee_no="A0002", name="李四", department=department, is_active=False)
    # when: a file with only 工号, 姓名, 单位 renames them
    content = csv_bytes(
        ["工号", "姓名", "单位"],
        [["A0001", "张三丰", "市局"], ["A0002", "李四", "市局"], ["A0003", "王五", "市局"]],
    )
    response = upload(token_client(AdminFactory()), content)
    # then
    assert response.status_code == 201, response.json()
    assert (response.json()["created"], response.json()["updated"], response.json()["unchanged"]) == (1, 1, 1)
    officer.refresh_from_db()
    retired.refresh_from_db()
    assert (officer.name, officer.is_enforcement_officer, officer.email, officer.is_active) == (
        "张三丰",
        True,
        "z@x.cn",
        True,
    )
    assert retired.is_active is False
    newcomer = User.objects.get(employee_no="A0003")
    assert (newcomer.is_enforcement_officer, newcomer.email, newcomer.is_active) == (False, "", True)
    assert RosterImport.objects.get().changes[0] == {
        "employee_no": "A0001",
        "before": {"name": "张三"},
        "after": {"name": "张三丰"},
    }


def test_an_exam_administrator_cannot_rename_or_deactivate_a_superuser_by_roster_import():
    department = DepartmentFactory(name="市局")
    root = UserFactory(employee_no="R0001", name="超管", department=department, is_superuser=True)
    content = csv_bytes(["工号", "姓名", "单位", "在职"], [["R0001", "改名", "市局", "否"]])
    response = upload(token_client(AdminFactory()), content)
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied"
    assert body["errors"] == [
        {"row": 2, "field": "工号", "message": "只有超级管理员可以修改超级管理员的账号。"}
    ]
    root.refresh_from_db()
    assert (root.name, root.is_active) == ("超管", True)
    assert not RosterImport.objects.exists()
    # a superuser may
    by_superuser = upload(token_client(UserFactory(is_superuser=True)), content)
    assert by_superuser.status_code == 201
    root.refresh_from_db()
    assert (root.name, root.is_active) == ("改名", False)


def test_a_roster_deactivation_ends_the_persons_tokens():
    department = DepartmentFactory(name="市局")
    person = UserFactory(employee_no="A0001", name="张三", department=department)
    token_client(person)
    content = csv_bytes(["工号", "姓名", "单位", "在职"], [["A0001", "张三", "市局", "否"]])
    assert upload(token_client(AdminFactory()), content).status_code == 201
    assert not Token.objects.filter(user=person).exists()


def test_a_roster_initial_password_must_pass_the_validators_naming_the_row():
    content = csv_bytes(
        ["工号", "姓名", "单位", "用户名", "初始密码"],
        [
            ["A0001", "张三", "市局", "zhangsan", "Good-pass-2026"],
            ["A0002", "李四", "市局", "lisi", "12345678901"],
        ],
    )
    response = upload(token_client(AdminFactory()), content)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 3, "field": "初始密码", "message": "这个密码太常见了。"},
        {"row": 3, "field": "初始密码", "message": "密码只包含数字。"},
    ]
    assert not User.objects.filter(employee_no__in=["A0001", "A0002"]).exists()


def test_a_roster_cell_longer_than_its_field_is_refused_naming_row_and_column():
    content = csv_bytes(["工号", "姓名", "单位"], [["A0001", "张" * 51, "市局"]])
    response = upload(token_client(AdminFactory()), content)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 2, "field": "姓名", "message": "不能超过 50 个字符"}]
    assert not User.objects.filter(employee_no="A0001").exists()


def test_passwords_set_through_the_api_pass_the_validators_in_chinese():
    admin = AdminFactory()
    person = UserFactory(username="zhangwei")
    response = token_client(admin).patch(
        f"/api/v1/staff/{person.id}/", {"password": "zhangwei1"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "password"
    assert response.json()["detail"] == "密码不符合要求：密码跟 用户名 太相似了。"
    created = token_client(admin).post(
        "/api/v1/staff/",
        {"username": "lisi", "name": "李四", "department": None, "password": "2026051288"},
        format="json",
    )
    assert created.status_code == 400
    assert created.json()["detail"] == "密码不符合要求：密码只包含数字。"
    assert not User.objects.filter(username="lisi").exists()


def test_the_admin_password_form_uses_the_validators_and_a_new_password_ends_tokens():
    root = UserFactory(is_staff=True, is_superuser=True)
    person = UserFactory(username="zhangwei")
    token_client(person)
    browser = Client()
    browser.force_login(root)
    url = f"/admin/people/user/{person.pk}/password/"
    refused = browser.post(url, {"password1": "12345678901", "password2": "12345678901"})
    assert refused.status_code == 200
    assert "密码只包含数字。" in refused.content.decode()
    assert Token.objects.filter(user=person).exists()
    accepted = browser.post(url, {"password1": "Brand-new-secret-77", "password2": "Brand-new-secret-77"})
    assert accepted.status_code == 302
    assert not Token.objects.filter(user=person).exists()


def test_the_admin_roster_upload_page_is_for_exam_administrators_only():
    clerk = UserFactory(is_staff=True)
    browser = Client()
    browser.force_login(clerk)
    assert browser.get("/admin/people/rosterimport/upload/").status_code == 403
    assert browser.get("/admin/people/rosterimport/template/csv/").status_code == 403
    admin = AdminFactory(is_staff=True)
    browser.force_login(admin)
    page = browser.get("/admin/people/rosterimport/upload/")
    assert page.status_code == 200
    assert '<a href="/admin/people/rosterimport/template/xlsx/">下载模板</a>' in page.content.decode()
    assert "按工号新增或更新人员" in page.content.decode()


def test_a_person_is_never_deleted_their_study_records_are_protected():
    # given: a person with attendance and study hours
    person = UserFactory()
    activity = StudyActivityFactory()
    activity_attendees_add(activity=activity, people=[person], actor=None)
    assert StudyHoursEntry.objects.filter(person=person).count() == 1
    root = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(root)
    # when: the admin's delete
    response = browser.post(f"/admin/people/user/{person.pk}/delete/", {"post": "yes"}, follow=True)
    # then: refused with a message, nothing gone
    assert (
        "人员不能删除：其学时、签到和答卷记录必须保留。请取消勾选“有效”以停用该账号。"
        in response.content.decode()
    )
    assert User.objects.filter(pk=person.pk).exists()
    listing = browser.post(
        "/admin/people/user/", {"action": "delete_selected", "_selected_action": [person.pk]}
    )
    assert User.objects.filter(pk=person.pk).exists()
    assert listing.status_code in (200, 302)
    # and the database refuses too
    with pytest.raises(ProtectedError):
        person.delete()
    assert StudyHoursEntry.objects.filter(person=person).count() == 1
    assert ActivityAttendance.objects.filter(person=person).count() == 1
