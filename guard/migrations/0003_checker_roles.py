"""Role permissions for the pre-flight checker: reviewers and crisis leads tune the lexicons."""

from django.db import migrations

from guard.migrations._roles import create_permissions_first

ROLES = {
    "Marketer": ["checker.view_lexiconoverride", "scheduler.view_reviewdecision"],
    "Reviewer": [
        "checker.view_lexiconoverride",
        "checker.add_lexiconoverride",
        "checker.change_lexiconoverride",
        "checker.delete_lexiconoverride",
        "scheduler.view_reviewdecision",
    ],
    "Crisis lead": [
        "checker.view_lexiconoverride",
        "checker.add_lexiconoverride",
        "checker.change_lexiconoverride",
        "checker.delete_lexiconoverride",
        "scheduler.view_reviewdecision",
    ],
}


def grant_roles(Group, Permission):
    for role, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def add_checker_permissions(apps, schema_editor):
    create_permissions_first(apps)
    grant_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_checker_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, permissions in ROLES.items():
        group = Group.objects.filter(name=role).first()
        if group is None:
            continue
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.remove(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("guard", "0002_roles_and_global_switch"),
        ("checker", "0001_initial"),
        ("scheduler", "0003_checker_findings_and_review_decisions"),
    ]

    operations = [migrations.RunPython(add_checker_permissions, remove_checker_permissions)]
