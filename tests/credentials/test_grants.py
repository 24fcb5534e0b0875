"""Granting: a pass grants exactly one credential, numbered and dated; renewals supersede; regrades flag."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import override_settings

from credentials import selectors, services
from credentials.errors import NotAQualificationPass
from credentials.models import (
    Credential,
    CredentialAction,
    CredentialCounter,
    CredentialEvent,
    CredentialStatus,
)
from exams import services as exam_services
from exams.models import ExamKind
from tests.factories import (
    CredentialFactory,
    ExamFactory,
    ExamSessionFactory,
    QualificationSessionFactory,
    QuestionFactory,
    UserFactory,
    qualification_question,
    sit_qualification,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def session_at(now: datetime, **kwargs):
    return QualificationSessionFactory(
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), **kwargs
    )


def test_a_pass_grants_one_numbered_credential_dated_by_the_exam_validity():
    # given
    officer = UserFactory(is_enforcement_officer=True, name="张伟")
    attempt = sit_qualification(candidate=officer, session=session_at(NOW), now=NOW)
    # when
    result = services.credential_grant(attempt_id=attempt.pk, now=NOW)
    # then
    credential = result.credential
    assert result.created is True
    assert (credential.number, credential.holder_id, credential.attempt_id, credential.session_id) == (
        "JZ2026-00001",
        officer.pk,
        attempt.pk,
        attempt.session_id,
    )
    assert (credential.valid_from, credential.valid_until) == (date(2026, 3, 2), date(2029, 3, 1))
    assert credential.law_areas == ["行政处罚法"]
    assert (credential.status, credential.review_standing, credential.flagged_at) == ("valid", "good", None)
    assert len(credential.token) >= 32 and credential.token != credential.number
    assert list(CredentialEvent.objects.filter(credential=credential).values_list("action", flat=True)) == [
        CredentialAction.GRANT
    ]
    assert selectors.may_enforce(person=officer, on=date(2026, 3, 2)) is True
    assert selectors.may_enforce(person=officer, on=date(2029, 3, 2)) is False


def test_granting_the_same_attempt_again_returns_the_first_credential_and_uses_no_number():
    attempt = sit_qualification(candidate=UserFactory(), session=session_at(NOW), now=NOW)
    first = services.credential_grant(attempt_id=attempt.pk, now=NOW)

    again = services.credential_grant(attempt_id=attempt.pk, now=NOW + timedelta(minutes=1))

    assert (again.created, again.credential.pk, again.credential.number) == (
        False,
        first.credential.pk,
        "JZ2026-00001",
    )
    assert Credential.objects.count() == 1
    assert CredentialCounter.objects.get(year=2026).last == 1


def test_numbers_follow_each_other_per_year_with_the_configured_prefix():
    session = session_at(NOW)
    numbers = [CredentialFactory(session=session, granted_at=NOW).number for _ in range(3)]
    later = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)
    with override_settings(CREDENTIAL_NUMBER_PREFIX="XZ"):
        next_year = CredentialFactory(session=session_at(later), granted_at=later).number

    assert numbers == ["JZ2026-00001", "JZ2026-00002", "JZ2026-00003"]
    assert next_year == "XZ2027-00001"


@pytest.mark.parametrize("case", ["failed", "annual", "in_progress"])
def test_only_a_submitted_pass_of_a_qualification_exam_grants_and_a_refusal_changes_nothing(case):
    candidate = UserFactory()
    if case == "failed":
        attempt = sit_qualification(candidate=candidate, session=session_at(NOW), now=NOW, correct=False)
    elif case == "annual":
        QuestionFactory.create_batch(2)
        QuestionFactory(kind="multiple")
        QuestionFactory(kind="judge")
        session = ExamSessionFactory(
            exam=ExamFactory(kind=ExamKind.ANNUAL), opens_at=NOW - timedelta(hours=1)
        )
        attempt = sit_qualification(candidate=candidate, session=session, now=NOW)
        assert attempt.passed is True
    else:
        qualification_question()
        attempt = exam_services.attempt_start(
            session_id=session_at(NOW).pk, candidate=candidate, now=NOW
        ).attempt

    with pytest.raises(NotAQualificationPass) as refusal:
        services.credential_grant(attempt_id=attempt.pk, now=NOW)

    assert refusal.value.code == "not_a_qualification_pass"
    assert Credential.objects.count() == 0
    assert CredentialCounter.objects.count() == 0
    assert CredentialEvent.objects.count() == 0


def test_a_new_pass_supersedes_the_current_credential_and_keeps_the_history():
    officer = UserFactory(is_enforcement_officer=True)
    old = CredentialFactory(holder=officer, granted_at=NOW)
    later = NOW + timedelta(days=365 * 3 - 10)  # renewed ten days before expiry

    new = CredentialFactory(holder=officer, session=session_at(later), granted_at=later)

    old.refresh_from_db()
    assert (old.status, old.superseded_by_id) == (CredentialStatus.EXPIRED, new.pk)
    assert (new.status, new.superseded_by_id) == (CredentialStatus.VALID, None)
    assert selectors.current_credential(person=officer) == new
    assert [c.pk for c in selectors.credentials_of(person=officer)] == [new.pk, old.pk]
    event = CredentialEvent.objects.get(credential=old, action=CredentialAction.SUPERSEDE)
    assert (event.before["status"], event.after["status"], event.after["superseded_by"]) == (
        "valid",
        "expired",
        new.pk,
    )


def test_a_late_grant_of_an_older_pass_is_superseded_by_the_newer_credential_at_once():
    officer = UserFactory()
    older = sit_qualification(candidate=officer, session=session_at(NOW), now=NOW)
    later = NOW + timedelta(days=30)
    newer = CredentialFactory(holder=officer, session=session_at(later), granted_at=later)

    late = services.credential_grant(attempt_id=older.pk, now=later + timedelta(minutes=1)).credential

    late.refresh_from_db()
    newer.refresh_from_db()
    assert (late.superseded_by_id, late.status) == (newer.pk, CredentialStatus.EXPIRED)
    assert (newer.superseded_by_id, newer.status) == (None, CredentialStatus.VALID)


def correct_key(question, key, *, now):
    exam_services.question_correct_answer(
        question=question, answer=[key], reason="更正答案", actor=None, now=now
    )


def test_a_regrade_into_a_fail_flags_and_suspends_and_a_regrade_back_only_clears_the_flag():
    officer = UserFactory()
    credential = CredentialFactory(holder=officer, granted_at=NOW)
    question = qualification_question()
    assert selectors.may_enforce(person=officer, on=NOW.date()) is True

    # when: the key is corrected so that the officer's answer (B) is now wrong
    correct_key(question, "A", now=NOW)
    result = services.attempts_sync(attempt_ids=[credential.attempt_id], now=NOW)

    credential.refresh_from_db()
    assert (result.flagged, credential.status, credential.flagged_at) == (1, CredentialStatus.SUSPENDED, NOW)
    assert selectors.may_enforce(person=officer, on=NOW.date()) is False
    flag = CredentialEvent.objects.get(credential=credential, action=CredentialAction.FLAG)
    assert (flag.actor, flag.before["status"], flag.after["status"], flag.after["flagged"]) == (
        None,
        "valid",
        "suspended",
        True,
    )

    # when: corrected back
    correct_key(question, "B", now=NOW + timedelta(hours=1))
    result = services.attempts_sync(attempt_ids=[credential.attempt_id], now=NOW + timedelta(hours=1))

    credential.refresh_from_db()
    assert (result.unflagged, credential.status, credential.flagged_at) == (
        1,
        CredentialStatus.SUSPENDED,
        None,
    )
    assert selectors.may_enforce(person=officer, on=NOW.date()) is False  # an administrator restores


def test_the_sweep_grants_what_the_signal_missed_and_is_idempotent():
    session = session_at(NOW)
    passed = sit_qualification(candidate=UserFactory(), session=session, now=NOW)
    sit_qualification(candidate=UserFactory(), session=session, now=NOW, correct=False)

    first = services.credentials_catch_up(now=NOW + timedelta(minutes=1))
    second = services.credentials_catch_up(now=NOW + timedelta(minutes=2))

    assert (first.granted, first.flagged, second.granted, second.flagged) == (1, 0, 0, 0)
    assert list(Credential.objects.values_list("attempt_id", flat=True)) == [passed.pk]


def test_bulk_grant_of_a_closed_session_grants_every_pass_without_a_credential(django_assert_max_num_queries):
    session = session_at(NOW)
    already = CredentialFactory(session=session, granted_at=NOW)
    waiting = [sit_qualification(candidate=UserFactory(), session=session, now=NOW) for _ in range(2)]
    sit_qualification(candidate=UserFactory(), session=session, now=NOW, correct=False)
    closed = session.closes_at + timedelta(minutes=1)

    preview = selectors.bulk_grant_preview(session=session)
    granted = services.session_grant_all(session_id=session.pk, actor=UserFactory(), now=closed)

    assert sorted(row.attempt_id for row in preview) == sorted(a.pk for a in waiting)
    assert granted == 2
    assert Credential.objects.filter(session=session).count() == 3
    assert Credential.objects.get(pk=already.pk).number == "JZ2026-00001"


def test_bulk_grant_is_refused_for_an_open_session_and_changes_nothing():
    from credentials.errors import SessionNotClosed

    session = session_at(NOW)
    sit_qualification(candidate=UserFactory(), session=session, now=NOW)

    with pytest.raises(SessionNotClosed):
        services.session_grant_all(session_id=session.pk, actor=UserFactory(), now=NOW)

    assert Credential.objects.count() == 0
