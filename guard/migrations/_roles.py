"""Shared by the role migrations: permissions do not exist yet inside a migration on a fresh database."""

from django.contrib.auth.management import create_permissions


def create_permissions_first(apps) -> None:
    for app_config in apps.get_app_configs():
        previous = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = previous
