"""Who may see what: the one place every selector asks.

Roles: every active user is staff; exam administrators are superusers or members
of the ``exam_admin`` group; leaders lead one or more department subtrees
(``User.leader_of``). Administrators see everything, leaders their subtrees,
staff themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from .models import Department, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

EXAM_ADMIN_GROUP = "exam_admin"
ROLE_STAFF = "staff"
ROLE_EXAM_ADMIN = "exam_admin"
ROLE_LEADER = "leader"


def is_exam_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    memo = vars(user)
    if "_xuefa_is_exam_admin" not in memo:
        memo["_xuefa_is_exam_admin"] = user.groups.filter(name=EXAM_ADMIN_GROUP).exists()
    return bool(memo["_xuefa_is_exam_admin"])


def led_paths(user: User | AnonymousUser) -> list[str]:
    """Materialised paths of the subtrees this user leads (cached on the user object)."""
    if not user.is_authenticated:
        return []
    memo = vars(user)
    if "_xuefa_led_paths" not in memo:
        memo["_xuefa_led_paths"] = list(user.leader_of.values_list("path", flat=True))  # type: ignore[union-attr]
    return list(memo["_xuefa_led_paths"])


def is_leader(user: User | AnonymousUser) -> bool:
    return bool(led_paths(user))


def roles(user: User) -> list[str]:
    result = [ROLE_STAFF] if user.is_active else []
    if is_exam_admin(user):
        result.append(ROLE_EXAM_ADMIN)
    if is_leader(user):
        result.append(ROLE_LEADER)
    return result


def ancestor_paths(path: str) -> list[str]:
    """The paths of a department and of every department above it, read off its materialised path."""
    return [path[: index + 1] for index, char in enumerate(path) if char == "/"]


def ancestor_ids(path: str) -> list[int]:
    """The ids of a department and of every department above it, read off its materialised path."""
    return [int(segment) for segment in path.split("/") if segment]


def subtree_q(paths: list[str], *, field: str = "path") -> Q:
    """A filter for the departments (or rows through ``field``) within any of ``paths``."""
    query = Q(pk__in=[])
    for path in _outermost(paths):
        query |= Q(**{f"{field}__startswith": path})
    return query


def _outermost(paths: list[str]) -> list[str]:
    ordered = sorted(set(paths))
    kept: list[str] = []
    for path in ordered:
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def visible_departments(user: User | AnonymousUser) -> QuerySet[Department]:
    if is_exam_admin(user):
        return Department.objects.all()
    if not user.is_authenticated:
        return Department.objects.none()
    query = subtree_q(led_paths(user))
    own = user.department  # type: ignore[union-attr]
    if own is not None:
        query |= Q(path__in=ancestor_paths(own.path))
    return Department.objects.filter(query)


def visible_staff(user: User | AnonymousUser) -> QuerySet[User]:
    if is_exam_admin(user):
        return User.objects.all()
    if not user.is_authenticated:
        return User.objects.none()
    return User.objects.filter(subtree_q(led_paths(user), field="department__path") | Q(pk=user.pk))


def can_see_department(user: User | AnonymousUser, department: Department) -> bool:
    if is_exam_admin(user):
        return True
    return any(department.path.startswith(path) for path in led_paths(user))


def can_see_person(user: User | AnonymousUser, person: User) -> bool:
    if not user.is_authenticated:
        return False
    if is_exam_admin(user) or person.pk == user.pk:
        return True
    return person.department is not None and can_see_department(user, person.department)
