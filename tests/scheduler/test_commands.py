"""The scheduler's CLI: channels, calendar and the long-running publisher.

The publisher test starts a real process; it is transactional, so its tables
are flushed afterwards and the role groups made by the data migration are gone
for later transactional tests. Those tests here use no role fixtures.
"""

import io
import json
import select
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from scheduler.models import Channel, Post
from scheduler.serializers import post_as_dict
from tests.factories import make_channel, make_post, make_user


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines()]


@pytest.mark.django_db
def test_channels_add_each_kind_stores_its_adapter_settings(tmp_path):
    run("channels", "add", "outbox", "--kind", "file")
    run("channels", "add", "archive", "--kind", "file", "--url", str(tmp_path / "archive.jsonl"), "--name", "Archive")
    run("channels", "add", "team-chat", "--kind", "webhook", "--url", "https://chat.example.test/hook/abc")
    run(
        "channels",
        "add",
        "toot",
        "--kind",
        "mastodon",
        "--url",
        "https://social.example.test/",
        "--token-env",
        "MASTODON_TOKEN",
    )
    run(
        "channels",
        "add",
        "discord",
        "--kind",
        "webhook",
        "--url",
        "https://d.example.test/x",
        "--payload-style",
        "discord",
    )
    created = json_lines(run("channels", "add", "press", "--kind", "email", "--recipients", "a@x.test, b@y.test"))

    settings = {c.slug: c.settings for c in Channel.objects.all()}
    assert settings == {
        "outbox": {},
        "archive": {"path": str(tmp_path / "archive.jsonl")},
        "team-chat": {"url": "https://chat.example.test/hook/abc"},
        "discord": {"url": "https://d.example.test/x", "payload_style": "discord"},
        "toot": {"base_url": "https://social.example.test", "token_env": "MASTODON_TOKEN"},
        "press": {"recipients": ["a@x.test", "b@y.test"]},
    }
    assert Channel.objects.get(slug="archive").name == "Archive"
    assert Channel.objects.get(slug="team-chat").name == "Team Chat"
    assert created == [
        {
            "slug": "press",
            "name": "Press",
            "kind": "email",
            "enabled": True,
            "settings": {"recipients": ["a@x.test", "b@y.test"]},
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["outbox", "--kind", "file"], "a channel with slug 'outbox' already exists"),
        (["hook", "--kind", "webhook"], "a webhook channel needs --url"),
        (["toot", "--kind", "mastodon"], "a mastodon channel needs --token-env, --url"),
        (
            ["toot", "--kind", "mastodon", "--url", "https://social.example.test", "--token-env", "abc-123.secret"],
            "not a token",
        ),
        (["hook", "--kind", "file", "--payload-style", "slack"], "a file channel does not take --payload-style"),
        (["press", "--kind", "email"], "an email channel needs --recipients"),
        (["press", "--kind", "email", "--recipients", "not-an-address"], "'not-an-address' is not an email address"),
        (["hook", "--kind", "webhook", "--url", "ftp://example.test/x"], "is not an http\\(s\\) URL"),
        (["hook", "--kind", "webhook", "--url", "https://x.test", "--recipients", "a@x.test"], "does not take"),
        (["hook", "--kind", "carrier-pigeon"], "invalid choice"),
        (["not a slug", "--kind", "file"], "slug"),
        (["hook"], "--kind"),
    ],
)
def test_channels_add_refuses_what_would_not_work(args, message, outbox_channel):
    with pytest.raises(CommandError, match=message):
        run("channels", "add", *args)
    assert list(Channel.objects.values_list("slug", flat=True)) == ["outbox"]


@pytest.mark.django_db
def test_channels_list_as_an_aligned_table_and_as_json(outbox_channel):
    make_channel("team-chat", kind=Channel.Kind.WEBHOOK, url="https://chat.example.test/hooks/T0K3N?key=s3cret")
    Channel.objects.filter(slug="team-chat").update(enabled=False)

    table = run("channels", "list").splitlines()
    rows = json_lines(run("channels", "list", "--format", "json"))

    assert table[0].split() == ["SLUG", "KIND", "ENABLED", "NAME", "TARGET"]
    assert len(table) == 3
    assert {line.index(kind) for line, kind in zip(table, ["KIND", "file", "webhook"], strict=True)} == {
        table[0].index("KIND")
    }
    assert table[2].split()[:3] == ["team-chat", "webhook", "no"]
    assert table[2].endswith("https://chat.example.test/…")
    assert "T0K3N" not in "\n".join(table)
    assert "s3cret" not in "\n".join(table)
    assert [(row["slug"], row["kind"], row["enabled"]) for row in rows] == [
        ("outbox", "file", True),
        ("team-chat", "webhook", False),
    ]
    assert rows[1]["settings"] == {"url": "https://chat.example.test/…"}


@pytest.mark.django_db
def test_calendar_json_has_one_post_per_line_with_utc_times_and_channel_slugs(marketer, outbox_channel):
    chat = make_channel("team-chat")
    warsaw_morning = datetime(2031, 5, 4, 9, 30, tzinfo=timezone.get_fixed_timezone(120))
    post = make_post(
        author=marketer,
        channels=[chat, outbox_channel],
        text="Majówka w górach 🏔",
        scheduled_at=warsaw_morning,
        timezone="Europe/Warsaw",
    )
    make_post(author=marketer, channels=[outbox_channel], status=Post.Status.DRAFT, scheduled_at=warsaw_morning)

    rows = json_lines(run("calendar", "--format", "json", "--status", "scheduled"))

    assert rows == [
        {
            "id": post.pk,
            "text": "Majówka w górach 🏔",
            "scheduled_at": "2031-05-04T07:30:00+00:00",
            "timezone": "Europe/Warsaw",
            "status": "scheduled",
            "status_reason": "",
            "author": "maria",
            "channels": ["outbox", "team-chat"],
        }
    ]
    assert rows[0] == post_as_dict(post)


@pytest.mark.django_db
def test_calendar_from_and_to_are_inclusive_utc_days(marketer, outbox_channel):
    def at(day: int, hour: int) -> Post:
        moment = datetime(2031, 5, day, hour, tzinfo=UTC)
        return make_post(author=marketer, channels=[outbox_channel], text=f"{day}/{hour}", scheduled_at=moment)

    at(3, 23)
    inside = [at(4, 0), at(5, 23)]
    at(6, 0)

    rows = json_lines(run("calendar", "--format", "json", "--from", "2031-05-04", "--to", "2031-05-05"))

    assert [row["id"] for row in rows] == [post.pk for post in inside]
    with pytest.raises(CommandError, match="--to is before --from"):
        run("calendar", "--from", "2031-05-05", "--to", "2031-05-04")
    with pytest.raises(CommandError, match="not a date"):
        run("calendar", "--from", "05/04/2031")


@pytest.mark.django_db
def test_calendar_text_is_a_table_with_the_first_line_of_each_post(marketer, outbox_channel):
    make_post(
        author=marketer,
        channels=[outbox_channel],
        text="Autumn range\nsecond line",
        scheduled_at=datetime(2031, 9, 1, 8, 0, tzinfo=UTC),
    )

    header, row = run("calendar").splitlines()

    assert header.split()[:5] == ["ID", "SCHEDULED", "(UTC)", "STATUS", "CHANNELS"]
    assert "2031-09-01 08:00" in row
    assert "scheduled" in row
    assert "outbox" in row
    assert row.endswith("Autumn range…")
    assert row.index("scheduled") == header.index("STATUS")


@pytest.mark.django_db
def test_calendar_says_so_when_there_is_nothing():
    assert run("calendar").strip() == "no posts"


@pytest.mark.django_db
def test_run_publisher_for_a_bounded_time_sends_what_is_due(marketer, outbox_channel):
    post = make_post(author=marketer, channels=[outbox_channel])

    summary = json.loads(run("run_publisher", "--seconds", "0.5"))

    assert summary["sent"] == 1
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def wait_for_line(stream, needle: str, *, timeout: float) -> str:
    """Read lines from a pipe until one contains `needle`, giving up after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([stream], [], [], remaining)
        if not readable:
            break
        line = stream.readline()
        if not line:
            break
        if needle in line:
            return line
    raise AssertionError(f"no line containing {needle!r} within {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_run_publisher_stops_cleanly_on_sigterm(manage, tmp_path):
    author = make_user("writer", superuser=True)
    outbox = make_channel("outbox", path=str(tmp_path / "outbox.jsonl"))
    make_post(author=author, channels=[outbox], text="Out before the stop", scheduled_at=timezone.now())
    process = manage("run_publisher")
    try:
        wait_for_line(process.stderr, "running", timeout=60)
        deadline = time.monotonic() + 30
        while not (tmp_path / "outbox.jsonl").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    assert process.returncode == 0, err
    assert json.loads(out)["sent"] == 1
    assert "stopped by SIGTERM" in err
    assert Post.objects.get().status == Post.Status.PUBLISHED


@pytest.mark.django_db
def test_a_post_due_in_the_future_is_left_for_later(marketer, outbox_channel):
    make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() + timedelta(hours=1))

    assert json.loads(run("run_publisher", "--seconds", "0.2"))["sent"] == 0
