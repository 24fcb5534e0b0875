"""Start the whole platform in the foreground: Redis (embedded unless REDIS_URL is set),
the web server, one Celery worker and one Celery beat. Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from lawplatform import embedded_redis


class Command(BaseCommand):
    help = "Run the web server, an embedded Redis, a Celery worker and beat together."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        if "REDIS_URL" not in os.environ:
            redis_process = embedded_redis.ensure(
                settings.REDIS_URL, data_dir=settings.BASE_DIR / "var" / "redis"
            )
            if redis_process:
                processes.append(("redis", redis_process))
        self.stdout.write(f"Redis: {settings.REDIS_URL}")

        python = sys.executable
        celery = [python, "-m", "celery", "-A", "lawplatform"]
        commands = {
            "web": [python, "manage.py", "runserver", options["addr"], "--noreload"],
            "worker": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--pidfile", ""],
        }
        for name, command in commands.items():
            processes.append((name, subprocess.Popen(command, cwd=settings.BASE_DIR, start_new_session=True)))

        self.stdout.write(self.style.SUCCESS(f"\nXuefa is running at http://{options['addr']}/"))
        from people.demo import DEMO_LOGINS, DEMO_PASSWORD

        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, name, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {name}  — {role}")
        self.stdout.write("API docs: /api/docs/   health: /healthz   Ctrl-C stops everything.\n")

        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes:
                    if process.poll() is not None:
                        self.stderr.write(f"{name} exited with {process.returncode}; stopping.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for _name, process in reversed(processes):
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for _name, process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
