"""The demo's reminders: every demo session and plan gets its default rules now (the beat sweep would
within a minute), so the rules page shows them at once and the sessions' opening notices reach the
inbox at the first sweep after ``make run`` starts."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .services import default_rules_ensure


def seed(*, now: datetime | None = None) -> None:
    default_rules_ensure(now=now or timezone.now())
