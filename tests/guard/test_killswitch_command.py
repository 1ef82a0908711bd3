"""`killswitch on/off/status`: the crisis lead's shutdown from a terminal, audited as the OS user.

The cross-process test is transactional: the flush after it removes the role
groups made by the data migration, so it uses no role fixtures.
"""

import getpass
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from guard.models import AuditEntry, KillSwitch
from guard.selectors import send_permission
from scheduler.models import Delivery
from tests.factories import make_channel, make_post

CLI_LABEL = f"cli:{getpass.getuser()}"


def killswitch(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("killswitch", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_on_halts_every_channel_and_is_audited_as_the_cli_user(outbox_channel):
    [state] = killswitch("on", "--reason", "breaking news: hold everything")

    assert state["scope"] == "all"
    assert state["engaged"] is True
    assert state["reason"] == "breaking news: hold everything"
    assert state["changed_by"] == CLI_LABEL
    assert state["changed_at"]
    assert not send_permission(channel_id=outbox_channel.pk).allowed
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.KILL_SWITCH_ENGAGED
    assert (entry.actor_label, entry.via, entry.actor, entry.scope) == (CLI_LABEL, "cli", None, "all channels")
    assert entry.reason == "breaking news: hold everything"


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["on", "off"])
@pytest.mark.parametrize("reason", [None, "   "])
def test_on_and_off_need_a_reason(action, reason, outbox_channel):
    args = ["--reason", reason] if reason is not None else []

    with pytest.raises(CommandError, match="needs --reason"):
        killswitch(action, *args)
    assert not KillSwitch.objects.filter(engaged=True).exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_channel_switch_halts_only_that_channel(outbox_channel):
    chat = make_channel("team-chat")

    [state] = killswitch("on", "--channel", "team-chat", "--reason", "chat bridge misbehaving")

    assert state["scope"] == "team-chat"
    assert state["engaged"] is True
    assert not send_permission(channel_id=chat.pk).allowed
    assert send_permission(channel_id=outbox_channel.pk).allowed
    assert AuditEntry.objects.get().scope == "team-chat"


@pytest.mark.django_db
def test_off_reports_what_the_halt_held_back_and_what_it_made_too_late(marketer, outbox_channel, settings):
    settings.PUBLISH_GRACE_MINUTES = 15
    killswitch("on", "--reason", "drill")
    recent = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() - timedelta(minutes=2))
    stale = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() - timedelta(minutes=40))
    KillSwitch.objects.filter(scope="*").update(engaged_at=timezone.now() - timedelta(hours=1))

    [state] = killswitch("off", "--reason", "drill over")

    assert state["scope"] == "all"
    assert state["engaged"] is False
    assert state["reason"] == "drill over"
    assert state["held_back"] == 2
    assert state["missed"] == 1
    assert recent.deliveries.get().state == Delivery.State.PENDING
    assert stale.deliveries.get().state == Delivery.State.MISSED
    released = AuditEntry.objects.get(action=AuditEntry.Action.KILL_SWITCH_RELEASED)
    assert (released.actor_label, released.via, released.held_back) == (CLI_LABEL, "cli", 2)


@pytest.mark.django_db
def test_off_when_nothing_is_halted_is_an_error(outbox_channel):
    with pytest.raises(CommandError, match="not engaged"):
        killswitch("off", "--reason", "just in case")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["on", "off", "status"])
def test_an_unknown_channel_is_an_error(action, outbox_channel):
    with pytest.raises(CommandError, match="no channel 'nowhere'"):
        killswitch(action, "--channel", "nowhere", "--reason", "typo")
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_status_lists_every_switch_global_first(outbox_channel):
    make_channel("alpha")
    killswitch("on", "--channel", "alpha", "--reason", "alpha down")
    killswitch("on", "--channel", "outbox", "--reason", "outbox full")
    killswitch("off", "--channel", "outbox", "--reason", "outbox emptied")

    states = killswitch("status")

    assert [(s["scope"], s["engaged"]) for s in states] == [("all", False), ("alpha", True), ("outbox", False)]
    assert states[1]["reason"] == "alpha down"


@pytest.mark.django_db
def test_status_of_one_channel_shows_the_global_switch_too(outbox_channel):
    killswitch("on", "--reason", "all stop")

    states = killswitch("status", "--channel", "outbox")

    assert [(s["scope"], s["engaged"]) for s in states] == [("all", True), ("outbox", False)]
    assert states[1]["changed_at"] is None


@pytest.mark.django_db(transaction=True)
def test_on_in_one_process_is_seen_by_status_in_another(manage, tmp_path):
    make_channel("outbox", path=str(tmp_path / "outbox.jsonl"))

    engage = manage("killswitch", "on", "--channel", "outbox", "--reason", "rehearsal")
    engage_out, engage_err = engage.communicate(timeout=60)
    status = manage("killswitch", "status")
    status_out, status_err = status.communicate(timeout=60)
    missing = manage("killswitch", "on")
    _, missing_err = missing.communicate(timeout=60)

    assert engage.returncode == 0, engage_err
    assert json.loads(engage_out)["engaged"] is True
    assert status.returncode == 0, status_err
    states = [json.loads(line) for line in status_out.splitlines()]
    assert [(s["scope"], s["engaged"], s["changed_by"]) for s in states] == [
        ("all", False, ""),
        ("outbox", True, CLI_LABEL),
    ]
    assert missing.returncode != 0
    assert "needs --reason" in missing_err
    entry = AuditEntry.objects.get()
    assert (entry.actor_label, entry.via, entry.scope) == (CLI_LABEL, "cli", "outbox")
