"""The attempt engine's raw SQL, each statement written once and named here.

- :func:`items_insert` — a paper's items in one statement (PostgreSQL: one JSON document
  through ``jsonb_to_recordset``);
- :func:`answers_upsert` — a save's guarded multi-row ``INSERT … ON CONFLICT``;
- :func:`attempt_save_state` — the attempt row as a save reads it (status, deadline, item index).

Django's ORM cannot say these (a guarded ``INSERT … SELECT`` with ``FOR KEY SHARE``), or says
them slowly (client-side quoting of a 100-row insert); everything else is the ORM's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.utils.dateparse import parse_datetime

from ...models import SAVE_GRACE, Attempt, AttemptAnswer, AttemptItem, AttemptStatus

# Every concrete column of AttemptItem but the id, with the type ``jsonb_to_recordset``
# reads it as (a test holds this list to the model).
ITEM_COLUMNS = [
    ("attempt_id", "bigint"),
    ("position", "integer"),
    ("question_id", "bigint"),
    ("kind", "text"),
    ("stem", "text"),
    ("options", "jsonb"),
    ("points", "integer"),
    ("correct", "jsonb"),
    ("explanation", "text"),
    ("law_reference", "text"),
    ("category", "text"),
    ("earned", "numeric"),  # null until graded: no item carries it at start
]


def items_insert(items: list[dict[str, Any]]) -> dict[int, int]:
    """Insert a paper's items (column values by name) in one statement; their ids by position.

    On PostgreSQL the rows travel as one JSON document through ``jsonb_to_recordset``:
    Django's bulk insert quotes every value of a 100-item paper in Python (client-side
    binding), which made up a third of a start; elsewhere ``bulk_create`` does it.
    """
    if connection.vendor != "postgresql":
        created = AttemptItem.objects.bulk_create([AttemptItem(**item) for item in items])
        return {item.position: item.pk for item in created}
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name, _type in ITEM_COLUMNS)
    record = ", ".join(f"{quote(name)} {kind}" for name, kind in ITEM_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AttemptItem._meta.db_table)} ({names}) SELECT {names} "
            f"FROM jsonb_to_recordset(%s::jsonb) AS x({record}) RETURNING id, position",
            [json.dumps(items, ensure_ascii=False)],
        )
        return {position: item_id for item_id, position in cursor.fetchall()}


def attempt_save_state(*, attempt_id: int, candidate_id: int) -> tuple[str, datetime, dict[str, Any]] | None:
    table = connection.ops.quote_name(Attempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status, deadline, item_index FROM {table} WHERE id = %s AND candidate_id = %s",
            [attempt_id, candidate_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    status, deadline, index = row
    if isinstance(deadline, str):
        deadline = parse_datetime(deadline)
    if deadline.tzinfo is None:  # SQLite keeps datetimes as naive UTC
        deadline = deadline.replace(tzinfo=UTC)
    if isinstance(index, str):
        index = json.loads(index)
    return status, deadline, index


def answers_upsert(*, attempt_id: int, rows: list[tuple[int, str]], now: datetime) -> int:
    """Write the answers if the attempt is still open; returns how many rows were written (0: closed).

    The rows go in (and their answer rows are locked) in item order, whatever order the
    client sent them in: two saves of the same items in opposite orders, each locking
    one row the other wants next, would deadlock on PostgreSQL.
    """
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    values = ", ".join(["(%s, %s)"] * len(rows))
    params: list[Any] = [value for row in rows for value in row]
    stamp = connection.ops.adapt_datetimefield_value(now)
    open_since = connection.ops.adapt_datetimefield_value(now - SAVE_GRACE)
    sql = (
        f"WITH v (item_id, keys) AS (VALUES {values}) "
        f"INSERT INTO {quote(AttemptAnswer._meta.db_table)} (attempt_id, item_id, {quote('keys')}, saved_at) "
        f"SELECT %s, v.item_id, {'CAST(v.keys AS jsonb)' if postgres else 'v.keys'}, %s FROM v "
        f"WHERE EXISTS (SELECT 1 FROM {quote(Attempt._meta.db_table)} "
        f"WHERE id = %s AND status = %s AND deadline >= %s{' FOR KEY SHARE' if postgres else ''}) "
        "ORDER BY v.item_id "
        f"ON CONFLICT (item_id) DO UPDATE SET {quote('keys')} = excluded.{quote('keys')}, "
        "saved_at = excluded.saved_at RETURNING item_id"
    )
    params += [attempt_id, stamp, attempt_id, AttemptStatus.IN_PROGRESS.value, open_since]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # Rows written, inserted or updated (rowcount is not reliable for a WITH statement on SQLite).
        return len(cursor.fetchall())
