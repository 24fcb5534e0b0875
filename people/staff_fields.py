"""Read-only fields that apps above ``people`` add to the staff roster, without ``people`` importing them.

The staff API (``GET /api/v1/staff/`` and ``/api/v1/staff/{id}/``) and the roster in the admin show
what other apps know about a person (``credentials`` adds ``may_enforce``), but ``people`` sits below
those apps and must not import them. So an app registers a :class:`StaffField` from its
``AppConfig.ready()``::

    register_staff_field(StaffField(
        name="may_enforce",
        label=_("可以执法"),
        expression=lambda: may_enforce_exists(),   # a queryset expression over User rows
        serializer_field=lambda: serializers.BooleanField(read_only=True, help_text=...),
    ))

and ``people`` does the rest:

- :func:`annotate_staff` annotates a queryset of users with every registered expression, so a
  whole list is answered in its one statement (the expression is built per call, so one that
  depends on today's date is current);
- the staff serializer adds each field (read-only, documented in the schema by its
  ``serializer_field``) and reads the annotation; for a user that was not read through
  :func:`annotate_staff` (just created or updated) :func:`staff_field_values` reads the values in
  one query;
- the admin's user list shows each as a column.

The expression must be an SQL expression (``Exists``, ``Subquery``, ``Case``…), never a Python
call per row: the list stays a constant number of statements whatever its length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import User


@dataclass(frozen=True)
class StaffField:
    name: str
    label: Any
    expression: Callable[[], Any]
    serializer_field: Callable[[], Any]
    boolean: bool = True  # shown as a yes/no icon in the admin


_fields: dict[str, StaffField] = {}


def register_staff_field(field: StaffField) -> None:
    """Add (or replace, by name) a read-only roster field."""
    _fields[field.name] = field


def staff_fields() -> list[StaffField]:
    return list(_fields.values())


def annotate_staff(users: QuerySet[User]) -> QuerySet[User]:
    """``users`` annotated with every registered field's value."""
    if not _fields:
        return users
    return users.annotate(**{field.name: field.expression() for field in _fields.values()})


def staff_field_values(user: User) -> dict[str, Any]:
    """The registered fields' values for one user: from its annotations when it has them, else one query."""
    names = [field.name for field in _fields.values()]
    if not names:
        return {}
    if all(hasattr(user, name) for name in names):
        return {name: getattr(user, name) for name in names}
    from .models import User

    row = annotate_staff(User.objects.filter(pk=user.pk)).values(*names).first() or {}
    for name, value in row.items():
        setattr(user, name, value)
    return {name: row.get(name) for name in names}
