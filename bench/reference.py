"""R_save: a bare DRF endpoint with the platform's token authentication and one INSERT ... ON CONFLICT."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

TABLE = "bench_reference_answer"


def create_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (attempt_id bigint NOT NULL, item_id bigint NOT NULL, "
            "keys jsonb NOT NULL, saved_at timestamptz NOT NULL, PRIMARY KEY (attempt_id, item_id))"
        )
        cursor.execute(f"TRUNCATE {TABLE}")


class ReferenceSave(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    def put(self, request: Request, attempt_id: int) -> Response:
        answers: list[dict[str, Any]] = request.data["answers"]
        now = timezone.now()
        values = []
        params: list[Any] = []
        for answer in answers:
            values.append("(%s, %s, %s, %s)")
            params += [attempt_id, answer["item"], json.dumps(answer["keys"]), now]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (attempt_id, item_id, keys, saved_at) VALUES {', '.join(values)} "
                "ON CONFLICT (attempt_id, item_id) DO UPDATE SET keys = EXCLUDED.keys, saved_at = EXCLUDED.saved_at",
                params,
            )
        return Response({"saved": len(answers), "saved_at": now})
