"""Fixtures for the whole suite.

Without ``REDIS_URL`` the suite starts the embedded Redis itself (a real
redis-server); with ``DATABASE_URL`` it runs on that database (PostgreSQL in CI).

``make test`` runs the suite in parallel with pytest-xdist (``-n auto --dist loadgroup``).
Each worker is a process of its own with its own test database (pytest-django adds the
worker's ``_gw0`` suffix), its own embedded Redis (or, on a shared ``REDIS_URL``, cache keys
under a prefix of its own, and only those are cleared), and its own Celery queue. The
browser tests share one Chromium on one worker (the ``browser`` xdist group).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lawplatform import embedded_redis
from people.models import User


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis of this test run: ``REDIS_URL`` when set, else an embedded one of its own.

    The embedded server listens on a free port chosen for this run, so that test runs
    side by side (or beside ``make run``) never share, or stop, each other's Redis.
    """
    if "REDIS_URL" in os.environ:
        # A Redis shared with other runs (or the other workers of this one): keys of our own.
        caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": run_key_prefix()}}
        with override_settings(CACHES=caches):
            yield settings.REDIS_URL
        return
    port = embedded_redis.free_port()
    process = embedded_redis.start(port=port, data_dir=tmp_path_factory.mktemp("redis"))
    url = f"redis://127.0.0.1:{port}/0"
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    with override_settings(REDIS_URL=url, CACHES=caches, CELERY_BROKER_URL=url):
        from lawplatform.celery import app

        app.conf.broker_url = url
        try:
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


def run_key_prefix() -> str:
    """The cache key prefix of this test process: its xdist worker (``gw0``…) and its process id."""
    return f"xuefa-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue() -> str:
    """Tasks of this test process go to a queue of its own, so that two runs (or two xdist workers)
    sharing a Redis never swap tasks."""
    from lawplatform.celery import app

    queue = f"xuefa-test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    app.conf.task_default_queue = queue
    return queue


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the site's default language (Chinese).

    A page served in English leaves English active in the thread that served it; without this, a
    later test on the same worker that calls a service directly would read its messages in English.
    """
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache(redis_server: str) -> None:
    """Every test starts with an empty cache, so cached state never leaks from one test to the next.

    On the embedded Redis, which this process alone uses, that is the whole database; on a
    shared ``REDIS_URL``, only this process's keys (a flush would empty the other workers'
    caches and queues in the middle of their tests).
    """
    from django.core.cache import cache

    if "REDIS_URL" not in os.environ:
        cache.clear()
        return
    client = redis.Redis.from_url(redis_server)
    keys = list(client.scan_iter(match=f"{run_key_prefix()}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def seed_law_areas(request: pytest.FixtureRequest) -> None:
    """The seed law areas come from a data migration; a transactional test's flush removes them,
    so a transactional test puts them back first."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    from exams.models import SEED_LAW_AREAS, LawArea

    LawArea.objects.bulk_create([LawArea(name=name) for name in SEED_LAW_AREAS], ignore_conflicts=True)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def token_client(user: User) -> APIClient:
    """An API client that authenticates as ``user`` with a token, as API clients do.

    Its token is dated far ahead, so that it outlives ``TOKEN_LIFETIME`` while a test travels in
    time; tokens that end are tested through a real login (tests/people/test_logins.py).
    """
    token, _created = Token.objects.get_or_create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() + timedelta(days=3650))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def output_dir() -> Path:
    """Where tests leave what a person may want to look at (screenshots)."""
    path = settings.BASE_DIR / "test-output"
    path.mkdir(exist_ok=True)
    return path
