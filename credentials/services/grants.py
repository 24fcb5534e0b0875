"""Granting credentials: from a passed qualification attempt, once, with a number never given twice.

How a pass becomes a credential within a minute, even when a worker was down: ``exams`` sends
``attempts_graded`` after the grading transaction commits; ``credentials.apps`` connects a receiver
that enqueues ``credentials.tasks.attempts_sync`` (with ``transaction.on_commit``), and the beat task
``credentials.tasks.catch_up`` runs :func:`credentials_catch_up` every minute for whatever the
receiver missed. Both end in :func:`attempts_sync`, which is safe to run twice or concurrently:

- a passed qualification attempt without a credential is granted one (:func:`credential_grant`);
- a credential whose attempt is no longer a pass (a regrade) is flagged for an administrator:
  a valid one is suspended by the system, with the reason recorded; it is never revoked or left valid;
- a flagged credential whose attempt is a pass again loses the flag (the administrator restores it).

:func:`credential_grant` decides by the unique constraint on ``Credential.attempt``: the insert
runs in a savepoint and a second grant of the same attempt fails there and returns the first
one's row (two at once: one credential). The number comes from the year's ``CredentialCounter``
row, raised with ``F()`` in the same savepoint, so the row lock orders concurrent grants and a
grant that loses rolls its number back: a number is never given to two credentials.

Statements: a grant is a fixed handful (attempt read, counter upsert and raise, insert, supersede
update, event insert) whatever the holder's history.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import Attempt, AttemptItem, AttemptStatus, ExamKind, ExamSession
from people.models import User

from ..errors import NotAQualificationPass, NotAQualificationSession, SessionNotClosed
from ..models import (
    Credential,
    CredentialAction,
    CredentialCounter,
    CredentialStatus,
)
from .events import record, snapshot

TOKEN_BYTES = 24  # 32 URL-safe characters: unguessable


@dataclass(frozen=True)
class GrantResult:
    credential: Credential
    created: bool


@dataclass(frozen=True)
class SyncResult:
    granted: int = 0
    flagged: int = 0
    unflagged: int = 0


def number_prefix() -> str:
    return str(getattr(settings, "CREDENTIAL_NUMBER_PREFIX", "JZ"))


def format_number(*, year: int, sequence: int) -> str:
    return f"{number_prefix()}{year}-{sequence:05d}"


def next_number(*, year: int) -> str:
    """Raise the year's counter and return the number it gives; call inside the grant's transaction."""
    CredentialCounter.objects.get_or_create(year=year)
    CredentialCounter.objects.filter(year=year).update(last=F("last") + 1)
    sequence = CredentialCounter.objects.filter(year=year).values_list("last", flat=True).get()
    return format_number(year=year, sequence=sequence)


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February into a year without one
        return start.replace(year=start.year + years, day=28)


def validity(*, granted_on: date, years: int) -> tuple[date, date]:
    """From the day of the pass to the day before its anniversary ``years`` later."""
    return granted_on, add_years(granted_on, years) - timedelta(days=1)


def is_qualification_pass(attempt: Attempt) -> bool:
    return (
        attempt.status == AttemptStatus.SUBMITTED
        and attempt.passed is True
        and attempt.session.exam.kind == ExamKind.QUALIFICATION
    )


def law_areas_of(attempt: Attempt) -> list[str]:
    """The law areas of the exam's blueprint rules; for rules open to every area, the areas drawn."""
    exam = attempt.session.exam
    rules = list(exam.rules.values_list("category", flat=True))
    areas = {category for category in rules if category}
    if not areas or "" in rules:
        areas |= set(
            AttemptItem.objects.filter(attempt=attempt).values_list("category", flat=True).distinct()
        )
    return sorted(areas)


def credential_grant(*, attempt_id: int, now: datetime, actor: User | None = None) -> GrantResult:
    """Grant the credential of a passed qualification attempt, or return the one it already has.

    Raises ``NotAQualificationPass`` (and changes nothing) for any other attempt.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_related("session__exam").filter(pk=attempt_id).first()
        if attempt is None or not is_qualification_pass(attempt):
            raise NotAQualificationPass(_("只有行政执法资格考试合格的答卷才能授予执法资格。"))
        assert attempt.submitted_at is not None
        granted_on = timezone.localdate(attempt.submitted_at)
        valid_from, valid_until = validity(granted_on=granted_on, years=attempt.session.exam.validity_years)
        try:
            with transaction.atomic():
                credential = Credential.objects.create(
                    number=next_number(year=granted_on.year),
                    token=secrets.token_urlsafe(TOKEN_BYTES),
                    holder_id=attempt.candidate_id,
                    attempt=attempt,
                    session=attempt.session,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    law_areas=law_areas_of(attempt),
                    granted_at=now,
                    granted_by=actor,
                )
        except IntegrityError:
            existing = Credential.objects.filter(attempt_id=attempt_id).first()
            if existing is None:
                raise
            return GrantResult(credential=existing, created=False)
        record(credential, action=CredentialAction.GRANT, actor=actor, now=now, before={})
        _supersede(credential, attempt=attempt, now=now)
        return GrantResult(credential=credential, created=True)


def _supersede(credential: Credential, *, attempt: Attempt, now: datetime) -> None:
    """A renewal: the holder's earlier current credentials (not revoked) are superseded by this one;
    a valid one among them ends as expired. Should a later pass already have a credential (grants
    arriving out of order), this one is superseded by it at once."""
    assert attempt.submitted_at is not None
    others = (
        Credential.objects.select_for_update()
        .filter(holder_id=credential.holder_id, superseded_by__isnull=True)
        .exclude(pk=credential.pk)
        .exclude(status=CredentialStatus.REVOKED)
    )
    newest = credential
    for other in others.select_related("attempt").order_by("attempt__submitted_at", "id"):
        other_time = other.attempt.submitted_at
        if other_time is not None and other_time > attempt.submitted_at:
            newest = other
    for other in [credential, *others]:
        if other.pk == newest.pk or other.superseded_by_id is not None:
            continue
        before = snapshot(other)
        other.superseded_by = newest
        if other.status == CredentialStatus.VALID:
            other.status = CredentialStatus.EXPIRED
        other.save(update_fields=["superseded_by", "status"])
        record(
            other,
            action=CredentialAction.SUPERSEDE,
            actor=None,
            now=now,
            before=before,
            reason=_("换发为 %(number)s") % {"number": newest.number},
        )


# ---------------------------------------------------------------- keeping credentials in step with grading


def attempts_sync(*, attempt_ids: Iterable[int], now: datetime) -> SyncResult:
    """Bring the credentials of these (graded or regraded) attempts in step with their verdicts."""
    ids = sorted(set(attempt_ids))
    if not ids:
        return SyncResult()
    attempts = list(
        Attempt.objects.filter(pk__in=ids, session__exam__kind=ExamKind.QUALIFICATION)
        .values("pk", "status", "passed", credential_id=F("credential__pk"))
        .order_by("pk")
    )
    granted = flagged = unflagged = 0
    for row in attempts:
        passed = row["status"] == AttemptStatus.SUBMITTED and row["passed"] is True
        if passed and row["credential_id"] is None:
            granted += int(credential_grant(attempt_id=row["pk"], now=now).created)
        elif not passed and row["credential_id"] is not None:
            flagged += int(credential_flag(credential_id=row["credential_id"], now=now))
        elif passed and row["credential_id"] is not None:
            unflagged += int(credential_unflag(credential_id=row["credential_id"], now=now))
    return SyncResult(granted=granted, flagged=flagged, unflagged=unflagged)


CATCH_UP_BATCH = 500


def credentials_catch_up(*, now: datetime) -> SyncResult:
    """The sweep: every qualification attempt whose credential is out of step with its verdict
    (a pass without a credential, a fail with an unflagged credential, a pass with a flagged one)."""
    passed = Q(status=AttemptStatus.SUBMITTED, passed=True)
    out_of_step = (
        Attempt.objects.filter(session__exam__kind=ExamKind.QUALIFICATION)
        .filter(
            (passed & Q(credential__isnull=True))
            | (~passed & Q(credential__isnull=False, credential__flagged_at__isnull=True))
            | (passed & Q(credential__flagged_at__isnull=False))
        )
        .exclude(credential__status=CredentialStatus.REVOKED, credential__flagged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:CATCH_UP_BATCH]
    )
    return attempts_sync(attempt_ids=list(out_of_step), now=now)


@transaction.atomic
def credential_flag(*, credential_id: int, now: datetime) -> bool:
    """A regrade turned the backing attempt into a fail: flag the credential for an administrator's
    decision, and suspend it if it was valid (the system suspends; only an administrator revokes).
    A revoked credential is final and needs no decision. True when it was flagged now."""
    credential = Credential.objects.select_for_update().get(pk=credential_id)
    if credential.flagged_at is not None or credential.status == CredentialStatus.REVOKED:
        return False
    before = snapshot(credential)
    credential.flagged_at = now
    if credential.status == CredentialStatus.VALID:
        credential.status = CredentialStatus.SUSPENDED
    credential.save(update_fields=["flagged_at", "status"])
    record(
        credential,
        action=CredentialAction.FLAG,
        actor=None,
        now=now,
        before=before,
        reason=_("重新评分后该答卷不合格，待管理员决定吊销或恢复。"),
    )
    return True


@transaction.atomic
def credential_unflag(*, credential_id: int, now: datetime) -> bool:
    """The backing attempt is a pass again: clear the flag (the status stays for the administrator)."""
    credential = Credential.objects.select_for_update().get(pk=credential_id)
    if credential.flagged_at is None:
        return False
    before = snapshot(credential)
    credential.flagged_at = None
    credential.save(update_fields=["flagged_at"])
    record(
        credential,
        action=CredentialAction.UNFLAG,
        actor=None,
        now=now,
        before=before,
        reason=_("重新评分后该答卷恢复合格。"),
    )
    return True


# ---------------------------------------------------------------- bulk grant for a closed session


def session_check_bulk_grant(*, session: ExamSession, now: datetime) -> None:
    if session.exam.kind != ExamKind.QUALIFICATION:
        raise NotAQualificationSession(_("只有行政执法资格考试的场次才能批量授予执法资格。"))
    if session.closes_at > now:
        raise SessionNotClosed(_("场次尚未结束，结束后才能批量授予。"))


def session_grant_all(*, session_id: int, actor: User, now: datetime) -> int:
    """Grant every passed attempt of a closed qualification session that has no credential yet;
    returns how many were granted. Refuses (``NotAQualificationSession``, ``SessionNotClosed``) and
    changes nothing for any other session."""
    session = ExamSession.objects.select_related("exam").get(pk=session_id)
    session_check_bulk_grant(session=session, now=now)
    pending = Attempt.objects.filter(
        session=session, status=AttemptStatus.SUBMITTED, passed=True, credential__isnull=True
    ).values_list("pk", flat=True)
    granted = 0
    with transaction.atomic():
        for attempt_id in list(pending.order_by("pk")):
            granted += int(credential_grant(attempt_id=attempt_id, now=now, actor=actor).created)
    return granted


__all__ = [
    "GrantResult",
    "SyncResult",
    "attempts_sync",
    "credential_flag",
    "credential_grant",
    "credential_unflag",
    "credentials_catch_up",
    "format_number",
    "next_number",
    "session_check_bulk_grant",
    "session_grant_all",
    "validity",
]
