from django.db import migrations

from common.schedules import ensure_interval_task, remove_task


def forwards(apps, schema_editor):
    ensure_interval_task(
        apps,
        name="exams: submit overdue attempts",
        task="exams.tasks.attempts_submit_overdue",
        every_seconds=60,
        description="Submits, with their saved answers, attempts past their deadline plus the grace period.",
    )


def backwards(apps, schema_editor):
    remove_task(apps, name="exams: submit overdue attempts")


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
