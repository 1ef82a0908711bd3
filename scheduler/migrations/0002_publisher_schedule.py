"""The django-q2 schedule that starts a publisher loop every minute.

Made here, idempotently, rather than in AppConfig.ready(), where it would be
duplicated by every process that starts.
"""

from django.db import migrations

PUBLISHER = "scheduler.tasks.run_publisher"


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="publisher",
        defaults={"func": PUBLISHER, "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="publisher").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scheduler", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
