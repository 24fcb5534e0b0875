from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from lawplatform.celery import app
from lawplatform.models import Heartbeat
from lawplatform.tasks import heartbeat


@pytest.mark.django_db
def test_healthz_reports_database_and_redis_up_and_beat_down_before_any_heartbeat(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "up"
    assert body["redis"] == {"status": "up"}
    assert body["beat"] == {"status": "down", "last_beat_at": None}
    assert body["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_shows_beat_up_after_a_recent_heartbeat_and_down_when_stale(client):
    heartbeat()
    body = client.get("/healthz").json()
    assert body["beat"]["status"] == "up"
    assert body["status"] == "up"

    Heartbeat.objects.update(beat_at=timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz").json()["beat"]["status"] == "down"


@pytest.mark.django_db
def test_heartbeat_schedule_is_installed_by_migration():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="heartbeat")
    assert (task.task, task.interval.every, task.interval.period, task.enabled) == (
        "lawplatform.heartbeat",
        30,
        "seconds",
        True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_heartbeat_through_redis():
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        heartbeat.delay()
        deadline = timezone.now() + timedelta(seconds=15)
        while not Heartbeat.objects.filter(name="beat").exists() and timezone.now() < deadline:
            import time

            time.sleep(0.1)
    assert Heartbeat.objects.filter(name="beat").count() == 1


@pytest.mark.django_db
def test_api_docs_page_serves_its_assets_locally(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/api/schema/").status_code == 200
