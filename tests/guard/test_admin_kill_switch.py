"""The kill-switch in the admin: the banner on every page, engage and release pages, the audit log."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from guard.models import GLOBAL_SCOPE, ApiToken, AuditEntry, KillSwitch
from guard.services import Actor, engage_kill_switch
from scheduler.models import Post
from tests.factories import make_post

ENGAGE = "admin:guard_killswitch_engage"
RELEASE = "admin:guard_killswitch_release"
POSTS = "admin:scheduler_post_changelist"


def global_switch() -> KillSwitch:
    return KillSwitch.objects.get(scope=GLOBAL_SCOPE)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_the_banner_shows_on_the_post_list_while_halted_and_goes_after_release(
    client, crisis_lead, marketer, outbox_channel, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(crisis_lead)
    before = client.get(reverse(POSTS)).content.decode()
    assert "Publishing halted" not in before
    assert "Halt all channels" in before

    engage_form = client.get(reverse(ENGAGE), {"scope": "all"})
    assert engage_form.status_code == 200
    assert not global_switch().engaged
    client.post(reverse(ENGAGE), {"scope": "all", "reason": "Shooting downtown, all posts on hold", "confirm": "on"})
    assert global_switch().engaged

    halted = client.get(reverse(POSTS)).content.decode()
    assert "Publishing halted: all channels" in halted
    assert "Shooting downtown, all posts on hold" in halted
    assert "by carlos" in halted
    assert reverse(RELEASE) in halted
    assert "Halt all channels" not in halted

    post = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() + timedelta(minutes=10))
    time_machine.shift(timedelta(hours=1))
    released = client.post(
        reverse(RELEASE), {"scope": "all", "reason": "All clear from comms", "confirm": "on"}, follow=True
    )

    assert not global_switch().engaged
    assert any("1 deliveries were held back" in text and "1 went to the" in text for text in texts(released))
    assert "Publishing halted" not in client.get(reverse(POSTS)).content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.MISSED
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "via", "actor_label", "held_back"))
    assert actions == [
        (AuditEntry.Action.KILL_SWITCH_ENGAGED, "admin", "carlos", 0),
        (AuditEntry.Action.KILL_SWITCH_RELEASED, "admin", "carlos", 1),
    ]


@pytest.mark.django_db
def test_a_marketer_can_engage_but_gets_403_on_release(client, marketer):
    client.force_login(marketer)

    client.post(reverse(ENGAGE), {"scope": "all", "reason": "Our CEO was just arrested", "confirm": "on"})
    assert global_switch().engaged

    page = client.get(reverse(POSTS)).content.decode()
    assert "Publishing halted: all channels" in page
    assert reverse(RELEASE) not in page  # no Release button for someone who may not release
    assert client.get(reverse(RELEASE)).status_code == 403
    assert client.post(reverse(RELEASE), {"scope": "all", "reason": "fine now", "confirm": "on"}).status_code == 403
    assert global_switch().engaged


@pytest.mark.django_db
def test_release_without_a_reason_or_confirmation_is_refused_and_nothing_changes(client, crisis_lead):
    engage_kill_switch(actor=Actor.for_user(crisis_lead, via="admin"), reason="Flood in the region")
    client.force_login(crisis_lead)

    no_reason = client.post(reverse(RELEASE), {"scope": "all", "reason": "   ", "confirm": "on"})
    not_confirmed = client.post(reverse(RELEASE), {"scope": "all", "reason": "All clear"})

    assert no_reason.status_code == 200
    assert no_reason.context["form"].errors["reason"]
    assert not_confirmed.status_code == 200
    assert not_confirmed.context["form"].errors["confirm"]
    switch = global_switch()
    assert switch.engaged
    assert switch.reason == "Flood in the region"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.KILL_SWITCH_RELEASED).exists()


@pytest.mark.django_db
def test_one_channel_can_be_halted_and_all_can_still_be_halted_on_top(client, crisis_lead, outbox_channel):
    client.force_login(crisis_lead)

    client.post(reverse(ENGAGE), {"scope": str(outbox_channel.pk), "reason": "Token leaked", "confirm": "on"})

    page = client.get(reverse(POSTS)).content.decode()
    assert "Publishing halted: channel outbox" in page
    assert "Token leaked" in page
    assert "Halt all channels" in page
    assert not global_switch().engaged
    release_form = client.get(reverse(RELEASE))
    assert release_form.context["form"].fields["scope"].choices == [(str(outbox_channel.pk), "Channel outbox")]


@pytest.mark.django_db
def test_unreadable_guard_state_says_nothing_is_being_sent(client, crisis_lead, monkeypatch):
    def broken():
        raise DatabaseError("no such table: guard_killswitch")

    monkeypatch.setattr("guard.context_processors.engaged_switches", broken)
    client.force_login(crisis_lead)

    page = client.get(reverse(POSTS)).content.decode()

    assert "Guard state cannot be read" in page
    assert "nothing is being sent" in page
    assert "Halt all channels" not in page


@pytest.mark.django_db
def test_the_audit_log_is_read_only_even_for_a_superuser(client, admin_user, crisis_lead):
    engage_kill_switch(actor=Actor.for_user(crisis_lead, via="admin"), reason="Drill")
    entry = AuditEntry.objects.get()
    client.force_login(admin_user)

    listing = client.get(reverse("admin:guard_auditentry_changelist"))
    detail = client.get(reverse("admin:guard_auditentry_change", args=[entry.pk]))

    assert listing.status_code == 200
    assert "Drill" in listing.content.decode()
    assert listing.context["action_form"] is None  # not even delete_selected is offered
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    assert client.get(reverse("admin:guard_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:guard_auditentry_change", args=[entry.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("admin:guard_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get().reason == "Drill"


@pytest.mark.django_db
def test_a_new_api_token_shows_its_key_once(client, admin_user, crisis_lead):
    client.force_login(admin_user)

    created = client.post(
        reverse("admin:guard_apitoken_add"), {"name": "pager bot", "user": crisis_lead.pk}, follow=True
    )

    [key] = [word for text in texts(created) for word in text.split() if word.startswith("pg_")]
    token = ApiToken.objects.get()
    assert token.user == crisis_lead
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in client.get(reverse("admin:guard_apitoken_change", args=[token.pk])).content.decode()
    assert key not in client.get(reverse("admin:guard_apitoken_changelist")).content.decode()
