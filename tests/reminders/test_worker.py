"""Proof with real processes: a Celery worker and beat started by the test, on real Redis.

The worker and beat run as separate processes (``celery -A lawplatform …``) on the test database and on
the test run's Redis (the embedded one, or ``REDIS_URL`` — e.g. this machine's, on our own db number),
with a queue of their own. The Redis-restart test starts, stops and starts a Redis of its own
(``lawplatform.embedded_redis``); no test touches a Redis or process it did not start.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from credentials.models import Credential
from exams import services as exam_services
from lawplatform import embedded_redis
from lawplatform.celery import app
from reminders import services
from reminders.models import Delivery, DeliveryStatus, FanOutBatch, Notification, Occasion, ReminderRule
from tests.factories import CredentialFactory, SessionRuleFactory, UserFactory
from tests.reminders.conftest import session_for

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 60


def wait_for(condition: Callable[[], bool], *, what: str, seconds: float = WAIT_SECONDS) -> None:
    """Poll ``condition`` until it holds (the processes work at their own pace), failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Processes:
    """Celery processes this test started; stopped (and only these) when it ends."""

    def __init__(self, *, redis_url: str, queue: str, logs: Path, extra_env: dict[str, str]) -> None:
        self.redis_url = redis_url
        self.queue = queue
        self.logs = logs
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DJANGO_SETTINGS_MODULE": "lawplatform.settings",
            **extra_env,
        }
        self.started: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "lawplatform", *args],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started.append(process)
        return process

    def worker(self) -> subprocess.Popen[bytes]:
        return self._start(
            "worker",
            "worker",
            "--pool",
            "solo",
            "--queues",
            self.queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        )

    def beat(self) -> subprocess.Popen[bytes]:
        return self._start("beat", "beat", "--loglevel", "INFO", "--pidfile", "", "--max-interval", "1")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


@pytest.fixture
def processes(
    tmp_path: Path, redis_server: str, celery_test_queue: str
) -> Iterator[Callable[..., Processes]]:
    made: list[Processes] = []

    def make(*, redis_url: str | None = None, **extra_env: str) -> Processes:
        created = Processes(
            redis_url=redis_url or settings.REDIS_URL,
            queue=celery_test_queue,
            logs=tmp_path,
            extra_env=extra_env,
        )
        made.append(created)
        return created

    yield make
    for created in made:
        created.stop_all()


def send(redis_url: str, queue: str, task: str, *args: Any) -> None:
    """Enqueue ``task`` on the Redis at ``redis_url`` (not necessarily the test run's)."""
    with app.connection_for_write(redis_url) as conn:
        app.send_task(task, args=list(args), connection=conn, queue=queue)


def queue_length(redis_url: str, queue: str) -> int:
    return int(redis.Redis.from_url(redis_url).llen(queue))


def each_once(people: list[Any]) -> bool:
    rows = dict(
        Notification.objects.values("person_id").annotate(n=Count("id")).values_list("person_id", "n")
    )
    return rows == {person.pk: 1 for person in people}


def everything_settled() -> bool:
    return (
        not FanOutBatch.objects.filter(done_at__isnull=True).exists()
        and not Delivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    )


def without_default_rules(session: Any) -> None:
    """Make the session's default rules now and delete them, so that the sweep leaves the session to the
    test's own rule (a deleted default stays deleted)."""
    services.default_rules_ensure(now=timezone.now(), session=session)
    for rule in ReminderRule.objects.filter(session=session, is_default=True):
        services.rule_delete(rule=rule)


def sweep_every_second(every: int = 1) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    interval, _created = IntervalSchedule.objects.get_or_create(every=every, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.exclude(name="reminders: sweep").delete()
    PeriodicTask.objects.update_or_create(
        name="reminders: sweep",
        defaults={"task": "reminders.tasks.reminders_sweep", "interval": interval, "enabled": True},
    )


def test_beat_and_a_worker_fire_a_rule_once_at_its_time_and_moving_the_session_moves_it(
    processes, one_question_exam
):
    # given three people and a session whose reminder (10 minutes before it opens) is not yet due,
    # because the session was moved a day later
    people = UserFactory.create_batch(3)
    now = timezone.now()
    session = session_for(
        one_question_exam, opens_at=now + timedelta(minutes=10), closes_at=now + timedelta(days=2)
    )
    without_default_rules(session)
    SessionRuleFactory(session=session, offset_minutes=-10)
    exam_services.session_update(session=session, opens_at=now + timedelta(days=1, minutes=10))
    sweep_every_second()
    running = processes()
    running.worker()
    running.beat()

    # when beat has swept several times
    wait_for(lambda: Occasion.objects.exists() or _sweeps_seen(running) >= 3, what="three sweeps")
    assert Notification.objects.count() == 0

    # and the session is moved back so that its reminder is due now
    exam_services.session_update(session=session, opens_at=timezone.now() + timedelta(minutes=10))
    wait_for(lambda: each_once(people), what="one inbox message each")
    seen = _sweeps_seen(running)
    wait_for(lambda: _sweeps_seen(running) >= seen + 3, what="three more sweeps")

    # then each person has exactly one message, from one occasion, and nothing more came
    assert each_once(people)
    assert Occasion.objects.count() == 1
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 3


def test_beat_and_a_worker_send_the_bureau_wide_credential_reminders_once_each(processes):
    # given a holder whose credential ends in 20 days (inside both default windows, 90 and 30 days
    # before: the nearer one speaks) and one whose credential ends in 60 days (the 90-day window
    # only); the sweep makes the bureau-wide defaults itself
    soon = CredentialFactory(granted_at=timezone.now() - timedelta(days=400))
    later = CredentialFactory(granted_at=timezone.now() - timedelta(days=400))
    Credential.objects.filter(pk=soon.pk).update(valid_until=timezone.localdate() + timedelta(days=20))
    Credential.objects.filter(pk=later.pk).update(valid_until=timezone.localdate() + timedelta(days=60))
    sweep_every_second()
    running = processes()
    running.worker()
    running.beat()

    # when beat has swept until both arrived, and three times more
    wait_for(lambda: Notification.objects.count() >= 2, what="two credential reminders")
    seen = _sweeps_seen(running)
    wait_for(lambda: _sweeps_seen(running) >= seen + 3, what="three more sweeps")

    # then one message per default rule, from one occasion each, and nothing more came
    assert sorted(Notification.objects.values_list("person_id", "title")) == sorted(
        [
            (later.holder.pk, f"执法证到期提醒：{later.number}"),
            (soon.holder.pk, f"执法证即将到期：{soon.number}"),
        ]
    )
    assert sorted(Occasion.objects.values_list("key", flat=True)) == sorted(
        [
            f"until:{soon.pk}:{(timezone.localdate() + timedelta(days=20)).isoformat()}",
            f"until:{later.pk}:{(timezone.localdate() + timedelta(days=60)).isoformat()}",
        ]
    )


def _sweeps_seen(running: Processes) -> int:
    """How many sweeps the workers have finished, read off their logs."""
    total = 0
    for log in running.logs.glob("worker-*.log"):
        total += log.read_text(errors="replace").count("reminders.tasks.reminders_sweep[") // 2
    return total


@contextmanager
def database_write_lock() -> Iterator[None]:
    """Hold a lock that makes the worker's fan-out wait, from a connection of its own."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        lock = sqlite3.connect(db["NAME"], isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        return
    import psycopg

    with psycopg.connect(database_url()) as pg:
        pg.execute("LOCK TABLE reminders_fanoutbatch IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            pg.rollback()


def test_a_worker_killed_mid_batch_leaves_every_recipient_exactly_one_delivery_after_restart(
    processes, settings, one_question_exam
):
    # given 120 people cut into batches of 40, and a due reminder planned by the sweep
    settings.REMINDERS_FAN_OUT_BATCH = 40
    settings.REMINDERS_LEASE_SECONDS = 1
    people = UserFactory.create_batch(120)
    now = timezone.now()
    session = session_for(
        one_question_exam, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1)
    )
    without_default_rules(session)
    SessionRuleFactory(session=session)
    services.occasions_create_due(now=now)
    services.occasions_plan(now=now)
    batch_ids = services.batches_claim(now=now)
    assert len(batch_ids) == 3
    running = processes(REMINDERS_FAN_OUT_BATCH="40", REMINDERS_LEASE_SECONDS="1")

    # when the worker takes the first batch and is killed with SIGKILL while it is inside it
    with database_write_lock():
        for batch_id in batch_ids:
            send(running.redis_url, running.queue, "reminders.tasks.batch_fan_out", batch_id)
        first = running.worker()
        wait_for(
            lambda: queue_length(running.redis_url, running.queue) < 3, what="the worker to take a batch"
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert Delivery.objects.count() == 0
    assert FanOutBatch.objects.filter(done_at__isnull=True).count() == 3

    # and a new worker starts, and the sweep runs (it re-enqueues the batch past its lease)
    running.worker()

    def swept_and_settled() -> bool:
        send(running.redis_url, running.queue, "reminders.tasks.reminders_sweep")
        time.sleep(0.5)
        return everything_settled() and each_once(people)

    wait_for(swept_and_settled, what="every batch fanned out and sent")

    # then every recipient has exactly one delivery row and one inbox message
    rows = dict(Delivery.objects.values("person_id").annotate(n=Count("id")).values_list("person_id", "n"))
    assert rows == {person.pk: 1 for person in people}
    assert each_once(people)


def test_redis_restarted_between_the_sweep_and_the_send_loses_nothing_and_doubles_nothing(
    processes, tmp_path, settings, one_question_exam
):
    # given a Redis of this test's own, and a due reminder the sweep has planned and enqueued
    settings.REMINDERS_LEASE_SECONDS = 1
    port = embedded_redis.free_port()
    url = f"redis://127.0.0.1:{port}/0"
    own = embedded_redis.start(port=port, data_dir=tmp_path / "redis")
    try:
        people = UserFactory.create_batch(5)
        now = timezone.now()
        session = session_for(
            one_question_exam, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1)
        )
        without_default_rules(session)
        SessionRuleFactory(session=session)
        services.occasions_create_due(now=now)
        services.occasions_plan(now=now)
        running = processes(redis_url=url, REMINDERS_LEASE_SECONDS="1")
        for batch_id in services.batches_claim(now=now):
            send(url, running.queue, "reminders.tasks.batch_fan_out", batch_id)
        assert queue_length(url, running.queue) == 1

        # when Redis stops (the embedded one keeps nothing) and starts again
        own.terminate()
        own.wait(timeout=10)
        own = embedded_redis.start(port=port, data_dir=tmp_path / "redis")
        assert queue_length(url, running.queue) == 0
        assert Notification.objects.count() == 0

        # and a worker runs the sweep
        running.worker()

        def swept_and_settled() -> bool:
            send(url, running.queue, "reminders.tasks.reminders_sweep")
            time.sleep(0.5)
            return everything_settled() and each_once(people)

        wait_for(swept_and_settled, what="the lost batch picked up again")

        # then each person got the reminder exactly once
        assert each_once(people)
        assert Delivery.objects.count() == 5
    finally:
        own.terminate()
        own.wait(timeout=10)
