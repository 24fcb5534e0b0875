"""Start the platform under gunicorn with production settings on a bench database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Gunicorn:
    def __init__(self, *, port: int, env: dict[str, str], workers: int = 2, threads: int = 4) -> None:
        self.port = port
        self.env = env
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "lawplatform.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
            "--timeout",
            "120",
            # As docker-compose.yml: a keep-alive connection waiting for a thread is not dropped.
            "--keep-alive",
            "30",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **self.env})
        deadline = time.monotonic() + 180  # a loaded machine boots workers slowly
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2)
                return self
            except urllib.error.HTTPError:
                return self  # it answered; health is not what the bench measures
            except OSError:
                time.sleep(0.2)
        self.process.terminate()
        self.process.wait(timeout=30)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
