"""Celery tasks of the courses app; each is idempotent and safe to run twice or concurrently."""

from celery import shared_task
from django.utils import timezone

from .services import courses_complete_after_quiz


@shared_task(name="courses.tasks.complete_after_quiz")
def complete_after_quiz() -> int:
    """Complete the courses whose required quiz has been passed since (run every five minutes by beat)."""
    return courses_complete_after_quiz(now=timezone.now())
