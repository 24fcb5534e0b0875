from django.db import migrations

from common.schedules import ensure_interval_task, remove_task

NAME = "courses: complete courses after their quiz"


def forwards(apps, schema_editor):
    ensure_interval_task(
        apps,
        name=NAME,
        task="courses.tasks.complete_after_quiz",
        every_seconds=300,
        description="Completes (and credits the hours of) courses whose required quiz was passed since.",
    )


def backwards(apps, schema_editor):
    remove_task(apps, name=NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0002_course_quiz"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
