from django.db import migrations

from common.schedules import ensure_interval_task, remove_task

CATCH_UP = "credentials: grant and flag from graded attempts"
DAILY = "credentials: expire and run annual reviews"


def forwards(apps, schema_editor):
    ensure_interval_task(
        apps,
        name=CATCH_UP,
        task="credentials.tasks.catch_up",
        every_seconds=60,
        description="Grants the credential of every passed qualification attempt that has none, and flags "
        "credentials whose attempt a regrade failed: whatever the graded-attempt signal missed.",
    )
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    periodic_model = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _created = crontab_model.objects.get_or_create(
        minute="5", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    periodic_model.objects.update_or_create(
        name=DAILY,
        defaults={
            "task": "credentials.tasks.daily",
            "crontab": crontab,
            "interval": None,
            "enabled": True,
            "description": "Expires credentials past their last valid day; runs the annual reviews whose date has come.",
        },
    )


def backwards(apps, schema_editor):
    remove_task(apps, name=CATCH_UP)
    remove_task(apps, name=DAILY)


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
