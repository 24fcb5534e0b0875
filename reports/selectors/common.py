"""What every report shares: who may read reports and over which people, and the roll-up of per-department
counts over the department tree.

Scope (``people.scope``): administrators read every department and every person (people without a
department are in the totals only); a leader reads exactly the subtrees they lead; anyone else is refused
with :class:`reports.errors.ReportsNotPermitted`. :func:`report_scope` is asked once per request and
every selector of this app filters people through :meth:`ReportScope.people_q` and departments through
:meth:`ReportScope.departments_q`.

Roll-up: a report counts people once, in their own department, with one grouped query; a department's
figure is the sum over its subtree, added up here along the materialised paths (each person has one
department, so a subtree's sum counts each person once). Reading the departments is one more query, so
every report costs the same number of statements for 5 or 500 departments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from people.models import Department, User
from people.scope import ancestor_paths, is_exam_admin, led_paths, subtree_q

from ..errors import DepartmentNotFound, ReportsNotPermitted


@dataclass(frozen=True)
class ReportScope:
    """The departments and people a report may count: ``paths`` None means everything."""

    paths: list[str] | None

    @property
    def is_everything(self) -> bool:
        return self.paths is None

    def people_q(self, field: str = "department__path") -> Q:
        return Q() if self.paths is None else subtree_q(self.paths, field=field)

    def departments_q(self) -> Q:
        return Q() if self.paths is None else subtree_q(self.paths)

    def sessions_q(self) -> Q:
        """A filter over ``ExamSession``: the sessions whose audience meets the scope (everyone, or a
        department within the scope or above part of it); use it through ``pk__in``, as it joins
        the sessions' departments."""
        if self.paths is None:
            return Q()
        above = sorted({ancestor for path in self.paths for ancestor in ancestor_paths(path)})
        return (
            Q(departments__isnull=True)
            | subtree_q(self.paths, field="departments__path")
            | Q(departments__path__in=above)
        )

    def covers(self, path: str) -> bool:
        return self.paths is None or any(path.startswith(prefix) for prefix in self.paths)


def may_read_reports(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and (is_exam_admin(user) or bool(led_paths(user)))


# How long the navigation may remember that someone leads a department (the pages always ask afresh).
NAV_LEADER_SECONDS = 300


def shows_reports_link(user: Any) -> bool:
    """Whether the navigation offers 报表: like :func:`may_read_reports`, but the leader half is kept in
    the cache for a few minutes so that the link costs no query on every page. Only the link can be
    stale; every report asks :func:`report_scope` afresh."""
    if not getattr(user, "is_authenticated", False):
        return False
    if is_exam_admin(user):
        return True
    leads = cache.get(_leads_key(user))
    if leads is None:
        leads = remember_leadership(user)
    return bool(leads)


def remember_leadership(user: Any) -> bool:
    """Note in the cache whether ``user`` leads a department (also on login, so pages skip the query)."""
    leads = bool(led_paths(user))
    cache.set(_leads_key(user), leads, NAV_LEADER_SECONDS)
    return leads


def _leads_key(user: Any) -> str:
    return f"reports:leads:{user.pk}"


def report_scope(user: Any) -> ReportScope:
    """Administrators: everything; leaders: the subtrees they lead; anyone else: ``ReportsNotPermitted``."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise ReportsNotPermitted(_("只有领导和管理员可以查看统计报表。"))
    if is_exam_admin(user):
        return ReportScope(paths=None)
    paths = led_paths(user)
    if not paths:
        raise ReportsNotPermitted(_("只有领导和管理员可以查看统计报表。"))
    return ReportScope(paths=sorted(paths))


def department_in_scope(*, scope: ReportScope, department_id: int | None) -> Department | None:
    """The department ``department_id`` if the scope covers it (None for None); 404 otherwise."""
    if department_id is None:
        return None
    department = Department.objects.filter(scope.departments_q(), pk=department_id).first()
    if department is None:
        raise DepartmentNotFound(_("没有这个单位，或不在您的分管范围内。"), field="department")
    return department


@dataclass(frozen=True)
class DepartmentNode:
    id: int
    name: str
    parent_id: int | None
    path: str
    depth: int


class Figured(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


F = TypeVar("F", bound=Figured)


@dataclass(frozen=True)
class DepartmentRow(Generic[F]):
    """One department of a report with its figures over its subtree."""

    department: DepartmentNode
    figures: F

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.department.id,
            "name": self.department.name,
            "parent": self.department.parent_id,
            "depth": self.department.depth,
            **self.figures.as_dict(),
        }


def children_of(rows: list[DepartmentRow[F]], department_id: int | None) -> list[DepartmentRow[F]]:
    """The rows directly below ``department_id`` (None: the tops of the listed trees)."""
    if department_id is None:
        listed = {row.department.id for row in rows}
        return [row for row in rows if row.department.parent_id not in listed]
    return [row for row in rows if row.department.parent_id == department_id]


def departments_in_scope(scope: ReportScope) -> list[DepartmentNode]:
    """The departments a report lists, depth-first (one query)."""
    rows = (
        Department.objects.filter(scope.departments_q())
        .order_by("path")
        .values_list("id", "name", "parent_id", "path", "depth")
    )
    return [DepartmentNode(*row) for row in rows]


def roll_up(
    *,
    departments: list[DepartmentNode],
    own: Mapping[Any, Any],
    fields: Iterable[str],
) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """Sum each department's own counts (``own``: department id → field → number) over its subtree.

    Every department in ``own`` is among ``departments`` (both come from the same scope). Returns the
    sums by department id (every listed department, zeros included) and the grand total over ``own``.
    """
    names = list(fields)
    zero = {name: 0 for name in names}
    by_path = {node.path: {**zero} for node in departments}
    paths = {node.id: node.path for node in departments}
    totals = {**zero}
    for department_id, counts in own.items():
        for name in names:
            totals[name] += counts[name]
        if department_id is None or department_id not in paths:
            continue
        for path in ancestor_paths(paths[department_id]):
            sums = by_path.get(path)
            if sums is not None:
                for name in names:
                    sums[name] += counts[name]
    return {node.id: by_path[node.path] for node in departments}, totals


def rate(numerator: int | Decimal, denominator: int | Decimal) -> float:
    """``numerator / denominator`` to four places, and 0 when the divisor is 0."""
    if not denominator:
        return 0.0
    return round(float(numerator) / float(denominator), 4)


def percent(value: float) -> str:
    """A rate as the summary writes it: ``97.5%`` (one decimal, trailing ``.0`` dropped)."""
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def active_people(scope: ReportScope) -> QuerySet[User]:
    """The people every report counts: active, within the scope (people who left are in no figure)."""
    return User.objects.filter(scope.people_q(), is_active=True)
