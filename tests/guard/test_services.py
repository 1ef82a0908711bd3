"""The kill-switch as a crisis lead uses it: who may pull it, what it records, what it blocks."""

import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from guard.models import AppendOnlyError, AuditEntry, KillSwitch
from guard.selectors import send_permission
from guard.services import Actor, engage_kill_switch, release_kill_switch
from scheduler.publishing import publish_due
from tests.factories import make_channel, make_post

pytestmark = pytest.mark.django_db


def test_a_marketer_may_halt_everything_but_not_release_it(marketer, crisis_lead):
    engage_kill_switch(actor=Actor.for_user(marketer, via="admin"), reason="I saw the news")

    with pytest.raises(PermissionDenied):
        release_kill_switch(actor=Actor.for_user(marketer, via="admin"), reason="looks fine to me")
    assert KillSwitch.objects.get(scope="*").engaged

    release_kill_switch(actor=Actor.for_user(crisis_lead, via="admin"), reason="statement published")
    assert not KillSwitch.objects.get(scope="*").engaged


def test_every_engage_and_release_is_in_the_audit_log_with_who_and_why(crisis_lead, outbox_channel, marketer):
    make_post(author=marketer, channels=[outbox_channel])
    actor = Actor.for_user(crisis_lead, via="api")
    engage_kill_switch(actor=actor, reason="shooting downtown", channel=outbox_channel)
    release_kill_switch(actor=actor, reason="all clear", channel=outbox_channel)

    released, engaged = AuditEntry.objects.all()
    assert (engaged.action, engaged.scope, engaged.actor_label, engaged.via, engaged.reason) == (
        AuditEntry.Action.KILL_SWITCH_ENGAGED,
        "outbox",
        "carlos",
        "api",
        "shooting downtown",
    )
    assert released.action == AuditEntry.Action.KILL_SWITCH_RELEASED
    assert released.held_back == 1


def test_the_audit_log_cannot_be_rewritten(crisis_lead):
    engage_kill_switch(actor=Actor.for_user(crisis_lead, via="admin"), reason="drill")
    entry = AuditEntry.objects.get()
    entry.reason = "nothing happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


def test_a_reason_is_required_and_releasing_a_running_switch_is_an_error(crisis_lead):
    actor = Actor.for_user(crisis_lead, via="admin")
    with pytest.raises(ValidationError, match="reason is required"):
        engage_kill_switch(actor=actor, reason="   ")
    with pytest.raises(ValidationError, match="not engaged"):
        release_kill_switch(actor=actor, reason="why not")
    assert not AuditEntry.objects.exists()


def test_a_channel_switch_halts_only_that_channel(marketer, outbox_channel, tmp_path):
    other = make_channel("other-outbox", path=str(tmp_path / "other.jsonl"))
    make_post(author=marketer, channels=[outbox_channel, other])
    engage_kill_switch(actor=Actor.cli(), reason="account compromised", channel=other)

    summary = publish_due()

    assert summary.sent == 1
    assert not send_permission(channel_id=other.pk).allowed
    assert send_permission(channel_id=outbox_channel.pk).allowed


def test_unreadable_guard_state_denies_every_send(marketer, outbox_channel):
    make_post(author=marketer, channels=[outbox_channel])

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE guard_killswitch RENAME TO guard_killswitch_gone")
        permission = send_permission(channel_id=outbox_channel.pk)
        summary = publish_due()
        transaction.set_rollback(True)

    assert not permission.allowed
    assert "unreadable" in permission.reason
    assert summary.sent == 0
    assert summary.held
    assert not os.path.exists(outbox_channel.settings["path"])
