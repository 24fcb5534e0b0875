from django.db import migrations

from common.schedules import ensure_interval_task, remove_task


def forwards(apps, schema_editor):
    ensure_interval_task(
        apps, name="heartbeat", task="lawplatform.heartbeat", every_seconds=30,
        description="Shows on /healthz that beat and a worker run.",
    )


def backwards(apps, schema_editor):
    remove_task(apps, name="heartbeat")


class Migration(migrations.Migration):
    dependencies = [
        ("lawplatform", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
