"""Celery tasks of enforcement credentials; each takes ids, calls a service and is safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="credentials.tasks.attempts_sync")
def attempts_sync(attempt_ids: list[int]) -> dict[str, int]:
    """Grant, flag or unflag the credentials of just-graded attempts (enqueued by the receiver)."""
    result = services.attempts_sync(attempt_ids=attempt_ids, now=timezone.now())
    return {"granted": result.granted, "flagged": result.flagged, "unflagged": result.unflagged}


@shared_task(name="credentials.tasks.catch_up")
def catch_up() -> dict[str, int]:
    """Every minute: whatever the receiver missed (a worker down when an attempt was graded)."""
    result = services.credentials_catch_up(now=timezone.now())
    return {"granted": result.granted, "flagged": result.flagged, "unflagged": result.unflagged}


@shared_task(name="credentials.tasks.daily")
def daily() -> dict[str, int]:
    """Once a day: expire credentials past their last valid day, run the annual reviews that are due."""
    now = timezone.now()
    today = timezone.localdate(now)
    return {
        "expired": services.credentials_expire(on=today, now=now),
        "reviews": services.reviews_run_due(today=today, now=now),
    }
