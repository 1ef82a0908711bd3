"""Playwright against Debian's chromium, on a live server with a flushed-between-tests database.

Transactional tests (which live_server implies) flush every table when they
end, so the role groups and the global kill-switch row that the data
migrations made are gone for the next one: put them back before each test.
"""

import importlib

import pytest
from django.contrib.auth.models import Group, Permission

from guard.services import ensure_global_kill_switch

ROLES = importlib.import_module("guard.migrations.0002_roles_and_global_switch").ROLES


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(autouse=True)
def roles_and_global_switch(transactional_db):
    for role, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    ensure_global_kill_switch()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}
