from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.hashers import make_password

from people.models import Department, User
from people.services import department_create, exam_admin_group

from .base import ModelFactory

__all__ = ["PASSWORD", "AdminFactory", "DepartmentFactory", "LeaderFactory", "UserFactory"]

PASSWORD = "correct-horse-42"
_PASSWORD_HASH = make_password(PASSWORD)


class DepartmentFactory(ModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"单位{n}")
    parent = None

    @classmethod
    def _create(cls, model_class: type[Department], *args: Any, **kwargs: Any) -> Department:
        return department_create(name=kwargs["name"], parent=kwargs.get("parent"))


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"职工{n}")
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    department = factory.SubFactory(DepartmentFactory)
    is_enforcement_officer = False
    password = _PASSWORD_HASH

    @factory.post_generation
    def leader_of(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.leader_of.set(extracted)


class LeaderFactory(UserFactory):
    """A leader of the departments given as ``leader_of=[...]``."""


class AdminFactory(UserFactory):
    @factory.post_generation
    def make_admin(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.groups.add(exam_admin_group())  # type: ignore[attr-defined]
