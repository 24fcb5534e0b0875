from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from .models import Department, User
from .scope import visible_departments, visible_staff
from .staff_fields import annotate_staff


def department_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Department]:
    return visible_departments(user).order_by("path")


def staff_list_for_user(*, user: User | AnonymousUser) -> QuerySet[User]:
    """The roster ``user`` may see, with every registered staff field (``people.staff_fields``)."""
    return annotate_staff(
        visible_staff(user)
        .select_related("department")
        .prefetch_related("leader_of", "groups")
        .order_by("employee_no", "id")
    )
