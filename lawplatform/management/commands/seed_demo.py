"""Load the demo data of every app; running it again changes nothing."""

import os
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lawplatform import embedded_redis

# In dependency order: each app's demo may use the ones before it.
DEMO_MODULES = [
    "people.demo",
    "exams.demo",
    "courses.demo",
    "credentials.demo",
    "reminders.demo",
    "reports.demo",
]


class Command(BaseCommand):
    help = "Load the demo bureau, its people, courses and exams (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo logins share one published password: never on a production deployment.
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates logins with a published password and runs only with DEBUG on "
                "(DEBUG=true, as `make run` sets it)."
            )
        # The demo writes to the cache (the question bank's version): without REDIS_URL,
        # the embedded Redis must answer while it runs.
        redis_process = None
        if "REDIS_URL" not in os.environ:
            redis_process = embedded_redis.ensure(
                settings.REDIS_URL, data_dir=settings.BASE_DIR / "var" / "redis"
            )
        try:
            for module_name in DEMO_MODULES:
                if find_spec(module_name) is None:
                    continue
                import_module(module_name).seed()
                self.stdout.write(f"seeded {module_name}")
        finally:
            if redis_process is not None:
                redis_process.terminate()
                redis_process.wait(timeout=10)
        from people.demo import DEMO_LOGINS, DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"Demo logins (password {DEMO_PASSWORD}):"))
        for username, name, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {name}  — {role}")
