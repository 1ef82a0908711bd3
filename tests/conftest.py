import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories
from tests.servers import HttpSink, SmtpServer

REPO_ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + Playwright tests touch the ORM


@pytest.fixture
def marketer(db):
    return factories.make_user("maria", role="Marketer")


@pytest.fixture
def other_marketer(db):
    return factories.make_user("mallory", role="Marketer")


@pytest.fixture
def reviewer(db):
    return factories.make_user("rita", role="Reviewer")


@pytest.fixture
def crisis_lead(db):
    return factories.make_user("carlos", role="Crisis lead")


@pytest.fixture
def admin_user(db):
    return factories.make_user("root", superuser=True)


@pytest.fixture
def outbox_channel(db, tmp_path):
    return factories.make_channel("outbox", path=str(tmp_path / "outbox.jsonl"))


@pytest.fixture
def http_sink():
    sink = HttpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_server():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook_channel(db, http_sink):
    return factories.make_channel("team-chat", kind="webhook", url=http_sink.url + "/hook", payload_style="slack")


def database_env() -> dict[str, str]:
    """The environment a worker process needs to reach this test's database."""
    from django.db import connection

    settings_dict = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST'] or '127.0.0.1'}:"
            f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    return env


@pytest.fixture
def manage():
    """Start `manage.py` as a real worker process against the test database."""

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "manage.py"), *args],
            cwd=REPO_ROOT,
            env={**database_env(), **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start
