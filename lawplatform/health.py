from __future__ import annotations

import logging
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from .models import Heartbeat

logger = logging.getLogger(__name__)


def health_state() -> dict[str, Any]:
    state: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        state["database"] = {"status": "up", "vendor": connection.vendor}
    except Exception as exc:
        logger.warning("health: database down: %s", exc)
        state["database"] = {"status": "down"}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        state["redis"] = {"status": "up"}
    except redis.RedisError as exc:
        logger.warning("health: redis down: %s", exc)
        state["redis"] = {"status": "down"}
    beat: dict[str, Any] = {"status": "down", "last_beat_at": None}
    if state["database"]["status"] == "up":
        last = Heartbeat.objects.filter(name="beat").values_list("beat_at", flat=True).first()
        if last is not None:
            beat["last_beat_at"] = last.isoformat()
            beat["age_seconds"] = round((timezone.now() - last).total_seconds(), 1)
            if timezone.now() - last <= settings.HEARTBEAT_STALE_AFTER:
                beat["status"] = "up"
    state["beat"] = beat
    state["status"] = (
        "up" if all(state[k]["status"] == "up" for k in ("database", "redis", "beat")) else "degraded"
    )
    return state


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    state = health_state()
    essential_up = state["database"]["status"] == "up" and state["redis"]["status"] == "up"
    return JsonResponse(state, status=200 if essential_up else 503)
