"""Any sequence of grants, regrades, suspensions, restorations, revocations, expiries, reviews and
renewals keeps the invariants (a hypothesis ``RuleBasedStateMachine``):

- nobody may enforce without a passed qualification attempt behind a valid, current-dated credential
  in good review standing;
- a valid credential always has a passed attempt behind it;
- a revoked credential never becomes anything else;
- numbers are unique and never reused; each passed attempt has exactly one credential;
- a refused move changes nothing.

Each example runs inside a transaction that is rolled back at its end.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from credentials import selectors, services
from credentials.errors import IllegalTransition
from credentials.models import Credential, CredentialStatus
from exams import services as exam_services
from exams.models import Attempt, AttemptStatus, ExamKind, ExamSession
from people.models import User
from tests.factories import (
    AdminFactory,
    QualificationExamFactory,
    QualificationSessionFactory,
    UserFactory,
    qualification_question,
    sit_qualification,
)

START = datetime(2026, 1, 10, 2, 0, tzinfo=UTC)
NUMBER = re.compile(r"^JZ\d{4}-\d{5}$")
PEOPLE = 3


class Rollback(Exception):
    pass


class CredentialMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.now = START
        self.key = "B"
        self.question = qualification_question()
        self.exam = QualificationExamFactory(validity_years=1)
        self.people: list[User] = [
            cast(User, UserFactory(is_enforcement_officer=True)) for _ in range(PEOPLE)
        ]
        self.admin = cast(User, AdminFactory())
        self.revoked: set[int] = set()
        self.numbers_seen: dict[str, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # ------------------------------------------------------------ helpers

    def today(self) -> date:
        return self.now.date()

    def sync_all(self) -> None:
        ids = list(
            Attempt.objects.filter(session__exam__kind=ExamKind.QUALIFICATION).values_list("pk", flat=True)
        )
        services.attempts_sync(attempt_ids=ids, now=self.now)

    def credential(self, index: int) -> Credential | None:
        ids = list(Credential.objects.order_by("pk").values_list("pk", flat=True))
        return Credential.objects.get(pk=ids[index % len(ids)]) if ids else None

    def snapshot(self, credential: Credential) -> tuple[Any, ...]:
        row = Credential.objects.get(pk=credential.pk)
        return (row.status, row.flagged_at, row.review_standing, row.superseded_by_id, row.events.count())

    # ------------------------------------------------------------ rules

    @initialize()
    def nothing_yet(self) -> None:
        assert Credential.objects.count() == 0

    @rule(person=st.integers(0, PEOPLE - 1), passes=st.booleans())
    def sit(self, person: int, passes: bool) -> None:
        """A sitting of a fresh session: a pass grants (a renewal when the person holds one)."""
        session = cast(
            ExamSession,
            QualificationSessionFactory(
                exam=self.exam,
                opens_at=self.now - timedelta(hours=1),
                closes_at=self.now + timedelta(hours=2),
            ),
        )
        sit_qualification(candidate=self.people[person], session=session, now=self.now, correct=passes)
        self.sync_all()

    @rule()
    def regrade(self) -> None:
        """The key is corrected: every pass so far becomes a fail and every fail a pass."""
        self.key = "A" if self.key == "B" else "B"
        exam_services.question_correct_answer(
            question=self.question, answer=[self.key], reason="更正", actor=None, now=self.now
        )
        self.sync_all()

    @rule(index=st.integers(0, 50), act=st.sampled_from(["suspend", "restore", "revoke"]))
    def administrator_acts(self, index: int, act: str) -> None:
        credential = self.credential(index)
        if credential is None:
            return
        service = {
            "suspend": services.credential_suspend,
            "restore": services.credential_restore,
            "revoke": services.credential_revoke,
        }[act]
        before = self.snapshot(credential)
        try:
            changed = service(credential_id=credential.pk, reason="依法处理", actor=self.admin, now=self.now)
        except IllegalTransition:
            assert self.snapshot(credential) == before
        except Exception as refusal:  # BackingAttemptFailed and the like: refused, unchanged
            assert getattr(refusal, "status_code", None) == 409, refusal
            assert self.snapshot(credential) == before
        else:
            if act == "revoke":
                self.revoked.add(changed.pk)

    @rule(days=st.sampled_from([1, 30, 200, 400]))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days)
        services.credentials_expire(on=self.today(), now=self.now)

    @rule()
    def annual_review(self) -> None:
        review = services.review_schedule(year=self.today().year, review_on=self.today(), actor=self.admin)
        services.review_run(review_id=review.pk, now=self.now, actor=self.admin)

    @rule(index=st.integers(0, 50))
    def make_good(self, index: int) -> None:
        from credentials.models import ReviewResult

        ids = list(
            ReviewResult.objects.filter(passed=False, made_good_at__isnull=True).values_list("pk", flat=True)
        )
        if ids:
            services.review_make_good(
                result_id=ids[index % len(ids)], reason="已补足", actor=self.admin, now=self.now
            )

    # ------------------------------------------------------------ invariants

    @invariant()
    def nobody_enforces_without_a_passed_attempt_behind_a_valid_credential(self) -> None:
        for person in self.people:
            expected = any(
                c.status == CredentialStatus.VALID
                and c.valid_from <= self.today() <= c.valid_until
                and c.review_standing == "good"
                and c.attempt.status == AttemptStatus.SUBMITTED
                and c.attempt.passed is True
                and c.attempt.session.exam.kind == ExamKind.QUALIFICATION
                for c in Credential.objects.filter(holder=person).select_related("attempt__session__exam")
            )
            assert selectors.may_enforce(person=person, on=self.today()) is expected

    @invariant()
    def a_valid_credential_has_a_passed_attempt(self) -> None:
        assert (
            not Credential.objects.filter(status=CredentialStatus.VALID)
            .exclude(attempt__passed=True)
            .exists()
        )

    @invariant()
    def revoked_stays_revoked(self) -> None:
        statuses = dict(Credential.objects.filter(pk__in=self.revoked).values_list("pk", "status"))
        assert set(statuses.values()) <= {CredentialStatus.REVOKED}

    @invariant()
    def numbers_are_unique_and_never_reused(self) -> None:
        rows = list(Credential.objects.values_list("number", "pk"))
        assert len({number for number, _ in rows}) == len(rows)
        for number, pk in rows:
            assert NUMBER.match(number)
            assert self.numbers_seen.setdefault(number, pk) == pk

    @invariant()
    def every_passed_attempt_has_its_credential(self) -> None:
        assert not Attempt.objects.filter(
            session__exam__kind=ExamKind.QUALIFICATION,
            status=AttemptStatus.SUBMITTED,
            passed=True,
            credential__isnull=True,
        ).exists()

    @invariant()
    def at_most_one_current_credential_each(self) -> None:
        for person in self.people:
            current = Credential.objects.filter(holder=person, superseded_by__isnull=True).exclude(
                status=CredentialStatus.REVOKED
            )
            assert current.count() <= 1


@pytest.mark.django_db
def test_any_sequence_keeps_the_credential_invariants():
    run_state_machine_as_test(
        CredentialMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
