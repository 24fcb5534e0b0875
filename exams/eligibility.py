"""Who may sit which exam session: the one place that decides it.

A user is eligible for a session when the user is active, their department lies
within the subtree of any of the session's departments (every department when the
session names none), and, if the session is for enforcement officers only, the
user is an enforcement officer.

Both directions are answered here and agree (a test proves it):

- :func:`session_eligible_q` filters sessions for one user (``my exams``, start); the user's
  department path is a value, or (:func:`user_department_path_in_query`) a subquery read inside
  the filter's own statement, as the start's claim of a paper drawn ahead does;
- :func:`eligible_users_q` / :func:`eligible_candidates` filter users for one
  session (the live board, participation reports).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import StartsWith

from people.models import Department, User
from people.scope import ancestor_ids, subtree_q

from .models import ExamSession


def user_department_path(user: User | AnonymousUser) -> str:
    """The user's department path ("" without a department); one query unless already loaded, and the
    department is then kept on ``user``, so the checks of one request read it once."""
    if not isinstance(user, User) or not user.department_id:
        return ""
    if User.department.is_cached(user) and user.department is not None:
        return str(user.department.path)
    department = Department.objects.filter(pk=user.department_id).only("id", "path").first()
    if department is None:
        return ""
    user.department = department
    return str(department.path)


def user_department_path_in_query(user: User) -> str | Subquery:
    """The user's department path for :func:`session_eligible_q` without a query of its own: the
    value when the department is loaded (or "" without one), else a subquery that the filter's
    statement reads itself."""
    if not user.department_id:
        return ""
    if User.department.is_cached(user) and user.department is not None:
        return str(user.department.path)
    return Subquery(Department.objects.filter(pk=user.department_id).values("path")[:1])


def session_eligible_q(user: User | AnonymousUser, *, department_path: str | Subquery | None = None) -> Q:
    """A filter over ``ExamSession`` for the sessions ``user`` is eligible for.

    ``department_path`` saves the query for the user's department path when the caller has it,
    as a value or as a subquery (:func:`user_department_path_in_query`). A session department
    counts when it is the user's department or above it: its id is on the user's path (a value),
    or the user's path starts with its path (a subquery; the test as :func:`eligible_users_q`'s).
    """
    if not isinstance(user, User) or not user.is_active:
        return Q(pk__in=[])
    path = user_department_path(user) if department_path is None else department_path
    through = ExamSession.departments.through.objects.filter(examsession=OuterRef("pk"))
    query = Q(~Exists(through))
    if isinstance(path, Subquery):
        query |= Q(Exists(through.filter(StartsWith(path, F("department__path")))))
    elif path:
        query |= Q(Exists(through.filter(department_id__in=ancestor_ids(path))))
    if not user.is_enforcement_officer:
        query &= Q(enforcement_officers_only=False)
    return query


def is_eligible(user: User | AnonymousUser, session: ExamSession) -> bool:
    """True when ``user`` may sit ``session`` (one query, built on :func:`session_eligible_q`)."""
    return ExamSession.objects.filter(session_eligible_q(user), pk=session.pk).exists()


def eligible_users_q(
    *, department_paths: list[str], enforcement_officers_only: bool, field_prefix: str = ""
) -> Q:
    """A filter over ``User`` (or rows reaching a user through ``field_prefix``, e.g. ``"candidate__"``)."""
    query = Q(**{f"{field_prefix}is_active": True})
    if department_paths:
        query &= subtree_q(department_paths, field=f"{field_prefix}department__path")
    if enforcement_officers_only:
        query &= Q(**{f"{field_prefix}is_enforcement_officer": True})
    return query


def session_department_paths(session: ExamSession) -> list[str]:
    return [department.path for department in session.departments.all()]


def eligible_candidates(session: ExamSession) -> QuerySet[User]:
    """Every user eligible for ``session`` (one query to read the session's departments)."""
    return User.objects.filter(
        eligible_users_q(
            department_paths=session_department_paths(session),
            enforcement_officers_only=session.enforcement_officers_only,
        )
    )
