"""Fixtures for the whole suite.

Without ``REDIS_URL`` the suite starts the embedded Redis itself (a real
redis-server); with ``DATABASE_URL`` it runs on that database (PostgreSQL in CI).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from lawplatform import embedded_redis
from people.models import User


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process = None
    if "REDIS_URL" not in os.environ:
        process = embedded_redis.ensure(settings.REDIS_URL, data_dir=tmp_path_factory.mktemp("redis"))
    yield settings.REDIS_URL
    if process is not None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session", autouse=True)
def celery_test_queue() -> str:
    """Tasks of this test run go to a queue of its own, so that two runs sharing a Redis never swap tasks."""
    from lawplatform.celery import app

    queue = f"xuefa-test-{os.getpid()}"
    app.conf.task_default_queue = queue
    return queue


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def token_client(user: User) -> APIClient:
    """An API client that authenticates as ``user`` with a token, as API clients do."""
    token, _created = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def output_dir() -> Path:
    """Where tests leave what a person may want to look at (screenshots)."""
    path = settings.BASE_DIR / "test-output"
    path.mkdir(exist_ok=True)
    return path
