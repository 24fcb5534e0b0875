"""Load the demo data of every app; running it again changes nothing."""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.core.management.base import BaseCommand

# In dependency order: each app's demo may use the ones before it.
DEMO_MODULES = ["people.demo", "exams.demo", "courses.demo", "credentials.demo", "reminders.demo"]


class Command(BaseCommand):
    help = "Load the demo bureau, its people, courses and exams (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        for module_name in DEMO_MODULES:
            if find_spec(module_name) is None:
                continue
            import_module(module_name).seed()
            self.stdout.write(f"seeded {module_name}")
        from people.demo import DEMO_LOGINS, DEMO_PASSWORD

        self.stdout.write(self.style.SUCCESS(f"Demo logins (password {DEMO_PASSWORD}):"))
        for username, name, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {name}  — {role}")
