from django.db import migrations

from common.schedules import ensure_interval_task, remove_task


def forwards(apps, schema_editor):
    ensure_interval_task(
        apps,
        name="reminders: sweep",
        task="reminders.tasks.reminders_sweep",
        every_seconds=60,
        description="Creates default rules and due reminder occasions, fans them out in batches and "
        "sends what is due; re-enqueues whatever a lost or repeated message left undone.",
    )


def backwards(apps, schema_editor):
    remove_task(apps, name="reminders: sweep")


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
