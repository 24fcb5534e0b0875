"""Reads of the reminders, already limited to what the asking user may see.

A person sees only their own notifications; rules, previews, occasions and failures are for exam
administrators (the views check the role, ``people.permissions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from common.params import is_row_id
from people.models import User

from . import audience
from .messages import render, render_parts
from .models import Delivery, DeliveryStatus, Notification, Occasion, ReminderRule, Target, WebhookPost
from .services.delivery import OCCASION_RELATED, occasion_for_rule, rule_due_at

PREVIEW_PEOPLE = 50


def notifications_for(*, person: User) -> QuerySet[Notification]:
    return Notification.objects.filter(person=person).order_by("-created_at", "-id")


def unread_count(*, person: User) -> int:
    return Notification.objects.filter(person=person, read_at__isnull=True).count()


def rule_list(*, target: str | None = None) -> QuerySet[ReminderRule]:
    rules = ReminderRule.objects.select_related("session", "plan", "activity").annotate(
        sent=Count("occasions__deliveries", filter=Q(occasions__deliveries__status=DeliveryStatus.SENT)),
        failed=Count("occasions__deliveries", filter=Q(occasions__deliveries__status=DeliveryStatus.FAILED)),
    )
    if target:
        rules = rules.filter(target=target)
    return rules.order_by("-id")


def rule_get(*, rule_id: int) -> ReminderRule:
    if not (rule_id > 0 and is_row_id(rule_id)):
        raise Http404
    return get_object_or_404(
        ReminderRule.objects.select_related(*OCCASION_RELATED).prefetch_related("departments"), pk=rule_id
    )


@dataclass(frozen=True)
class PreviewLine:
    person: User
    title: str
    body: str
    title_parts: list[tuple[str, bool]]  # (text, is a filled-in value): the page marks the values
    body_parts: list[tuple[str, bool]]


@dataclass(frozen=True)
class Preview:
    due_at: datetime | None
    count: int
    lines: list[PreviewLine]  # the first PREVIEW_PEOPLE, by name


def occasion_preview(occasion: Occasion, *, limit: int = PREVIEW_PEOPLE) -> Preview:
    """How many would receive ``occasion`` if it ran now, who (the first ``limit``) and what each reads."""
    people = audience.recipients(occasion).select_related("department").order_by("name", "pk")
    context = audience.message_context(occasion)
    lines = []
    for person in people[:limit]:
        values = audience.placeholder_values(context=context, person=person, site_url=settings.SITE_URL)
        lines.append(_line(person=person, title=occasion.title, body=occasion.body, values=values))
    return Preview(due_at=occasion.due_at, count=people.count(), lines=lines)


def _line(*, person: User, title: str, body: str, values: dict[str, str]) -> PreviewLine:
    return PreviewLine(
        person=person,
        title=render(title, values),
        body=render(body, values),
        title_parts=render_parts(title, values),
        body_parts=render_parts(body, values),
    )


def credential_rule_preview(*, rule: ReminderRule, now: datetime, limit: int = PREVIEW_PEOPLE) -> Preview:
    """A credential rule's preview: the holders of every credential it would fire for now (whether or
    not it already fired for them), each with their own credential's number and date."""
    snapshot = occasion_for_rule(rule, key="", due_at=now, now=now)
    due = audience.credentials_due(snapshot, offset_minutes=rule.offset_minutes, now=now)
    lines = []
    for item in due[:limit]:
        context = audience.credential_context(item.credential, deadline=item.deadline)
        person = item.credential.holder
        values = audience.placeholder_values(context=context, person=person, site_url=settings.SITE_URL)
        lines.append(_line(person=person, title=rule.title, body=rule.body, values=values))
    return Preview(due_at=None, count=len(due), lines=lines)


def rule_preview(*, rule: ReminderRule, now: datetime, limit: int = PREVIEW_PEOPLE) -> Preview:
    """A rule's preview as if it fired now (a per-attempt or per-credential rule: everyone it would
    reach now)."""
    if rule.target == Target.CREDENTIAL:
        return credential_rule_preview(rule=rule, now=now, limit=limit)
    due = None if rule.event == "session_failed" else rule_due_at(rule)
    occasion = occasion_for_rule(rule, key="", due_at=due or now, now=now)
    preview = occasion_preview(occasion, limit=limit)
    return Preview(due_at=due, count=preview.count, lines=preview.lines)


def rule_occasions(*, rule: ReminderRule) -> list[Occasion]:
    return list(
        Occasion.objects.filter(rule=rule)
        .annotate(
            sent=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SENT)),
            pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            skipped=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.SKIPPED)),
            failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        )
        .order_by("-due_at", "-id")[:50]
    )


def failed_deliveries(*, limit: int = 100) -> QuerySet[Delivery]:
    """Rows given up after the last retry, newest first: what an administrator must look at."""
    return (
        Delivery.objects.filter(status=DeliveryStatus.FAILED)
        .select_related("occasion", "person")
        .order_by("-id")[:limit]
    )


def failed_webhook_posts(*, limit: int = 20) -> QuerySet[WebhookPost]:
    return WebhookPost.objects.filter(ok=False).order_by("-created_at", "-id")[:limit]
