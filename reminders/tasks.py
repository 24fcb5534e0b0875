"""Celery tasks of the reminders; each takes ids, calls a service, and is safe to run twice or at once.

``reminders_sweep`` runs every minute (beat, schedule row made by migration). It is the only thing
that must run for reminders to go out: whatever a lost or repeated message left undone, the next
sweep finds in the database and enqueues again (see ``reminders/services/delivery.py``).
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import services


def _enqueue_sends(pairs: list[tuple[int, str]]) -> None:
    for occasion_id, channel in pairs:
        deliveries_send.delay(occasion_id, channel)


def _enqueue_batches(batch_ids: list[int]) -> None:
    for batch_id in batch_ids:
        batch_fan_out.delay(batch_id)


def _enqueue(batch_ids: list[int], pairs: list[tuple[int, str]]) -> None:
    _enqueue_batches(batch_ids)
    _enqueue_sends(pairs)


@shared_task(name="reminders.tasks.reminders_sweep")
def reminders_sweep() -> dict[str, int]:
    """Create missing default rules and due occasions, plan them, enqueue their batches and due sends."""
    now = timezone.now()
    defaults = services.default_rules_ensure(now=now)
    occasions = services.occasions_create_due(now=now)
    planned = services.occasions_plan(now=now)
    batches = services.batches_claim(now=now)
    sends = services.sends_due(now=now)
    transaction.on_commit(lambda: _enqueue(batches, sends))
    return {
        "defaults": defaults,
        "occasions": occasions,
        "batches_planned": planned,
        "batches_enqueued": len(batches),
        "sends_enqueued": len(sends),
    }


logger = logging.getLogger(__name__)


def start_soon(occasion_id: int) -> None:
    """After the commit, plan a new occasion (a nudge) at once; if the broker is down the sweep will."""

    def enqueue() -> None:
        try:
            occasion_start.delay(occasion_id)
        except OperationalError:
            logger.warning("broker unreachable: occasion %s waits for the next sweep", occasion_id)

    transaction.on_commit(enqueue)


@shared_task(name="reminders.tasks.occasion_start")
def occasion_start(occasion_id: int) -> int:
    """Plan one occasion at once (a nudge) and enqueue its batches, instead of waiting for the sweep."""
    now = timezone.now()
    planned = services.occasion_plan(occasion_id=occasion_id, now=now)
    _enqueue_batches(services.batches_claim(now=now))
    return planned


@shared_task(name="reminders.tasks.batch_fan_out")
def batch_fan_out(batch_id: int) -> int:
    """Insert one batch's delivery rows (once) and enqueue their sending."""
    pairs = services.batch_fan_out(batch_id=batch_id, now=timezone.now())
    _enqueue_sends(pairs)
    return len(pairs)


@shared_task(name="reminders.tasks.deliveries_send")
def deliveries_send(occasion_id: int, channel: str) -> int:
    """Send the due pending rows of one occasion and channel; returns how many were sent."""
    return services.deliveries_send(occasion_id=occasion_id, channel=channel, now=timezone.now()).sent
