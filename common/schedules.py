"""Built-in periodic tasks, kept as rows of django-celery-beat so they can be seen and tuned in the admin.

Each app's data migration calls :func:`ensure_interval_task` for its own tasks.
"""

from typing import Any


def ensure_interval_task(
    apps: Any, *, name: str, task: str, every_seconds: int, description: str = ""
) -> None:
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    periodic_model = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _created = interval_model.objects.get_or_create(every=every_seconds, period="seconds")
    periodic_model.objects.update_or_create(
        name=name, defaults={"task": task, "interval": interval, "enabled": True, "description": description}
    )


def remove_task(apps: Any, *, name: str) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=name).delete()
