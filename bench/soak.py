"""The exam-day soak of DESIGN.md section 6: saves every 10 s from every candidate, with faults.

    python -m bench.soak                                   # 2,000 candidates, 5 minutes
    python -m bench.soak --candidates 300 --minutes 2      # a quicker run

Everything runs for real and is started (and killed) by the soak itself: gunicorn on PostgreSQL
(``BENCH_DATABASE_URL``, dropped and created anew), a Celery worker and one beat, and a Redis of
its own on a free port with AOF on (``lawplatform.embedded_redis``), never the machine's. Each
candidate behaves as the exam page does: it saves 1–3 answers every ``--interval`` seconds, keeps
every answer the server has not acknowledged and sends it again (2 s later, then with its next
save), and stops once its deadline has passed. Candidates in ``--overdue-share`` get a deadline
inside the run, so the beat's sweeper must submit their attempts.

During the run: a gunicorn worker is killed with SIGKILL, the Celery worker is killed with SIGKILL
and started again, and Redis is restarted. Afterwards every unacknowledged answer is sent until
acknowledged (as the page does), then the check: each candidate's saved answers equal, item by
item, the keys of their last acknowledged save (0 lost), and every attempt past its deadline was
submitted automatically.

A participation report and a reminder fan-out run beside the saves when the platform has them
(``/api/v1/reports/participation/`` and ``/api/v1/reminders/nudge/`` answer other than 404).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RETRY_SECONDS = 2.0


@dataclass
class Candidate:
    token: str
    attempt_id: int
    items: list[dict[str, Any]]
    deadline: float  # epoch seconds
    acknowledged: dict[int, list[str]] = field(default_factory=dict)
    unsaved: dict[int, list[str]] = field(default_factory=dict)


@dataclass
class Outcome:
    acknowledged: dict[int, dict[int, list[str]]] = field(default_factory=dict)  # attempt -> item -> keys
    latencies: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)


def _choice(item: dict[str, Any], rng: random.Random) -> list[str]:
    keys = [option["key"] for option in item["options"]]
    if item["kind"] == "multiple":
        return sorted(rng.sample(keys, rng.randint(1, len(keys))))
    return [rng.choice(keys)]


def _send(
    conn: http.client.HTTPConnection, candidate: Candidate, answers: dict[int, list[str]]
) -> tuple[str, float]:
    body = json.dumps({"answers": [{"item": item, "keys": keys} for item, keys in sorted(answers.items())]})
    started = time.perf_counter()
    conn.request(
        "PUT",
        f"/api/v1/attempts/{candidate.attempt_id}/answers/",
        body=body.encode(),
        headers={
            "Authorization": f"Token {candidate.token}",
            "Content-Type": "application/json",
            "Connection": "keep-alive",
        },
    )
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    if response.status == 200:
        candidate.deadline = _epoch(json.loads(data)["deadline"])
        return "ok", elapsed
    if response.status == 409:
        return "closed", elapsed
    if response.status == 400:
        return "invalid", elapsed
    return f"http_{response.status}", elapsed


def _epoch(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


def _drive(
    port: int, candidates: list[Candidate], interval: float, until: float, threads: int, seed: int
) -> Outcome:
    """One load process: ``threads`` keep-alive connections serve its candidates' saves on time."""
    rng = random.Random(seed)
    outcome = Outcome()
    lock = threading.Lock()
    # Each candidate's next save is due at its own offset within the interval.
    due = [(time.time() + rng.random() * interval, index) for index in range(len(candidates))]
    due.sort()
    queue_lock = threading.Condition()
    busy: set[int] = set()

    def next_job() -> tuple[float, int] | None:
        with queue_lock:
            while True:
                if not due:
                    return None
                at, index = due[0]
                now = time.time()
                if at > until:
                    return None
                if at <= now and index not in busy:
                    due.pop(0)
                    busy.add(index)
                    return at, index
                queue_lock.wait(timeout=min(0.05, max(0.0, at - now)))

    def schedule(index: int, at: float) -> None:
        with queue_lock:
            busy.discard(index)
            position = 0
            while position < len(due) and due[position][0] <= at:
                position += 1
            due.insert(position, (at, index))
            queue_lock.notify_all()

    def work() -> None:
        local = random.Random(rng.random())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            job = next_job()
            if job is None:
                break
            _at, index = job
            candidate = candidates[index]
            if time.time() > candidate.deadline and not candidate.unsaved:
                with queue_lock:
                    busy.discard(index)
                continue  # past its deadline: the page has submitted, the sweeper does it here
            retry = bool(candidate.unsaved)
            if time.time() <= candidate.deadline:
                for item in local.sample(candidate.items, local.randint(1, 3)):
                    candidate.unsaved[item["id"]] = _choice(item, local)
            sending = dict(candidate.unsaved)
            try:
                kind, elapsed = _send(conn, candidate, sending)
            except (OSError, http.client.HTTPException) as exc:
                kind, elapsed = "connection", 0.0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    if len(outcome.samples) < 8:
                        outcome.samples.append(f"{type(exc).__name__}: {exc}")
            with lock:
                outcome.kinds["requests"] += 1
                if kind == "ok":
                    outcome.latencies.append(elapsed)
                    if retry:
                        outcome.kinds["acknowledged after a retry"] += 1
                else:
                    outcome.kinds[f"refused: {kind}"] += 1
            if kind == "ok":
                for item_id, keys in sending.items():
                    candidate.acknowledged[item_id] = keys
                    if candidate.unsaved.get(item_id) == keys:
                        del candidate.unsaved[item_id]
                schedule(index, time.time() + interval)
            elif kind in {"closed", "invalid"}:
                candidate.unsaved.clear()  # the page stops (closed) or drops the batch (invalid)
                with queue_lock:
                    busy.discard(index)
            else:
                schedule(index, time.time() + RETRY_SECONDS)
        conn.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # As the page does when it is opened again: send whatever is still unacknowledged.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for candidate in candidates:
        for _try in range(10):
            if not candidate.unsaved:
                break
            try:
                kind, _elapsed = _send(conn, candidate, dict(candidate.unsaved))
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                time.sleep(RETRY_SECONDS)
                continue
            outcome.kinds["requests"] += 1
            outcome.kinds["final resend"] += 1
            if kind == "ok":
                candidate.acknowledged.update(candidate.unsaved)
                candidate.unsaved.clear()
            elif kind in {"closed", "invalid"}:
                candidate.unsaved.clear()
    conn.close()
    outcome.acknowledged = {candidate.attempt_id: candidate.acknowledged for candidate in candidates}
    return outcome


class Processes:
    """The platform's processes, each in its own process group so a kill reaches only what we started."""

    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int) -> None:
        self.env = {**os.environ, **env}
        self.port = port
        self.workers = workers
        self.threads = threads
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.beat: subprocess.Popen[bytes] | None = None
        self.log_dir = Path(tempfile.mkdtemp(prefix="xuefa-soak-"))

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        return subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_gunicorn(self) -> None:
        self.gunicorn = self._spawn(
            "gunicorn",
            [
                sys.executable, "-m", "gunicorn", "lawplatform.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--threads", str(self.threads), "--worker-class", "gthread",
                "--log-level", "warning", "--timeout", "120", "--keep-alive", "30",
            ],
        )  # fmt: skip

    def start_worker(self) -> None:
        self.worker = self._spawn(
            "worker",
            [sys.executable, "-m", "celery", "-A", "lawplatform", "worker", "--concurrency", "2",
             "--loglevel", "warning", "--without-gossip", "--without-mingle"],
        )  # fmt: skip

    def start_beat(self) -> None:
        self.beat = self._spawn(
            "beat",
            [sys.executable, "-m", "celery", "-A", "lawplatform", "beat", "--loglevel", "warning",
             "--schedule", str(self.log_dir / "beat-schedule")],
        )  # fmt: skip

    def gunicorn_workers(self) -> list[int]:
        assert self.gunicorn is not None
        path = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        return [int(pid) for pid in path.read_text().split()]

    def kill_worker_process_group(self) -> None:
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def stop(self) -> None:
        for process in (self.gunicorn, self.worker, self.beat):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.gunicorn, self.worker, self.beat):
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


def _wait_http(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _beside(port: int, token: str, session_id: int, until: float, counts: Counter[str]) -> None:
    """The participation report and a reminder fan-out, every 30 s, when the platform has them."""
    probes = {
        "participation report": ("GET", f"/api/v1/reports/participation/?session={session_id}", None),
        "reminder fan-out": ("POST", "/api/v1/reminders/nudge/", {"session": session_id}),
    }
    present: dict[str, tuple[str, str, Any]] = {}
    for name, (method, path, body) in probes.items():
        status = _call(port, token, method, path, body)
        if status == 404:
            counts[f"{name}: not on this platform"] = 1
        else:
            present[name] = (method, path, body)
            counts[f"{name}: {status}"] += 1
    while present and time.time() < until:
        time.sleep(30)
        for name, (method, path, body) in present.items():
            counts[f"{name}: {_call(port, token, method, path, body)}"] += 1


def _call(port: int, token: str, method: str, path: str, body: Any) -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        conn.request(method, path, body=payload, headers=headers)
        status = conn.getresponse().status
        conn.close()
        return status
    except (OSError, http.client.HTTPException):
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--interval", type=float, default=10, help="seconds between a candidate's saves")
    parser.add_argument("--overdue-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--client-threads", type=int, default=24, help="connections per load process")
    args = parser.parse_args()

    from lawplatform import embedded_redis

    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/xuefa_bench")
    redis_dir = Path(tempfile.mkdtemp(prefix="xuefa-soak-redis-"))
    redis_port = embedded_redis.free_port()
    # The soak restarts this Redis; it is its own, never the machine's.
    redis: dict[str, Any] = {
        "port": redis_port,
        "dir": redis_dir,
        "process": embedded_redis.start(port=redis_port, data_dir=redis_dir, appendonly=True),
    }
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    os.environ.update(
        {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    )
    processes: Processes | None = None
    try:
        from bench import scenarios

        scenarios.prepare_database(database_url, redis_url)
        processes = Processes(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "DJANGO_SETTINGS_MODULE": "bench.settings",
            },
            embedded_redis.free_port(),
            args.workers,
            args.threads,
        )
        return _soak(args, processes, redis)
    finally:
        if processes is not None:
            processes.stop()
        if redis["process"].poll() is None:
            redis["process"].terminate()
            redis["process"].wait(timeout=30)


def _soak(args: argparse.Namespace, processes: Processes, redis: dict[str, Any]) -> int:
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from bench import data
    from exams import services
    from exams.models import Attempt, AttemptAnswer, AttemptStatus
    from lawplatform import embedded_redis
    from people.models import User

    started = time.monotonic()
    print(
        f"soak: {args.candidates} candidates saving every {args.interval:.0f} s for {args.minutes:g} min, "
        f"gunicorn {args.workers} workers x {args.threads} threads, a Celery worker and beat, own Redis on "
        f"port {redis['port']} (AOF)",
        flush=True,
    )
    people = data.add_candidates(args.candidates)
    data.add_questions(5000)
    session = data.open_session(title="考试日压力测试")
    drawn = services.session_papers_draw(session_id=session.pk, now=timezone.now())
    admin = User.objects.create_superuser(
        username="soak-admin", password="soak-admin-password", name="管理员"
    )
    admin_token = Token.objects.create(user=admin).key

    processes.start_gunicorn()
    _wait_http(processes.port)
    # Every candidate starts (claims the paper drawn ahead) through the API.
    from bench import load

    starts = load.run(
        "127.0.0.1",
        processes.port,
        load.split(
            [
                ("POST", f"/api/v1/exam-sessions/{session.pk}/attempts/", token, None)
                for _uid, token in people
            ],
            32,
        ),
        keep_bodies=True,
    )
    if starts.errors:
        print("starts failed:", starts.error_samples, flush=True)
        return 1
    token_of = dict(people)
    owner = dict(Attempt.objects.values_list("pk", "candidate_id"))
    run_seconds = args.minutes * 60
    t0 = time.time() + 3
    until = t0 + run_seconds
    overdue_ids = [body["id"] for body in starts.bodies[: int(len(starts.bodies) * args.overdue_share)]]
    # Their time runs out in the middle of the run.
    overdue_deadline = timezone.now() + timedelta(seconds=run_seconds / 2)
    Attempt.objects.filter(pk__in=overdue_ids).update(deadline=overdue_deadline)
    candidates = [
        Candidate(
            token=token_of[owner[body["id"]]],
            attempt_id=body["id"],
            items=body["items"],
            deadline=(
                overdue_deadline.timestamp() if body["id"] in overdue_ids else _epoch(body["deadline"])
            ),
        )
        for body in starts.bodies
    ]
    print(
        f"setup: {drawn} papers drawn ahead, {len(candidates)} started, {len(overdue_ids)} given a deadline "
        f"inside the run; setup took {time.monotonic() - started:.0f} s",
        flush=True,
    )
    processes.start_worker()
    processes.start_beat()

    beside: Counter[str] = Counter()
    beside_thread = threading.Thread(
        target=_beside, args=(processes.port, admin_token, session.pk, until, beside), daemon=True
    )
    beside_thread.start()

    faults: list[str] = []

    def inject() -> None:
        plan = [
            (0.2, "a gunicorn worker killed with SIGKILL"),
            (0.4, "the Celery worker killed with SIGKILL"),
            (0.45, "the Celery worker started again"),
            (0.6, "Redis restarted"),
        ]
        for share, what in plan:
            delay = t0 + run_seconds * share - time.time()
            if delay > 0:
                time.sleep(delay)
            if what.startswith("a gunicorn"):
                os.kill(processes.gunicorn_workers()[0], signal.SIGKILL)
            elif what.endswith("SIGKILL") and "Celery" in what:
                processes.kill_worker_process_group()
            elif what.endswith("again"):
                processes.start_worker()
            else:
                redis["process"].terminate()
                redis["process"].wait(timeout=30)
                redis["process"] = embedded_redis.start(
                    port=redis["port"], data_dir=redis["dir"], appendonly=True
                )
            faults.append(f"{time.time() - t0:5.0f} s  {what}")

    fault_thread = threading.Thread(target=inject, daemon=True)
    fault_thread.start()

    shares = [candidates[i::2] for i in range(2)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(_drive, processes.port, share, args.interval, until, args.client_threads, seed)
            for seed, share in enumerate(shares)
        ]
        outcomes = [future.result() for future in futures]
    fault_thread.join(timeout=5)

    # The sweeper (beat every minute, then the worker) submits every overdue attempt.
    sweep_deadline = time.time() + 150
    while time.time() < sweep_deadline:
        if not Attempt.objects.filter(pk__in=overdue_ids, status=AttemptStatus.IN_PROGRESS).exists():
            break
        time.sleep(5)
    sweep_wait = time.time() - until

    kinds: Counter[str] = Counter()
    latencies: list[float] = []
    acknowledged: dict[int, dict[int, list[str]]] = {}
    samples: list[str] = []
    for outcome in outcomes:
        kinds.update(outcome.kinds)
        latencies += outcome.latencies
        acknowledged.update(outcome.acknowledged)
        samples += outcome.samples
    stored: dict[int, dict[int, list[str]]] = {}
    for attempt_id, item_id, keys in AttemptAnswer.objects.values_list("attempt_id", "item_id", "keys"):
        stored.setdefault(attempt_id, {})[item_id] = keys
    lost = sum(1 for attempt_id, items in acknowledged.items() if stored.get(attempt_id, {}) != items)
    lost_items = sum(
        1
        for attempt_id, items in acknowledged.items()
        for item, keys in items.items()
        if stored.get(attempt_id, {}).get(item) != keys
    )
    overdue = Attempt.objects.filter(pk__in=overdue_ids)
    swept = overdue.filter(status=AttemptStatus.SUBMITTED, auto_submitted=True).count()
    others_open = Attempt.objects.exclude(pk__in=overdue_ids).filter(status=AttemptStatus.IN_PROGRESS).count()

    latencies.sort()

    def pct(p: float) -> str:
        if not latencies:
            return "-"
        return f"{latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000:.1f} ms"

    scenarios_figure = _figure
    print("faults:", flush=True)
    for line in faults:
        print("   ", line, flush=True)
    scenarios_figure("requests (saves, including retries and final resends)", str(kinds["requests"]))
    scenarios_figure("saves acknowledged", str(len(latencies)))
    scenarios_figure("save throughput", f"{len(latencies) / run_seconds:.0f} req/s")
    for kind, count in sorted(kinds.items()):
        if kind.startswith("refused") or kind in {"acknowledged after a retry", "final resend"}:
            scenarios_figure(f"  {kind}", str(count))
    for sample in samples[:5]:
        print("    ", sample, flush=True)
    scenarios_figure("save latency p50 / p99", f"{pct(50)} / {pct(99)}")
    scenarios_figure(
        "candidates whose saved answers differ from their last acknowledged save",
        f"{lost} ({lost_items} items)",
        "goal 0",
        lost == 0,
    )
    scenarios_figure(
        "overdue attempts submitted by the sweeper",
        f"{swept} of {len(overdue_ids)} ({sweep_wait:.0f} s after the run)",
        "goal all",
        swept == len(overdue_ids),
    )
    scenarios_figure("attempts still in progress (deadline not reached)", str(others_open))
    for name, count in sorted(beside.items()):
        scenarios_figure(f"beside: {name}", str(count))
    print(f"soak done in {time.monotonic() - started:.0f} s; logs in {processes.log_dir}", flush=True)
    return 0 if lost == 0 and swept == len(overdue_ids) else 1


def _figure(name: str, value: str, goal: str = "", ok: bool | None = None) -> None:
    verdict = "" if ok is None else ("  ok" if ok else "  MISSED")
    print(f"{name:<72} {value:>26}   {goal}{verdict}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
