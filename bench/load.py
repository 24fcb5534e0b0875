"""A small closed-loop HTTP load generator: N keep-alive connections, each sending its next request
as soon as the previous answer arrives. Work is spread over processes so the client is not held back
by one interpreter's lock on a 2-core machine."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

# A request: (method, path, token, json body or None). Each connection takes a list of them.
Request = tuple[str, str, str, Any]


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    bodies: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index]


def _run_connection(
    host: str, port: int, requests: Sequence[Request], keep: bool
) -> tuple[list[float], int, list[str], list[Any]]:
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    bodies: list[Any] = []
    conn = http.client.HTTPConnection(host, port, timeout=30)
    for method, path, token, body in requests:
        headers = {"Authorization": f"Token {token}", "Connection": "keep-alive"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            latencies.append(time.perf_counter() - started)
            if response.status >= 400:
                errors += 1
                if len(samples) < 5:
                    samples.append(f"{response.status} {method} {path}: {data[:200]!r}")
            elif keep:
                bodies.append(json.loads(data))
        except (OSError, http.client.HTTPException) as exc:
            latencies.append(time.perf_counter() - started)
            errors += 1
            if len(samples) < 5:
                samples.append(f"{type(exc).__name__} {method} {path}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.close()
    return latencies, errors, samples, bodies


def _run_group(
    host: str, port: int, groups: Sequence[Sequence[Request]], keep: bool, start_at: float
) -> tuple[list[float], int, list[str], list[Any]]:
    results: list[tuple[list[float], int, list[str], list[Any]]] = []
    lock = threading.Lock()

    def work(requests: Sequence[Request]) -> None:
        outcome = _run_connection(host, port, requests, keep)
        with lock:
            results.append(outcome)

    delay = start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    threads = [threading.Thread(target=work, args=(requests,)) for requests in groups]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    bodies: list[Any] = []
    for lat, err, smp, bod in results:
        latencies += lat
        errors += err
        samples += smp
        bodies += bod
    return latencies, errors, samples, bodies


def run(
    host: str,
    port: int,
    connections: Sequence[Sequence[Request]],
    *,
    processes: int = 2,
    keep_bodies: bool = False,
) -> LoadResult:
    """Send each connection's requests in order, all connections at once; measure every request."""
    groups: list[list[Sequence[Request]]] = [[] for _ in range(processes)]
    for index, requests in enumerate(connections):
        groups[index % processes].append(requests)
    start_at = time.time() + 1.0
    result = LoadResult()
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [
            pool.submit(_run_group, host, port, group, keep_bodies, start_at) for group in groups if group
        ]
        outcomes = [future.result() for future in futures]
    result.elapsed = time.time() - start_at
    for lat, err, smp, bod in outcomes:
        result.latencies += lat
        result.errors += err
        result.error_samples += smp
        result.bodies += bod
    return result


def split(requests: Sequence[Request], connections: int) -> list[list[Request]]:
    return [list(requests[i::connections]) for i in range(connections)]


Check = Callable[[LoadResult], bool]
