"""Reminder fan-out: 100,000 recipients persisted as delivery rows, beside a plain ``bulk_create`` of the
same rows (DESIGN.md section 6: all persisted in under 10 s with one worker, none twice; the database
part at most 1.3 × the plain insert).

- **plain insert** (the reference): ``Delivery.objects.bulk_create`` of the same 100,000 rows, in
  batches of the fan-out's size, each batch in its own transaction, as the fan-out commits them.
- **fan-out, database part**: the services the tasks call, run in this process one after the other:
  the sweep's occasion and batch planning, then every batch's ``INSERT … SELECT`` (recipients
  computed in the database: eligible, not yet submitted).
- **fan-out, one worker**: a real Celery worker process (``--concurrency 1``) on the bench's Redis;
  the clock runs from enqueuing the sweep until the last delivery row is committed (and, printed
  apart, until every inbox message is written).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from typing import Any

from bench.scenarios import figure


def _reset() -> None:
    from reminders.models import Delivery, FanOutBatch, Notification, Occasion

    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    FanOutBatch.objects.all().delete()
    Occasion.objects.all().delete()


def _people(count: int) -> Any:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from people.models import User
    from people.services import department_create

    department = department_create(name=f"提醒基准单位{timezone.now():%H%M%S%f}")
    password = make_password("bench-password")
    prefix = f"r{timezone.now():%H%M%S%f}"
    User.objects.bulk_create(
        [
            User(username=f"{prefix}-{i}", name=f"职工{i}", department=department, password=password)
            for i in range(count)
        ],
        batch_size=5000,
    )
    return department


def _session_rule() -> Any:
    from bench.data import add_questions, open_session
    from reminders import services
    from reminders.models import Event, Target

    add_questions(200, start=900_000)
    session = open_session(title="提醒基准考试")
    # the sweep would give the session its defaults; make and drop them so only the measured rule fires
    services.default_rules_ensure(now=session.opens_at, session=session)
    from reminders.models import ReminderRule

    ReminderRule.objects.filter(session=session).delete()
    return services.rule_create(
        data=services.RuleIn(
            target=Target.SESSION,
            event=Event.SESSION_OPENS,
            session=session,
            title="考试通知：{考试名称}",
            body="{姓名}，{考试名称}已开始，请于{截止时间}前完成。{链接}",
        ),
        actor=None,
    )


def _plain_insert(person_ids: list[int], occasion_id: int, batch: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from reminders.models import Delivery

    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, len(person_ids), batch):
        with transaction.atomic():
            Delivery.objects.bulk_create(
                [
                    Delivery(
                        occasion_id=occasion_id,
                        person_id=pk,
                        channel="inbox",
                        created_at=now,
                        next_try_at=now,
                    )
                    for pk in person_ids[start : start + batch]
                ],
                batch_size=batch,
            )
    return time.perf_counter() - started


def _fan_out_in_process() -> float:
    from django.utils import timezone

    from reminders import services

    now = timezone.now()
    started = time.perf_counter()
    services.occasions_create_due(now=now)
    services.occasions_plan(now=now)
    for batch_id in services.batches_claim(now=now):
        services.batch_fan_out(batch_id=batch_id, now=now)
    return time.perf_counter() - started


def _worker(redis_url: str) -> subprocess.Popen[bytes]:
    from django.conf import settings

    env = {**os.environ, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lawplatform",
            "worker",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
    )


def _wait_ready(redis_url: str) -> None:
    from lawplatform.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise RuntimeError("the bench's Celery worker did not start")


def run(args: argparse.Namespace) -> int:
    from django.db.models import Count
    from django.utils import timezone

    from lawplatform.celery import app
    from reminders.models import Delivery, DeliveryStatus, Notification
    from reminders.tasks import reminders_sweep

    count = args.recipients
    batch = int(os.environ.get("REMINDERS_FAN_OUT_BATCH", "5000"))
    print(f"\nreminder fan-out: {count:,} recipients, batches of {batch:,}", flush=True)
    _people(count)
    rule = _session_rule()
    from people.models import User

    person_ids = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True))

    # the reference: the same rows by a plain bulk_create (under a throw-away occasion)
    from reminders.services import occasion_for_rule

    occasion = occasion_for_rule(rule, key="reference", due_at=timezone.now(), now=timezone.now())
    occasion.save()
    plain = _plain_insert(person_ids, occasion.pk, batch)
    _reset()

    fan_out = _fan_out_in_process()
    rows = Delivery.objects.count()
    distinct = Delivery.objects.values("person_id", "channel").distinct().count()
    _reset()
    figure(
        "fan-out database part / plain bulk_create",
        f"{fan_out / plain:.2f} × ({fan_out:.2f} / {plain:.2f} s)",
        "≤ 1.3 ×",
        fan_out / plain <= 1.3,
    )
    figure(
        "fan-out rows, distinct (person, channel)",
        f"{rows:,}, {distinct:,}",
        f"{len(person_ids):,} each",
        rows == distinct == len(person_ids),
    )

    redis_url = os.environ["REDIS_URL"]
    worker = _worker(redis_url)
    try:
        _wait_ready(redis_url)
        started = time.perf_counter()
        reminders_sweep.delay()
        persisted = sent = None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and sent is None:
            if persisted is None and Delivery.objects.count() >= len(person_ids):
                persisted = time.perf_counter() - started
            if persisted is not None and not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists():
                sent = time.perf_counter() - started
            time.sleep(0.05)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    twice = Notification.objects.values("person_id").annotate(n=Count("id")).filter(n__gt=1).count()
    figure(
        "fan-out with one worker: all rows persisted",
        f"{persisted or float('nan'):.2f} s",
        "< 10 s",
        persisted is not None and persisted < 10,
    )
    figure("fan-out with one worker: every inbox message written", f"{sent or float('nan'):.2f} s")
    figure("people reminded twice", f"{twice}", "0", twice == 0)
    app.control.purge()
    return 0
