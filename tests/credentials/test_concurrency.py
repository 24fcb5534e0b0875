"""Two grants of the same attempt at once make one credential: the unique attempt decides (runs on
PostgreSQL in CI, where the two transactions really overlap; on the SQLite file database writers
are serialised by IMMEDIATE transactions)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from credentials import services
from credentials.models import Credential, CredentialCounter, CredentialEvent
from tests.exams.test_concurrency import in_threads
from tests.factories import QualificationSessionFactory, UserFactory, sit_qualification

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
ATTEMPTS = 6


def test_two_grants_of_each_attempt_at_once_make_one_credential_each_and_no_number_twice():
    session = QualificationSessionFactory(
        opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
    )
    attempts = [
        sit_qualification(candidate=UserFactory(), session=session, now=NOW).pk for _ in range(ATTEMPTS)
    ]
    created: dict[str, list[bool]] = {"left": [], "right": []}

    def granter(name: str) -> Callable[[], None]:
        def grant_all() -> None:
            for attempt_id in attempts:
                created[name].append(services.credential_grant(attempt_id=attempt_id, now=NOW).created)

        return grant_all

    errors = in_threads(granter("left"), granter("right"))

    assert errors == []
    assert Credential.objects.count() == ATTEMPTS
    assert sorted(Credential.objects.values_list("attempt_id", flat=True)) == sorted(attempts)
    assert sorted(Credential.objects.values_list("number", flat=True)) == [
        f"JZ2026-{n:05d}" for n in range(1, ATTEMPTS + 1)
    ]
    assert CredentialCounter.objects.get(year=2026).last == ATTEMPTS
    assert [a or b for a, b in zip(created["left"], created["right"], strict=True)] == [True] * ATTEMPTS
    assert [a and b for a, b in zip(created["left"], created["right"], strict=True)] == [False] * ATTEMPTS
    assert CredentialEvent.objects.filter(action="grant").count() == ATTEMPTS
