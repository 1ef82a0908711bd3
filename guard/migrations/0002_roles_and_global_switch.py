"""The three roles, with the permissions their names suggest, and the global kill-switch row.

Permissions are created first: on a fresh database they do not exist yet inside
a migration (Django ticket #23422).
"""

from django.db import migrations

from guard.migrations._roles import create_permissions_first

ROLES = {
    "Marketer": [
        "scheduler.view_channel",
        "scheduler.view_post",
        "scheduler.add_post",
        "scheduler.change_post",
        "scheduler.schedule_post",
        "scheduler.pause_post",
        "scheduler.view_delivery",
        "guard.view_killswitch",
        "guard.engage_killswitch",
        "guard.view_auditentry",
    ],
    "Reviewer": [
        "scheduler.view_channel",
        "scheduler.view_post",
        "scheduler.approve_post",
        "scheduler.pause_post",
        "scheduler.resume_post",
        "scheduler.cancel_post",
        "scheduler.view_delivery",
        "guard.view_killswitch",
        "guard.engage_killswitch",
        "guard.view_auditentry",
    ],
    "Crisis lead": [
        "scheduler.view_channel",
        "scheduler.change_channel",
        "scheduler.view_post",
        "scheduler.pause_post",
        "scheduler.resume_post",
        "scheduler.cancel_post",
        "scheduler.view_delivery",
        "scheduler.change_delivery",
        "guard.view_killswitch",
        "guard.engage_killswitch",
        "guard.release_killswitch",
        "guard.view_auditentry",
    ],
}


def create_roles(apps, schema_editor):
    create_permissions_first(apps)
    grant_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def grant_roles(Group, Permission):
    """Create the role groups with their permissions; also used by tests after a flush."""
    for role, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


def create_global_switch(apps, schema_editor):
    apps.get_model("guard", "KillSwitch").objects.get_or_create(scope="*", defaults={"channel": None})


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("scheduler", "0001_initial"),
        ("guard", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunPython(create_global_switch, migrations.RunPython.noop),
    ]
