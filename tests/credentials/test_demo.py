"""The demo credentials: one in each state, granted from real passes; 张伟 holds none; idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from credentials import demo, selectors
from credentials.models import Credential
from exams import demo as exams_demo
from people import demo as people_demo
from people.models import User

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_the_demo_has_credentials_in_each_state_and_running_it_again_changes_nothing():
    with time_machine.travel(NOW, tick=False):
        people_demo.seed()
        exams_demo.seed()
        demo.seed()
        first = list(Credential.objects.order_by("pk").values_list("number", "status"))
        demo.seed()

    statuses = [status for _number, status in first]
    assert sorted(set(statuses)) == ["expired", "revoked", "suspended", "valid"]
    assert (statuses.count("suspended"), statuses.count("revoked"), statuses.count("expired")) == (1, 1, 1)
    assert statuses.count("valid") == 6
    assert list(Credential.objects.order_by("pk").values_list("number", "status")) == first
    assert [number for number, _status in first] == ["JZ2022-00001"] + [
        f"JZ2025-{n:05d}" for n in range(1, 7)
    ] + ["JZ2023-00001", "JZ2023-00002"]
    zhangwei = User.objects.get(username="zhangwei")
    assert selectors.current_credential(person=zhangwei) is None
    assert all(c.attempt.passed for c in Credential.objects.select_related("attempt"))
    # the two of the leader's division granted in 2023 expire within 90 days; last year's review
    # failed both and one was made good
    renewals = Credential.objects.filter(number__startswith="JZ2023").order_by("number")
    assert [c.holder.department.parent.name for c in renewals] == ["城建监察支队", "城建监察支队"]
    assert all(timedelta(0) < c.valid_until - NOW.date() <= selectors.EXPIRY_WARNING for c in renewals)
    assert [c.review_standing for c in renewals] == ["good", "failed"]
    assert (
        selectors.credential_figures(user=User.objects.get(username="admin"), on=NOW.date()).may_enforce == 5
    )
