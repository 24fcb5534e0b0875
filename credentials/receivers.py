"""How credentials learn that attempts were graded: ``exams`` sends ``attempts_graded`` after the
grading transaction commits (exams never imports credentials); this receiver enqueues the sync task,
itself on commit, so a task never runs before the rows it reads are visible. A message that cannot
be sent (the broker down at that moment) is not retried here, so a candidate's submit never waits
on it: the ``credentials.tasks.catch_up`` sweep makes it good within a minute."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def on_attempts_graded(sender: Any, attempt_ids: list[int], **kwargs: Any) -> None:
    ids = sorted(set(attempt_ids))
    if ids:
        transaction.on_commit(lambda: enqueue_sync(ids))


def enqueue_sync(attempt_ids: list[int]) -> None:
    from .tasks import attempts_sync

    try:
        attempts_sync.apply_async((attempt_ids,), retry=False)
    except Exception:  # the broker is unreachable: the sweep will find these attempts
        logger.warning("credentials: could not enqueue the sync of attempts %s", attempt_ids, exc_info=True)
