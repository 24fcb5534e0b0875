"""Celery tasks of the exam engine; each is idempotent and safe to run twice or concurrently."""

from celery import shared_task
from django.utils import timezone

from .services import attempts_submit_overdue as submit_overdue
from .services import drawn_papers_discard, sessions_papers_draw_ahead


@shared_task(name="exams.tasks.attempts_submit_overdue")
def attempts_submit_overdue() -> int:
    """Submit, with what was saved, every attempt past its deadline plus grace (run every minute by beat)."""
    return submit_overdue(now=timezone.now())


@shared_task(name="exams.tasks.papers_draw_ahead")
def papers_draw_ahead() -> int:
    """Draw a paper ahead for everyone eligible for a session opening soon, and discard the papers
    nobody claimed of sessions that have closed (run every 5 minutes by beat); how many drawn."""
    now = timezone.now()
    drawn_papers_discard(now=now)
    return sessions_papers_draw_ahead(now=now)
