"""The exam-day scenarios: start spike, autosave and submit, each beside its reference."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

GOALS: list[tuple[str, bool]] = []


def prepare_database(database_url: str, redis_url: str) -> None:
    import django
    import psycopg
    import redis

    name = urlparse(database_url).path.lstrip("/")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(redis_url).flushdb()
    django.setup()
    from django.core.management import call_command

    from bench.reference import create_table

    call_command("migrate", verbosity=0)
    create_table()


def figure(name: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"{name:<58} {value:>22}   {goal}{verdict}", flush=True)
    if ok is not None:
        GOALS.append((name, ok))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def statements(call: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        call()
    # Transaction control (BEGIN, COMMIT, savepoints) is not a statement that reads or writes data.
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")
    return len([q for q in context.captured_queries if not q["sql"].startswith(control)])


def run_all(args: argparse.Namespace) -> int:
    from rest_framework.test import APIClient

    from bench import data, load
    from bench.server import Gunicorn
    from exams.models import Attempt, AttemptAnswer, AttemptItem

    rng = random.Random(2026)
    started = time.monotonic()
    print(
        f"bench: {args.candidates} candidates, bank {args.bank} then {args.big_bank}, "
        f"100-question papers, {args.connections} connections for saves",
        flush=True,
    )
    candidates = data.add_candidates(args.candidates + 2)
    probe_candidates, candidates = candidates[:2], candidates[2:]
    data.add_questions(args.bank)
    session_small = data.open_session(title="基准：题库 5,000")
    # Papers drawn ahead for everyone (the beat task's job before a session opens).
    from django.utils import timezone

    from exams.services import session_papers_draw

    drawing = time.monotonic()
    drawn_small = session_papers_draw(session_id=session_small.pk, now=timezone.now())
    draw_small_seconds = time.monotonic() - drawing

    def client_for(token: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    # Statement counts, in process, through the real API.
    probe = client_for(probe_candidates[0][1])
    start_path = f"/api/v1/exam-sessions/{session_small.pk}/attempts/"
    start_small = statements(lambda: probe.post(start_path))
    body = probe.post(start_path).json()
    save_body = data.answer_payload(body["items"], rng, 3)
    save_count = statements(
        lambda: probe.put(f"/api/v1/attempts/{body['id']}/answers/", save_body, format="json")
    )
    every_item = data.answer_payload(body["items"], rng, 100)
    probe.put(f"/api/v1/attempts/{body['id']}/answers/", every_item, format="json")
    submit_count = statements(lambda: probe.post(f"/api/v1/attempts/{body['id']}/submit/"))
    figure("statements per save (auth included)", str(save_count), "goal <= 2", save_count <= 2)
    figure("papers drawn ahead, bank 5,000", f"{drawn_small} in {draw_small_seconds:.1f} s")
    figure("statements per submit, 100-question paper", str(submit_count), "goal <= 5", submit_count <= 5)

    env = {"DJANGO_SETTINGS_MODULE": "bench.settings"}
    with Gunicorn(port=args.port, env=env, workers=args.workers, threads=args.threads):
        host, port = "127.0.0.1", args.port
        spike_connections = min(64, args.candidates)

        # Start spike, bank 5,000.
        requests = [("POST", start_path, token, None) for _uid, token in candidates]
        spike_small = load.run(host, port, load.split(requests, spike_connections), keep_bodies=True)
        figure(
            "start spike, bank 5,000: p99",
            ms(spike_small.percentile(99)),
            "goal < 1500 ms",
            spike_small.percentile(99) < 1.5,
        )
        figure("start spike, bank 5,000: p50", ms(spike_small.percentile(50)))
        figure("start spike, bank 5,000: errors", str(spike_small.errors), "goal 0", spike_small.errors == 0)
        for sample in spike_small.error_samples:
            print("   ", sample)
        papers = {paper["id"]: paper for paper in spike_small.bodies}
        token_of = {uid: token for uid, token in candidates}
        owner = dict(Attempt.objects.filter(pk__in=list(papers)).values_list("pk", "candidate_id"))

        # Autosave: the reference endpoint, the real one, the reference again.
        save_requests = []
        reference_requests = []
        attempt_ids = list(papers)
        for index in range(args.saves):
            attempt_id = attempt_ids[index % len(attempt_ids)]
            payload = data.answer_payload(papers[attempt_id]["items"], rng, 1 + index % 3)
            token = token_of[owner[attempt_id]]
            save_requests.append(("PUT", f"/api/v1/attempts/{attempt_id}/answers/", token, payload))
            reference_requests.append(
                ("PUT", f"/bench/reference/attempts/{attempt_id}/answers/", token, payload)
            )
        reference_a = load.run(host, port, load.split(reference_requests, args.connections))
        real = load.run(host, port, load.split(save_requests, args.connections), keep_bodies=True)
        reference_b = load.run(host, port, load.split(reference_requests, args.connections))
        r_save = statistics.mean([reference_a.throughput, reference_b.throughput])
        figure("R_save (reference) throughput", f"{r_save:.0f} req/s")
        figure("autosave throughput", f"{real.throughput:.0f} req/s")
        figure(
            "autosave throughput / R_save",
            f"{real.throughput / r_save:.2f} x",
            "goal >= 1.0",
            real.throughput / r_save >= 1.0,
        )
        start_ratio = spike_small.throughput / real.throughput
        figure("start spike throughput, bank 5,000", f"{spike_small.throughput:.0f} req/s")
        figure(
            "start throughput / autosave throughput",
            f"{start_ratio:.2f} x",
            "goal >= 0.5",
            start_ratio >= 0.5,
        )
        figure(
            "autosave p99 at 8 connections",
            ms(real.percentile(99)),
            "goal < 50 ms",
            real.percentile(99) < 0.05,
        )
        figure(
            "reference p99 at 8 connections", ms(max(reference_a.percentile(99), reference_b.percentile(99)))
        )
        figure(
            "autosave errors",
            str(real.errors + reference_a.errors + reference_b.errors),
            "goal 0",
            real.errors + reference_a.errors + reference_b.errors == 0,
        )
        for sample in real.error_samples:
            print("   ", sample)

        # Every acknowledged save is in the database: the last save of each item wins.
        last: dict[int, list[str]] = {}
        for _method, _path, _token, payload in save_requests:
            for answer in payload["answers"]:
                last[answer["item"]] = sorted(answer["keys"])
        stored = dict(AttemptAnswer.objects.filter(item_id__in=list(last)).values_list("item_id", "keys"))
        # Requests of one connection run in order, but connections interleave, so compare per item
        # only where a single request wrote it.
        writers: dict[int, int] = {}
        for _m, _p, _t, payload in save_requests:
            for answer in payload["answers"]:
                writers[answer["item"]] = writers.get(answer["item"], 0) + 1
        single = [item for item, count in writers.items() if count == 1]
        lost = sum(1 for item in single if stored.get(item) != last[item])
        figure("acknowledged saves missing or different", str(lost), "goal 0", lost == 0)

        # Submit and grade every attempt of the spike.
        submit_requests = [
            ("POST", f"/api/v1/attempts/{attempt_id}/submit/", token_of[owner[attempt_id]], None)
            for attempt_id in attempt_ids
        ]
        submits = load.run(host, port, load.split(submit_requests, args.connections))
        figure("submit p99 (100-question papers)", ms(submits.percentile(99)))
        figure("submit errors", str(submits.errors), "goal 0", submits.errors == 0)
        mismatches = _regrade_mismatches(attempt_ids, Attempt, AttemptItem, AttemptAnswer)
        figure("scores different from an independent re-grade", str(mismatches), "goal 0", mismatches == 0)

        # Start spike, bank 50,000.
        data.add_questions(args.big_bank - args.bank, start=args.bank)
        session_big = data.open_session(title="基准：题库 50,000")
        drawing = time.monotonic()
        drawn_big = session_papers_draw(session_id=session_big.pk, now=timezone.now())
        draw_big_seconds = time.monotonic() - drawing
        figure(
            "papers drawn ahead, bank 50,000 (time / bank 5,000)",
            f"{drawn_big} in {draw_big_seconds:.1f} s ({draw_big_seconds / draw_small_seconds:.2f} x)",
        )
        big_path = f"/api/v1/exam-sessions/{session_big.pk}/attempts/"
        probe_big = client_for(probe_candidates[1][1])
        start_big = statements(lambda: probe_big.post(big_path))
        figure(
            "statements per start, bank 5,000 / 50,000",
            f"{start_small} / {start_big}",
            "goal equal",
            start_small == start_big,
        )
        requests = [("POST", big_path, token, None) for _uid, token in candidates]
        spike_big = load.run(host, port, load.split(requests, spike_connections))
        figure(
            "start spike, bank 50,000: p99",
            ms(spike_big.percentile(99)),
            "goal < 1500 ms",
            spike_big.percentile(99) < 1.5,
        )
        figure("start spike, bank 50,000: errors", str(spike_big.errors), "goal 0", spike_big.errors == 0)
        ratio = statistics.mean(spike_big.latencies) / statistics.mean(spike_small.latencies)
        figure("start spike mean latency, bank 50,000 / 5,000", f"{ratio:.2f} x", "goal <= 1.2", ratio <= 1.2)

    missed = [name for name, ok in GOALS if not ok]
    print(
        f"bench done in {time.monotonic() - started:.0f} s: {len(GOALS) - len(missed)} of {len(GOALS)} goals met",
        flush=True,
    )
    return 0


def _regrade_mismatches(
    attempt_ids: list[int], attempt_model: Any, item_model: Any, answer_model: Any
) -> int:
    """Grade each attempt again from its frozen items and saved answers, the plain way."""
    keys_of = dict(answer_model.objects.filter(attempt_id__in=attempt_ids).values_list("item_id", "keys"))
    expected: dict[int, Decimal] = {}
    for attempt_id, item_id, correct, points in item_model.objects.filter(
        attempt_id__in=attempt_ids
    ).values_list("attempt_id", "id", "correct", "points"):
        chosen = sorted(keys_of.get(item_id, []))
        earned = Decimal(points) if chosen and chosen == sorted(correct) else Decimal(0)
        expected[attempt_id] = expected.get(attempt_id, Decimal(0)) + earned
    scores = dict(attempt_model.objects.filter(pk__in=attempt_ids).values_list("pk", "score"))
    return sum(
        1 for attempt_id in attempt_ids if scores.get(attempt_id) != expected.get(attempt_id, Decimal(0))
    )
