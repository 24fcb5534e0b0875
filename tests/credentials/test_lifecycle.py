"""The lifecycle: every legal move works and is audited; every illegal move is refused and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from credentials import selectors, services
from credentials.errors import BackingAttemptFailed, CredentialRevoked, IllegalTransition, ReasonRequired
from credentials.models import Credential, CredentialAction, CredentialEvent, CredentialStatus
from exams import services as exam_services
from tests.factories import AdminFactory, CredentialFactory, qualification_question

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=10)

ACTS = {
    "suspend": services.credential_suspend,
    "restore": services.credential_restore,
    "revoke": services.credential_revoke,
}
# (from, act) → to, for every legal move
LEGAL = {
    ("valid", "suspend"): "suspended",
    ("suspended", "restore"): "valid",
    ("valid", "revoke"): "revoked",
    ("suspended", "revoke"): "revoked",
}


def credential_in(status: str) -> Credential:
    credential: Any = CredentialFactory(granted_at=NOW)
    admin: Any = AdminFactory()
    if status == "suspended":
        services.credential_suspend(credential_id=credential.pk, reason="调查", actor=admin, now=NOW)
    elif status == "revoked":
        services.credential_revoke(credential_id=credential.pk, reason="违法执法", actor=admin, now=NOW)
    elif status == "expired":
        services.credentials_expire(on=credential.valid_until + timedelta(days=1), now=NOW)
    credential.refresh_from_db()
    assert credential.status == status
    return credential


def state(credential: Credential) -> tuple:
    row = Credential.objects.get(pk=credential.pk)
    return (
        row.status,
        row.flagged_at,
        row.review_standing,
        CredentialEvent.objects.filter(credential=row).count(),
    )


@pytest.mark.parametrize(("start", "act"), sorted(LEGAL))
def test_every_legal_move_changes_the_status_and_records_who_when_why_before_and_after(start, act):
    credential = credential_in(start)
    admin = AdminFactory()

    changed = ACTS[act](credential_id=credential.pk, reason="  依据第12号决定  ", actor=admin, now=LATER)

    assert changed.status == LEGAL[(start, act)]
    assert Credential.objects.get(pk=credential.pk).status == LEGAL[(start, act)]
    event = CredentialEvent.objects.filter(credential=credential).latest("id")
    assert (event.action, event.actor, event.at, event.reason) == (act, admin, LATER, "依据第12号决定")
    assert (event.before["status"], event.after["status"]) == (start, LEGAL[(start, act)])


ILLEGAL = [
    (start, act)
    for start in ["valid", "suspended", "revoked", "expired"]
    for act in ACTS
    if (start, act) not in LEGAL
]


@pytest.mark.parametrize(("start", "act"), ILLEGAL)
def test_every_illegal_move_is_refused_with_a_code_and_changes_nothing(start, act):
    credential = credential_in(start)
    before = state(credential)

    with pytest.raises(IllegalTransition) as refusal:
        ACTS[act](credential_id=credential.pk, reason="试试", actor=AdminFactory(), now=LATER)

    expected = "credential_revoked" if start == "revoked" else "illegal_transition"
    assert refusal.value.code == expected
    assert refusal.value.status_code == 409
    assert credential.number in refusal.value.message
    assert state(credential) == before


@pytest.mark.parametrize("reason", ["", "   ", None, "长" * 2001])
def test_a_move_without_a_reason_is_refused_and_changes_nothing(reason):
    credential = credential_in("valid")
    before = state(credential)

    with pytest.raises(ReasonRequired) as refusal:
        services.credential_suspend(
            credential_id=credential.pk, reason=reason, actor=AdminFactory(), now=LATER
        )

    assert (refusal.value.code, refusal.value.field) == ("reason_required", "reason")
    assert state(credential) == before


def test_a_revoked_credential_never_becomes_valid_again():
    credential = credential_in("revoked")
    for act in ACTS:
        with pytest.raises(CredentialRevoked):
            ACTS[act](credential_id=credential.pk, reason="再试", actor=AdminFactory(), now=LATER)
    services.credentials_expire(on=date(2040, 1, 1), now=LATER)
    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.REVOKED


def test_the_daily_expiry_ends_valid_and_suspended_credentials_after_their_last_day_only():
    valid, suspended, revoked = credential_in("valid"), credential_in("suspended"), credential_in("revoked")
    last_day = valid.valid_until

    on_last_day = services.credentials_expire(on=last_day, now=NOW)
    day_after = services.credentials_expire(on=last_day + timedelta(days=1), now=NOW)
    again = services.credentials_expire(on=last_day + timedelta(days=1), now=NOW)

    assert (on_last_day, day_after, again) == (0, 2, 0)
    statuses = dict(Credential.objects.values_list("pk", "status"))
    assert (statuses[valid.pk], statuses[suspended.pk], statuses[revoked.pk]) == (
        "expired",
        "expired",
        "revoked",
    )
    assert CredentialEvent.objects.filter(action=CredentialAction.EXPIRE).count() == 2


def test_an_expired_suspended_credential_cannot_be_restored():
    credential = credential_in("suspended")
    after_end = datetime.combine(credential.valid_until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    before = state(credential)

    with pytest.raises(IllegalTransition):
        services.credential_restore(
            credential_id=credential.pk,
            reason="恢复",
            actor=AdminFactory(),
            now=after_end + timedelta(hours=8),
        )

    assert state(credential) == before


def test_a_flagged_credential_cannot_be_restored_while_its_attempt_fails_but_can_be_revoked():
    credential = credential_in("valid")
    exam_services.question_correct_answer(
        question=qualification_question(), answer=["A"], reason="更正", actor=None, now=NOW
    )
    services.attempts_sync(attempt_ids=[credential.attempt_id], now=NOW)
    before = state(credential)

    with pytest.raises(BackingAttemptFailed) as refusal:
        services.credential_restore(
            credential_id=credential.pk, reason="恢复", actor=AdminFactory(), now=LATER
        )
    assert refusal.value.code == "attempt_not_passed"
    assert state(credential) == before

    revoked = services.credential_revoke(
        credential_id=credential.pk, reason="答卷不合格", actor=AdminFactory(), now=LATER
    )
    assert (revoked.status, revoked.flagged_at) == ("revoked", None)
    assert selectors.may_enforce(person=credential.holder, on=LATER.date()) is False
