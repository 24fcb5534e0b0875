from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="lawplatform.heartbeat")
def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name="beat", defaults={"beat_at": timezone.now()})
