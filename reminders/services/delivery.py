"""Delivery that cannot double or drop: the sweep, the fan-out batches and the send, all database-driven.

The state lives in rows, never in queued messages, so any message may be lost (Redis restarted) or
run twice (a sweep twice at once, a worker killed and its task redelivered) without effect:

1. :func:`occasions_create_due` — every minute (beat), the rules whose moment has come and that have
   no occasion yet get one; ``(rule, key)`` is unique and the insert ignores conflicts.
2. :func:`occasions_plan` — an unplanned occasion is claimed with a compare-and-set on
   ``planned_at`` and its recipients (:func:`reminders.audience.recipients`) cut into
   :class:`FanOutBatch` ranges of ``REMINDERS_FAN_OUT_BATCH`` person ids, in one transaction (the
   database numbers the recipients and returns only where each range starts: 20 rows, not 100,000).
3. :func:`batches_claim` — batches not done and not enqueued within ``REMINDERS_LEASE_SECONDS``
   are (re-)enqueued: a batch lost with Redis or with a killed worker is picked up again.
4. :func:`batch_fan_out` — one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` per channel inserts
   the batch's delivery rows (unique per occasion, person, channel) and marks the batch done, in one
   transaction: two runs of one batch insert each row once.
5. :func:`deliveries_send` — pending rows of one occasion and channel, due now, are locked
   (``SKIP LOCKED`` on PostgreSQL), the people re-checked (whoever acted since is marked skipped),
   sent and marked sent with the time, chunk by chunk, each chunk one transaction. An inbox message
   is written in the same transaction as its row's mark (and is unique per delivery): exactly once.
   The inbox chunk is set-based (a constant four statements for 2,000 rows): the re-check is one
   ``UPDATE … WHERE NOT EXISTS`` against the recipients, the messages one ``INSERT … SELECT … ON
   CONFLICT DO NOTHING`` whose texts the database renders (the person's name concatenated between the
   template's fixed parts, :func:`reminders.messages.render_expression`), the mark one ``UPDATE``.
   An e-mail or a robot post leaves before the commit; a worker killed between the two sends it
   again when the row is picked up (at least once for the outside channels, never lost).

A failing channel backs off exponentially (``RETRY_BASE_SECONDS`` × 2ⁿ) for that row only, and after
``MAX_TRIES`` the row is ``failed`` with its error, listed for administrators; other channels and
rows go on. E-mail and robot rows wait for working hours (``reminders.channels``); inbox rows do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, Max, OuterRef, Q, Value, Window
from django.db.models.functions import Coalesce, Concat, Left, Mod, NullIf, RowNumber, Trim
from django.utils.translation import gettext as _

from exams.models import Attempt, AttemptStatus
from people.models import User

from .. import audience, channels
from ..messages import NAME, render, render_expression
from ..models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    FanOutBatch,
    Notification,
    Occasion,
    ReminderRule,
    Target,
    WebhookPost,
)

MAX_TRIES = 5
RETRY_BASE_SECONDS = 60
INBOX_CHUNK = 2000
EMAIL_CHUNK = 200
# How many names one robot message lists.
WEBHOOK_CHUNK = 50

OCCASION_RELATED = ("session__exam", "plan", "activity")


@dataclass(frozen=True)
class SendResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0  # tries this run that failed (retried later, or given up)
    waiting: bool = False  # rows left for later: outside working hours or the robot's rate limit


# ---------------------------------------------------------------- 1. due occasions


def rule_due_at(rule: ReminderRule, *, base: datetime | None = None) -> datetime:
    """When ``rule`` fires: its fixed time, or its offset from the target's own date (or ``base``)."""
    if rule.fixed_at is not None:
        return rule.fixed_at
    start = base or audience.anchor(
        event=rule.event, session=rule.session, plan=rule.plan, activity=rule.activity
    )
    return start + timedelta(minutes=rule.offset_minutes)


def occasion_for_rule(
    rule: ReminderRule,
    *,
    key: str,
    due_at: datetime,
    now: datetime,
    person_id: int | None = None,
    subject_id: int | None = None,
) -> Occasion:
    """An unsaved occasion: the rule's snapshot (what it says, to whom, how) for one firing."""
    return Occasion(
        rule=rule,
        key=key,
        event=rule.event,
        session=rule.session,
        plan=rule.plan,
        activity=rule.activity,
        person_id=person_id,
        subject_id=subject_id,
        audience_paths=sorted(department.path for department in rule.departments.all()),
        enforcement_officers_only=rule.enforcement_officers_only,
        channels=rule.channels,
        title=rule.title,
        body=rule.body,
        due_at=due_at,
        created_at=now,
    )


def _active_rules() -> Any:
    return (
        ReminderRule.objects.filter(is_active=True)
        .exclude(target=Target.CREDENTIAL)
        .select_related(*OCCASION_RELATED)
        .prefetch_related("departments")
    )


def occasions_create_due(*, now: datetime) -> int:
    """Record an occasion for each active rule whose moment has come (once); returns how many are new."""
    fresh: list[Occasion] = []
    once = (
        _active_rules()
        .exclude(event=Event.SESSION_FAILED)
        .filter(~Exists(Occasion.objects.filter(rule=OuterRef("pk"), key="")))
    )
    for rule in once:
        due = rule_due_at(rule)
        end = audience.window_end(
            event=rule.event, session=rule.session, plan=rule.plan, activity=rule.activity
        )
        if due <= now < end:
            fresh.append(occasion_for_rule(rule, key="", due_at=due, now=now))
    for rule in _active_rules().filter(
        event=Event.SESSION_FAILED, session__opens_at__lte=now, session__closes_at__gt=now
    ):
        done = set(Occasion.objects.filter(rule=rule).values_list("key", flat=True))
        failed = Attempt.objects.filter(
            session_id=rule.session_id,
            status=AttemptStatus.SUBMITTED,
            passed=False,
            submitted_at__lte=now - timedelta(minutes=rule.offset_minutes),
        ).values_list("pk", "candidate_id", "submitted_at")
        for attempt_id, candidate_id, submitted_at in failed:
            key = f"attempt:{attempt_id}"
            if key not in done:
                due = rule_due_at(rule, base=submitted_at)
                fresh.append(occasion_for_rule(rule, key=key, due_at=due, now=now, person_id=candidate_id))
    fresh.extend(_credential_occasions_due(now=now))
    created = Occasion.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(created)


def _credential_occasions_due(*, now: datetime) -> list[Occasion]:
    """One occasion per credential whose rule moment has come (``audience.credentials_due``), once."""
    fresh: list[Occasion] = []
    rules = (
        ReminderRule.objects.filter(is_active=True, target=Target.CREDENTIAL)
        .prefetch_related("departments")
        .order_by("pk")
    )
    due_by_rule = []
    for rule in rules:
        snapshot = occasion_for_rule(rule, key="", due_at=now, now=now)
        due = audience.credentials_due(snapshot, offset_minutes=rule.offset_minutes, now=now)
        if due:
            audience_of = (rule.event, tuple(snapshot.audience_paths), rule.enforcement_officers_only)
            due_by_rule.append((rule, audience_of, due))
    for rule, audience_of, due in due_by_rule:
        # A credential inside the windows of two rules of one event and audience (the 90- and the
        # 30-day reminders of a credential granted 20 days before its end) hears only the nearer.
        nearer = {
            item.credential.pk
            for other, other_audience, other_due in due_by_rule
            if other_audience == audience_of and other.offset_minutes > rule.offset_minutes
            for item in other_due
        }
        due = [item for item in due if item.credential.pk not in nearer]
        if not due:
            continue
        done = set(
            Occasion.objects.filter(rule=rule, key__in=[item.key for item in due]).values_list(
                "key", flat=True
            )
        )
        fresh.extend(
            occasion_for_rule(
                rule,
                key=item.key,
                due_at=item.due_at,
                now=now,
                person_id=item.credential.holder_id,
                subject_id=item.credential.pk,
            )
            for item in due
            if item.key not in done
        )
    return fresh


# ---------------------------------------------------------------- 2. planning the batches


def occasion_plan(*, occasion_id: int, now: datetime) -> int:
    """Cut one unplanned occasion's recipients into batches; 0 if another run planned it first."""
    with transaction.atomic():
        if not Occasion.objects.filter(pk=occasion_id, planned_at__isnull=True).update(planned_at=now):
            return 0
        occasion = Occasion.objects.select_related(*OCCASION_RELATED).get(pk=occasion_id)
        size = max(1, int(settings.REMINDERS_FAN_OUT_BATCH))
        # only the first recipient of every ``size`` (and the last of all) leave the database
        starts = list(
            audience.recipients(occasion)
            .order_by()
            .annotate(position=Window(RowNumber(), order_by=F("pk").asc()), last_id=Window(Max("pk")))
            .annotate(slot=Mod(F("position") - 1, size))
            .filter(slot=0)
            .order_by("pk")
            .values_list("pk", "last_id")
        )
        batches = [
            FanOutBatch(
                occasion_id=occasion_id,
                first_person_id=first,
                last_person_id=starts[i + 1][0] - 1 if i + 1 < len(starts) else last,
            )
            for i, (first, last) in enumerate(starts)
        ]
        FanOutBatch.objects.bulk_create(batches, ignore_conflicts=True)
        return len(batches)


def occasions_plan(*, now: datetime) -> int:
    planned = 0
    for occasion_id in Occasion.objects.filter(planned_at__isnull=True).values_list("pk", flat=True):
        planned += occasion_plan(occasion_id=occasion_id, now=now)
    return planned


# ---------------------------------------------------------------- 3. (re-)enqueueing


def batches_claim(*, now: datetime) -> list[int]:
    """The batches to enqueue now: not done, and never enqueued or not finished within the lease."""
    stale = now - timedelta(seconds=int(settings.REMINDERS_LEASE_SECONDS))
    waiting = Q(done_at__isnull=True) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale))
    ids = list(FanOutBatch.objects.filter(waiting).order_by("pk").values_list("pk", flat=True))
    if ids:
        FanOutBatch.objects.filter(waiting, pk__in=ids).update(enqueued_at=now)
    return ids


def sends_due(*, now: datetime) -> list[tuple[int, str]]:
    """(occasion, channel) pairs with pending rows due now."""
    rows = (
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_try_at__lte=now)
        .order_by()
        .values_list("occasion_id", "channel")
        .distinct()
    )
    return sorted(set(rows))


# ---------------------------------------------------------------- 4. fan-out


def _first_try_at(channel: str, now: datetime) -> datetime:
    return now if channel == Channel.INBOX else channels.next_working_time(now)


def deliveries_insert(*, occasion: Occasion, first_person_id: int, last_person_id: int, now: datetime) -> int:
    """``INSERT … SELECT`` the delivery rows of the recipients in an id range; conflicts are skipped."""
    people = (
        audience.recipients(occasion)
        .filter(pk__gte=first_person_id, pk__lte=last_person_id)
        .order_by()
        .annotate(recipient_id=F("pk"))
        .values_list("recipient_id", flat=True)
    )
    select_sql, select_params = people.query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    inserted = 0
    with connection.cursor() as cursor:
        for channel in occasion.channels:
            cursor.execute(
                f"INSERT INTO {table} "
                "(occasion_id, person_id, channel, status, created_at, next_try_at, tries, error) "
                f"SELECT %s, recipient.recipient_id, %s, %s, %s, %s, 0, '' FROM ({select_sql}) recipient "
                "WHERE true ON CONFLICT DO NOTHING",
                [
                    occasion.pk,
                    channel,
                    DeliveryStatus.PENDING,
                    adapt(now),
                    adapt(_first_try_at(channel, now)),
                    *select_params,
                ],
            )
            inserted += max(cursor.rowcount, 0)
    return inserted


def batch_fan_out(*, batch_id: int, now: datetime) -> list[tuple[int, str]]:
    """Insert one batch's delivery rows and mark it done; returns the (occasion, channel) pairs to send."""
    with transaction.atomic():
        batch = FanOutBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.done_at is not None:
            return []
        occasion = Occasion.objects.select_related(*OCCASION_RELATED).get(pk=batch.occasion_id)
        deliveries_insert(
            occasion=occasion,
            first_person_id=batch.first_person_id,
            last_person_id=batch.last_person_id,
            now=now,
        )
        batch.done_at = now
        batch.save(update_fields=["done_at"])
    return [(occasion.pk, channel) for channel in occasion.channels]


# ---------------------------------------------------------------- 5. sending


def _pending(occasion_id: int, channel: str, now: datetime, limit: int) -> list[Delivery]:
    return list(
        Delivery.objects.select_for_update(skip_locked=True)
        .filter(occasion_id=occasion_id, channel=channel, status=DeliveryStatus.PENDING, next_try_at__lte=now)
        .order_by("pk")[:limit]
    )


def _skip(rows: list[Delivery], reason: str) -> None:
    if rows:
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=DeliveryStatus.SKIPPED, error=reason
        )


def _mark_sent(rows: list[Delivery], now: datetime) -> None:
    if rows:
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=DeliveryStatus.SENT, sent_at=now, error=""
        )


def backoff_delay(tries: int) -> timedelta:
    """How long after its ``tries``-th failure a row is tried again."""
    return timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (tries - 1))


def _mark_failed(rows: list[Delivery], error: str, now: datetime) -> None:
    for row in rows:
        row.tries += 1
        row.error = error[:2000]
        if row.tries >= MAX_TRIES:
            row.status = DeliveryStatus.FAILED
        else:
            row.next_try_at = now + backoff_delay(row.tries)
    Delivery.objects.bulk_update(rows, ["tries", "error", "status", "next_try_at"])


def _split(
    occasion: Occasion, rows: list[Delivery], now: datetime
) -> tuple[list[tuple[Delivery, User]], list[Delivery]]:
    """The rows whose person still has to act (with the person), and the rows to skip."""
    end = audience.occasion_window_end(occasion)
    if now >= end:
        return [], rows
    people = {
        person.pk: person
        for person in audience.recipients(occasion).filter(pk__in=[row.person_id for row in rows])
    }
    keep = [(row, people[row.person_id]) for row in rows if row.person_id in people]
    skip = [row for row in rows if row.person_id not in people]
    return keep, skip


def _texts(occasion: Occasion, person: User, context: audience.MessageContext) -> tuple[str, str]:
    values = audience.placeholder_values(context=context, person=person, site_url=settings.SITE_URL)
    return render(occasion.title, values), render(occasion.body, values)


def deliveries_send(*, occasion_id: int, channel: str, now: datetime) -> SendResult:
    """Send the pending rows of one occasion and channel that are due at ``now``, chunk by chunk."""
    occasion = Occasion.objects.select_related(*OCCASION_RELATED).filter(pk=occasion_id).first()
    if occasion is None:
        return SendResult()
    context = audience.message_context(occasion)
    if channel != Channel.INBOX and not channels.in_working_hours(now):
        Delivery.objects.filter(
            occasion_id=occasion_id, channel=channel, status=DeliveryStatus.PENDING, next_try_at__lte=now
        ).update(next_try_at=channels.next_working_time(now))
        return SendResult(waiting=True)
    senders: dict[str, Any] = {
        Channel.INBOX: _send_inbox,
        Channel.EMAIL: _send_email,
        Channel.WEBHOOK: _send_webhook,
    }
    sender = senders[channel]
    total = SendResult()
    while True:
        result, more = sender(occasion, context, now)
        total = SendResult(
            sent=total.sent + result.sent,
            skipped=total.skipped + result.skipped,
            failed=total.failed + result.failed,
            waiting=result.waiting,
        )
        if not more or result.waiting:
            return total


def person_name_expression(prefix: str = "") -> Any:
    """``User.display_name`` in SQL: the name, else the full name, else the user name."""
    full_name = Trim(Concat(F(f"{prefix}first_name"), Value(" "), F(f"{prefix}last_name")))
    return Coalesce(
        NullIf(F(f"{prefix}name"), Value("")),
        NullIf(full_name, Value("")),
        F(f"{prefix}username"),
        output_field=CharField(),
    )


def _insert_notifications(
    occasion: Occasion, context: audience.MessageContext, ids: list[int], now: datetime
) -> None:
    """``INSERT … SELECT`` one inbox message per pending row of ``ids``, its text rendered by the
    database (:func:`reminders.messages.render_expression`); a row's message is unique, so a second
    run inserts nothing."""
    values = audience.placeholder_values(context=context, person=User(), site_url=settings.SITE_URL)
    per_row = {NAME: person_name_expression("person__")}
    title_length = int(Notification._meta.get_field("title").max_length or 200)
    rows = (
        Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING)
        .order_by()
        .annotate(
            n_person=F("person_id"),
            n_delivery=F("pk"),
            n_title=Left(render_expression(occasion.title, values, per_row), title_length),
            n_body=render_expression(occasion.body, values, per_row),
        )
        .values_list("n_person", "n_delivery", "n_title", "n_body")
    )
    select_sql, select_params = rows.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (person_id, delivery_id, title, body, url, created_at) "
            "SELECT n.n_person, n.n_delivery, n.n_title, n.n_body, %s, %s "
            f"FROM ({select_sql}) n WHERE true ON CONFLICT DO NOTHING",
            [context.path, connection.ops.adapt_datetimefield_value(now), *select_params],
        )


def _send_inbox(
    occasion: Occasion, context: audience.MessageContext, now: datetime
) -> tuple[SendResult, bool]:
    """One chunk, set-based: lock the rows' ids, mark skipped whoever no longer has to act (one
    ``UPDATE`` against :func:`audience.recipients`), insert the others' messages (one ``INSERT …
    SELECT``) and mark them sent (one ``UPDATE``); no row or person passes through Python."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                occasion_id=occasion.pk,
                channel=Channel.INBOX,
                status=DeliveryStatus.PENDING,
                next_try_at__lte=now,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:INBOX_CHUNK]
        )
        if not ids:
            return SendResult(), False
        chunk = Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING)
        if now >= audience.occasion_window_end(occasion):
            gone = chunk
        else:
            gone = chunk.filter(~Exists(audience.recipients(occasion).filter(pk=OuterRef("person_id"))))
        skipped = gone.update(status=DeliveryStatus.SKIPPED, error=_("已无需提醒"))
        _insert_notifications(occasion, context, ids, now)
        sent = chunk.update(status=DeliveryStatus.SENT, sent_at=now, error="")
    return SendResult(sent=sent, skipped=skipped), len(ids) == INBOX_CHUNK


def _send_email(
    occasion: Occasion, context: audience.MessageContext, now: datetime
) -> tuple[SendResult, bool]:
    with transaction.atomic():
        rows = _pending(occasion.pk, Channel.EMAIL, now, EMAIL_CHUNK)
        keep, skip = _split(occasion, rows, now)
        _skip(skip, _("已无需提醒"))
        no_address = [row for row, person in keep if not person.email]
        _skip(no_address, _("没有电子邮箱"))
        sent: list[Delivery] = []
        failed = 0
        backend = get_connection()
        try:
            backend.open()
            for row, person in keep:
                if not person.email:
                    continue
                title, body = _texts(occasion, person, context)
                message = channels.email_message(
                    to=person.email,
                    subject=title,
                    body=body,
                    url=settings.SITE_URL.rstrip("/") + context.path,
                )
                try:
                    channels.email_send(message, connection=backend)
                except channels.ChannelError as error:
                    _mark_failed([row], str(error), now)
                    failed += 1
                else:
                    sent.append(row)
        finally:
            backend.close()
        _mark_sent(sent, now)
    return SendResult(sent=len(sent), skipped=len(skip) + len(no_address), failed=failed), len(
        rows
    ) == EMAIL_CHUNK


def webhook_wait(now: datetime) -> datetime | None:
    """When the robot may post again, or None if it may now (at most the per-minute limit in 60 s)."""
    limit = int(settings.REMINDERS_WEBHOOK_PER_MINUTE)
    recent = list(
        WebhookPost.objects.filter(created_at__gt=now - timedelta(minutes=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + timedelta(minutes=1)


def webhook_text(occasion: Occasion, people: list[User], context: audience.MessageContext) -> tuple[str, str]:
    """The robot's message for several people: ``{姓名}`` becomes their names."""
    values = audience.placeholder_values(context=context, person=people[0], site_url=settings.SITE_URL)
    values["姓名"] = "、".join(person.display_name for person in people)
    title = render(occasion.title, values)
    link = settings.SITE_URL.rstrip("/") + context.path
    text = f"### {title}\n\n{render(occasion.body, values)}\n\n[{_('查看详情')}]({link})"
    return title, text


def _send_webhook(
    occasion: Occasion, context: audience.MessageContext, now: datetime
) -> tuple[SendResult, bool]:
    with transaction.atomic():
        rows = _pending(occasion.pk, Channel.WEBHOOK, now, WEBHOOK_CHUNK)
        if not rows:
            return SendResult(), False
        if not channels.webhook_configured():
            _mark_failed(rows, _("未配置群机器人地址（REMINDERS_WEBHOOK_URL）"), now)
            return SendResult(failed=len(rows)), len(rows) == WEBHOOK_CHUNK
        keep, skip = _split(occasion, rows, now)
        _skip(skip, _("已无需提醒"))
        if not keep:
            return SendResult(skipped=len(skip)), len(rows) == WEBHOOK_CHUNK
        wait_until = webhook_wait(now)
        if wait_until is not None:
            Delivery.objects.filter(pk__in=[row.pk for row, _person in keep]).update(next_try_at=wait_until)
            return SendResult(skipped=len(skip), waiting=True), False
        title, text = webhook_text(occasion, [person for _row, person in keep], context)
        sending = [row for row, _person in keep]
        try:
            channels.webhook_post(channels.webhook_payload(title=title, text=text))
        except channels.ChannelError as error:
            WebhookPost.objects.create(
                occasion=occasion, created_at=now, recipients=len(sending), ok=False, error=str(error)[:2000]
            )
            _mark_failed(sending, str(error), now)
            return SendResult(skipped=len(skip), failed=len(sending)), False
        WebhookPost.objects.create(occasion=occasion, created_at=now, recipients=len(sending), ok=True)
        _mark_sent(sending, now)
    return SendResult(sent=len(sending), skipped=len(skip)), len(rows) == WEBHOOK_CHUNK
