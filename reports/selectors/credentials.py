"""Enforcement credentials by department subtree, and the people whose credential is at risk.

Who is counted: active people in scope (people who left are in no figure), in their current
department. Every rule is the credentials app's own (``credentials.selectors``; who is *at risk*, and
why, is its ``risk_q``/``at_risk_q``, the same filter the reminders' credential nudge uses):

- *valid*, *suspended*, *revoked*: credentials of those people by status (a renewal's superseded
  credential is ``expired`` and in none of the three);
- *expiring*: current valid credentials ending today or within ``credentials.selectors.EXPIRY_WARNING``
  (90 days, both ends included: the window the holder's own home page warns in);
- *review_failed*: valid or suspended credentials whose annual review failed and was not made good;
- *officers*: enforcement officers (``is_enforcement_officer``); *officers_not_enforcing*: those of
  them who may not enforce today by ``credentials.selectors.may_enforce_exists`` (no credential, or
  one that is suspended, revoked, expired, short of the review or whose backing attempt was regraded);
- *at_risk*: people whose credential is at risk: a current credential expiring, suspended or failed in
  review, or an officer who may not enforce. Each person once.

Set-based: one grouped count over the credentials, one over the people, one for the departments —
three statements whatever the number of departments, people or credentials. The people list is one
query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from credentials.models import Credential, CredentialStatus
from credentials.selectors import (
    AT_RISK,
    EXPIRY_WARNING,
    RISK_EXPIRING,
    RISK_NOT_ENFORCING,
    RISK_REVIEW_FAILED,
    RISK_SUSPENDED,
    at_risk_q,
    expiring_soon_q,
    expiry_window_end,
    review_failed_q,
    risk_q,
    suspended_q,
)
from people.models import Department, User

from ..errors import InvalidReportQuery
from .common import DepartmentRow, ReportScope, active_people, children_of, departments_in_scope, roll_up

EXPIRY_DAYS = EXPIRY_WARNING.days
CREDENTIAL_FIELDS = ("valid", "suspended", "revoked", "expiring", "review_failed")
PEOPLE_FIELDS = ("officers", "officers_not_enforcing", "at_risk")
FIELDS = CREDENTIAL_FIELDS + PEOPLE_FIELDS

# Who a people list shows: everyone at risk, or one reason.
LIST_AT_RISK = AT_RISK
LIST_EXPIRING = RISK_EXPIRING
LIST_SUSPENDED = RISK_SUSPENDED
LIST_REVIEW_FAILED = RISK_REVIEW_FAILED
LIST_NOT_ENFORCING = RISK_NOT_ENFORCING
CREDENTIAL_LISTS = (LIST_AT_RISK, LIST_EXPIRING, LIST_SUSPENDED, LIST_REVIEW_FAILED, LIST_NOT_ENFORCING)

# The reasons a person is at risk, as (annotation, label), in the order a list names them.
RISKS = [
    ("risk_expiring", gettext_noop("即将到期")),
    ("risk_suspended", gettext_noop("暂扣")),
    ("risk_review_failed", gettext_noop("年审不合格")),
    ("risk_not_enforcing", gettext_noop("执法人员不得执法")),
]


def expiring_before(today: date) -> date:
    """The first day past the expiry window that starts ``today``."""
    return expiry_window_end(today)


def _expiring(today: date) -> Q:
    return expiring_soon_q(on=today)


@dataclass(frozen=True)
class CredentialFigures:
    valid: int = 0
    suspended: int = 0
    revoked: int = 0
    expiring: int = 0
    review_failed: int = 0
    officers: int = 0
    officers_not_enforcing: int = 0
    at_risk: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


DepartmentCredentials = DepartmentRow[CredentialFigures]


@dataclass
class CredentialReport:
    today: date
    totals: CredentialFigures
    departments: list[DepartmentCredentials] = field(default_factory=list)

    def children_of(self, department_id: int | None) -> list[DepartmentCredentials]:
        return children_of(self.departments, department_id)

    def row(self, department_id: int) -> DepartmentCredentials | None:
        return next((row for row in self.departments if row.department.id == department_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "expiring_before": expiring_before(self.today).isoformat(),
            "totals": self.totals.as_dict(),
            "departments": [row.as_dict() for row in self.departments],
        }


def credential_report(*, scope: ReportScope, today: date) -> CredentialReport:
    """Credential figures for every department in scope over its subtree, and the totals over the scope."""
    departments = departments_in_scope(scope)
    held = (
        Credential.objects.filter(scope.people_q("holder__department__path"), holder__is_active=True)
        .order_by()
        .values("holder__department_id")
        .annotate(
            valid=Count("pk", filter=Q(status=CredentialStatus.VALID)),
            suspended=Count("pk", filter=suspended_q()),
            revoked=Count("pk", filter=Q(status=CredentialStatus.REVOKED)),
            expiring=Count("pk", filter=_expiring(today)),
            review_failed=Count("pk", filter=review_failed_q()),
        )
    )
    people = (
        active_people(scope)
        .order_by()
        .values("department_id")
        .annotate(
            officers=Count("pk", filter=Q(is_enforcement_officer=True)),
            officers_not_enforcing=Count("pk", filter=risk_q(RISK_NOT_ENFORCING, on=today)),
            at_risk=Count("pk", filter=at_risk_q(on=today)),
        )
    )
    zero = dict.fromkeys(FIELDS, 0)
    own: dict[Any, dict[str, int]] = {}
    held_rows: Any = held
    people_rows: Any = people
    for row in held_rows:
        own.setdefault(row["holder__department_id"], {**zero}).update(
            {name: row[name] for name in CREDENTIAL_FIELDS}
        )
    for row in people_rows:
        own.setdefault(row["department_id"], {**zero}).update({name: row[name] for name in PEOPLE_FIELDS})
    sums, totals = roll_up(departments=departments, own=own, fields=FIELDS)
    return CredentialReport(
        today=today,
        totals=CredentialFigures(**totals),
        departments=[
            DepartmentRow(department=node, figures=CredentialFigures(**sums[node.id])) for node in departments
        ],
    )


def credential_people(
    *, scope: ReportScope, today: date, which: str = LIST_AT_RISK, department: Department | None = None
) -> QuerySet[User]:
    """The people whose credential is at risk (``which`` in ``CREDENTIAL_LISTS``: all of them, or those
    at risk for one reason), within ``department``'s subtree if given; one query. Each person carries
    ``risk_expiring``, ``risk_suspended``, ``risk_review_failed``, ``risk_not_enforcing`` and their
    current credential's ``credential_id``, ``credential_number``, ``credential_status`` and
    ``credential_valid_until`` (their latest credential not superseded by a renewal; None for none)."""
    if which not in CREDENTIAL_LISTS:
        raise InvalidReportQuery(
            _("list 须为 %(choices)s 之一。") % {"choices": ", ".join(CREDENTIAL_LISTS)}, field="list"
        )
    people: Any = active_people(scope)
    if department is not None:
        people = people.filter(department__path__startswith=department.path)
    current = Credential.objects.filter(holder=OuterRef("pk"), superseded_by__isnull=True).order_by(
        "-granted_at", "-id"
    )
    people = people.annotate(
        **{
            f"risk_{reason}": ExpressionWrapper(risk_q(reason, on=today), output_field=BooleanField())
            for reason in (RISK_EXPIRING, RISK_SUSPENDED, RISK_REVIEW_FAILED, RISK_NOT_ENFORCING)
        },
        credential_id=Subquery(current.values("pk")[:1]),
        credential_number=Subquery(current.values("number")[:1]),
        credential_status=Subquery(current.values("status")[:1]),
        credential_valid_until=Subquery(current.values("valid_until")[:1]),
    )
    chosen = {
        LIST_AT_RISK: Q(risk_expiring=True)
        | Q(risk_suspended=True)
        | Q(risk_review_failed=True)
        | Q(risk_not_enforcing=True),
        LIST_EXPIRING: Q(risk_expiring=True),
        LIST_SUSPENDED: Q(risk_suspended=True),
        LIST_REVIEW_FAILED: Q(risk_review_failed=True),
        LIST_NOT_ENFORCING: Q(risk_not_enforcing=True),
    }[which]
    return (
        people.filter(chosen).select_related("department").order_by("department__path", "employee_no", "id")
    )


def risks_of(person: Any) -> list[str]:
    """The reasons (translated) a listed person is at risk, from the list's annotations."""
    return [_(label) for name, label in RISKS if getattr(person, name, False)]


def status_label(value: str | None) -> str:
    return str(CredentialStatus(value).label) if value else ""
