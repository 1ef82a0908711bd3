"""Playwright against Debian's chromium, on a live server with a flushed-between-tests database.

Transactional tests (which live_server implies) flush every table when they
end, so the role groups and the global kill-switch row that the data
migrations made are gone for the next one: put them back before each test.
"""

from pathlib import Path

import pytest

from guard.services import ensure_global_kill_switch
from tests.factories import ensure_roles

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium where installed; otherwise the build `playwright install chromium` fetched (see Makefile)."""
    executable = {"executable_path": str(DEBIAN_CHROMIUM)} if DEBIAN_CHROMIUM.exists() else {}
    return {
        **browser_type_launch_args,
        **executable,
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
    ensure_roles()
    ensure_global_kill_switch()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}}
