"""Demo bureau: about 10 departments on three levels, 60 staff, a leader and an administrator."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Department, User
from .services import department_ensure_path, department_name_paths, exam_admin_group

DEMO_PASSWORD = "xuefa2026"
BUREAU = "市住房和城乡建设局"
TREE = [
    ["办公室"],
    ["政策法规科"],
    ["城建监察支队", "一大队"],
    ["城建监察支队", "二大队"],
    ["城建监察支队", "综合科"],
    ["建筑业管理处", "建筑市场科"],
    ["建筑业管理处", "质量安全科"],
]
ENFORCING = {("城建监察支队", "一大队"), ("城建监察支队", "二大队"), ("建筑业管理处", "质量安全科")}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建国",
]
DEMO_LOGINS = [
    ("zhangwei", "张伟", "staff member, enforcement officer in 城建监察支队/一大队"),
    ("leader", "李明", "leader of 城建监察支队"),
    ("admin", "管理员", "exam administrator and superuser"),
]


@transaction.atomic
def seed() -> None:
    cache = department_name_paths()
    bureau, _n = department_ensure_path(names=[BUREAU], cache=cache)
    leaves: list[tuple[tuple[str, ...], Department]] = []
    for names in TREE:
        department, _n = department_ensure_path(names=[BUREAU, *names], cache=cache)
        leaves.append((tuple(names), department))
    password = make_password(DEMO_PASSWORD)

    def person(username: str, name: str, department: Department, number: str, enforcing: bool) -> User:
        user, _created = User.objects.update_or_create(
            username=username,
            defaults={
                "name": name,
                "department": department,
                "employee_no": number,
                "is_enforcement_officer": enforcing,
                "password": password,
                "is_active": True,
            },
        )
        return user

    person("zhangwei", "张伟", cache[(BUREAU, "城建监察支队", "一大队")], "D0001", True)
    for index in range(2, 61):
        leaf_names, department = leaves[index % len(leaves)]
        enforcing = leaf_names in ENFORCING and index % 3 != 0
        name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]
        person(f"staff{index:02d}", name, department, f"D{index:04d}", enforcing)

    leader = person("leader", "李明", cache[(BUREAU, "城建监察支队")], "L0001", False)
    leader.leader_of.set([cache[(BUREAU, "城建监察支队")]])
    admin = person("admin", "管理员", bureau, "A0001", False)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    admin.groups.add(exam_admin_group())
