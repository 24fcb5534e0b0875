import pytest
from auditlog.models import LogEntry

from people.models import Department, User
from tests.conftest import token_client
from tests.factories import PASSWORD, AdminFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_token_then_me_answers_per_contract(api_client):
    division = DepartmentFactory(name="城建监察支队")
    section = DepartmentFactory(name="一大队", parent=division)
    user = UserFactory(
        username="zhangwei",
        name="张伟",
        department=section,
        is_enforcement_officer=True,
        leader_of=[division],
    )

    response = api_client.post(
        "/api/v1/auth/token/", {"username": "zhangwei", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    me = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json() == {
        "id": user.id,
        "username": "zhangwei",
        "name": "张伟",
        "department": {"id": section.id, "name": "一大队"},
        "roles": ["staff", "leader"],
        "is_enforcement_officer": True,
        "leader_of": [division.id],
    }


def test_token_with_wrong_password_is_refused_with_detail(api_client):
    UserFactory(username="zhangwei")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "zhangwei", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_me_without_credentials_is_401(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_admin_creates_department_tree_and_subtree_paths_nest():
    admin = AdminFactory()
    client = token_client(admin)
    bureau = client.post("/api/v1/departments/", {"name": "市局"}, format="json").json()
    division = client.post("/api/v1/departments/", {"name": "法制处", "parent": bureau["id"]}, format="json")
    assert division.status_code == 201
    body = division.json()
    assert body["parent"] == bureau["id"]
    assert body["depth"] == 2
    assert body["path"] == f"{bureau['id']:08d}/{body['id']:08d}/"


def test_duplicate_department_name_under_same_parent_is_refused_and_nothing_changes():
    admin = AdminFactory()
    parent = DepartmentFactory(name="市局")
    DepartmentFactory(name="法制处", parent=parent)
    before = Department.objects.count()
    response = token_client(admin).post(
        "/api/v1/departments/", {"name": "法制处", "parent": parent.id}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "name"
    assert Department.objects.count() == before


def test_staff_cannot_create_departments():
    user = UserFactory()
    before = Department.objects.count()
    response = token_client(user).post("/api/v1/departments/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert Department.objects.count() == before


def test_leader_sees_only_staff_in_led_subtree():
    bureau = DepartmentFactory(name="局")
    led = DepartmentFactory(name="支队", parent=bureau)
    inside = UserFactory(department=DepartmentFactory(name="一大队", parent=led))
    outside = UserFactory(department=DepartmentFactory(name="办公室", parent=bureau))
    leader = UserFactory(department=led, leader_of=[led])

    response = token_client(leader).get("/api/v1/staff/")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {inside.id, leader.id}
    assert token_client(leader).get(f"/api/v1/staff/{outside.id}/").status_code == 404


def test_staff_member_sees_only_themselves():
    user = UserFactory()
    UserFactory(department=user.department)
    response = token_client(user).get("/api/v1/staff/")
    assert [row["id"] for row in response.json()["results"]] == [user.id]


def test_admin_creates_staff_with_password_and_roles_and_it_is_audited():
    admin = AdminFactory()
    department = DepartmentFactory()
    response = token_client(admin).post(
        "/api/v1/staff/",
        {
            "username": "wangfang",
            "name": "王芳",
            "department": department.id,
            "password": "a-long-secret-9",
            "employee_no": "B0007",
            "is_enforcement_officer": True,
            "leader_of": [department.id],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    created = User.objects.get(username="wangfang")
    assert created.check_password("a-long-secret-9")
    assert created.is_enforcement_officer is True
    assert list(created.leader_of.values_list("id", flat=True)) == [department.id]
    assert "password" not in response.json()
    entry = LogEntry.objects.get_for_object(created).filter(action=LogEntry.Action.CREATE).get()
    assert entry.actor == admin
    assert entry.changes_dict["name"] == ["None", "王芳"]


def test_admin_patch_records_before_and_after():
    admin = AdminFactory()
    person = UserFactory(name="旧名")
    response = token_client(admin).patch(f"/api/v1/staff/{person.id}/", {"name": "新名"}, format="json")
    assert response.status_code == 200
    entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == admin
    assert entry.changes_dict["name"] == ["旧名", "新名"]


def test_duplicate_employee_no_is_refused_naming_the_field():
    admin = AdminFactory()
    UserFactory(employee_no="X1")
    response = token_client(admin).post(
        "/api/v1/staff/",
        {"username": "dup", "name": "重复", "department": None, "employee_no": "X1"},
        format="json",
    )
    assert response.status_code == 400
    assert "employee_no" in response.json()["detail"]
    assert not User.objects.filter(username="dup").exists()


def test_an_exam_admin_may_not_change_a_superuser_and_nothing_changes():
    admin = AdminFactory()
    root = UserFactory(name="超级管理员", is_superuser=True)
    response = token_client(admin).patch(
        f"/api/v1/staff/{root.id}/", {"password": "taken-over-123"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_a_password_reset_is_audited_without_its_value():
    admin = AdminFactory()
    person = UserFactory()
    response = token_client(admin).patch(
        f"/api/v1/staff/{person.id}/", {"password": "new-secret-456"}, format="json"
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.check_password("new-secret-456")
    entry = LogEntry.objects.get_for_object(person).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == admin
    assert entry.changes_dict == {"password": ["******", "已重设"]}


def test_staff_without_a_name_is_refused_naming_the_field():
    admin = AdminFactory()
    before = User.objects.count()
    response = token_client(admin).post(
        "/api/v1/staff/", {"username": "noname", "department": None}, format="json"
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "name")
    assert User.objects.count() == before


def test_an_unknown_api_address_answers_json_404(api_client):
    response = api_client.get("/api/v1/attempts/%C2%84/")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。", "code": "not_found"}


def test_pages_are_at_most_a_thousand_rows_and_huge_offsets_are_the_end():
    admin = AdminFactory()
    client = token_client(admin)
    huge = client.get("/api/v1/departments/?limit=18446744073709551617&offset=99999999999999999999")
    assert huge.status_code == 200
    assert huge.json()["results"] == []
    assert "limit=1000" in (huge.json()["previous"] or "")


def test_a_nul_character_in_a_query_is_refused_before_any_database_sees_it():
    admin = AdminFactory()
    response = token_client(admin).get("/api/v1/questions/?search=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": "查询参数中不能含有空字符。", "code": "invalid"}
