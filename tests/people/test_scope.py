import pytest

from people.scope import (
    ancestor_ids,
    ancestor_paths,
    can_see_department,
    can_see_person,
    roles,
    visible_departments,
)
from tests.factories import AdminFactory, DepartmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_ancestors_are_read_off_the_path():
    assert ancestor_paths("00000001/00000004/00000009/") == [
        "00000001/",
        "00000001/00000004/",
        "00000001/00000004/00000009/",
    ]
    assert ancestor_ids("00000001/00000004/00000009/") == [1, 4, 9]


def test_who_may_see_which_department_and_person():
    bureau = DepartmentFactory(name="局")
    division = DepartmentFactory(name="支队", parent=bureau)
    section = DepartmentFactory(name="一大队", parent=division)
    office = DepartmentFactory(name="办公室", parent=bureau)
    leader = UserFactory(department=division, leader_of=[division])
    officer = UserFactory(department=section)
    clerk = UserFactory(department=office)
    admin = AdminFactory(department=office)

    assert [can_see_department(leader, d) for d in (bureau, division, section, office)] == [
        False,
        True,
        True,
        False,
    ]
    assert [can_see_person(leader, p) for p in (officer, clerk, leader)] == [True, False, True]
    assert [can_see_person(officer, p) for p in (officer, clerk, leader)] == [True, False, False]
    assert can_see_person(admin, clerk) and can_see_department(admin, bureau)
    # Staff see the chain above their own department (for its names), nothing beside it.
    assert set(visible_departments(officer)) == {bureau, division, section}
    assert set(visible_departments(leader)) == {bureau, division, section}
    assert roles(leader) == ["staff", "leader"] and roles(admin) == ["staff", "exam_admin"]
