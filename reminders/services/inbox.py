"""The in-app inbox: marking one's own notifications read. Nobody marks another person's."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.http import Http404

from common.params import is_row_id
from people.models import User

from ..models import Notification


@transaction.atomic
def notification_mark_read(*, person: User, notification_id: int, now: datetime) -> Notification:
    """Mark one of ``person``'s notifications read (the first reading time stays); 404 for anyone else's."""
    if not (notification_id > 0 and is_row_id(notification_id)):
        raise Http404
    notification = Notification.objects.select_for_update().filter(pk=notification_id, person=person).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, person: User, now: datetime) -> int:
    """Mark every unread notification of ``person`` read in one statement; returns how many."""
    return Notification.objects.filter(person=person, read_at__isnull=True).update(read_at=now)
