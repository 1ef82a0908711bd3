"""The kill-switch JSON API, by bearer token, and the `api_token` command that issues and revokes tokens."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from guard.models import ApiToken, AuditEntry, KillSwitch
from guard.services import Actor, create_api_token, engage_kill_switch
from tests.factories import make_post

URL = "/api/killswitch"


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post_json(client, body, key: str, *, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **bearer(key))


@pytest.fixture
def marketer_key(marketer) -> str:
    return create_api_token(user=marketer, name="marketing laptop")[1]


@pytest.fixture
def crisis_key(crisis_lead) -> str:
    return create_api_token(user=crisis_lead, name="pager bot")[1]


def global_switch() -> KillSwitch:
    return KillSwitch.objects.get(scope="*")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer "},
        {"HTTP_AUTHORIZATION": "Bearer pg_not-a-real-key"},
        {"HTTP_AUTHORIZATION": "Basic Y2FybG9zOnB3"},
    ],
    ids=["no token", "empty token", "unknown token", "wrong scheme"],
)
def test_without_a_valid_token_the_api_answers_401_and_changes_nothing(client, crisis_key, headers):
    get = client.get(URL, **headers)
    engage = client.post(URL, data={"action": "engage", "reason": "x"}, content_type="application/json", **headers)

    assert get.status_code == 401
    assert engage.status_code == 401
    assert "Bearer" in get.json()["error"]
    assert not global_switch().engaged
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_marketer_may_engage_but_not_release(client, marketer_key):
    engaged = post_json(client, {"action": "engage", "reason": "something looks off"}, marketer_key)
    released = post_json(client, {"action": "release", "reason": "looks fine"}, marketer_key)

    assert engaged.status_code == 200
    assert engaged.json() | {"changed_at": None} == {
        "ok": True,
        "scope": "all",
        "engaged": True,
        "reason": "something looks off",
        "changed_by": "api:maria",
        "changed_at": None,
    }
    assert released.status_code == 403
    assert "maria may not release" in released.json()["error"]
    assert global_switch().engaged
    entry = AuditEntry.objects.get()
    assert (entry.actor_label, entry.via, entry.actor.username) == ("api:maria", "api", "maria")


@pytest.mark.django_db
def test_a_crisis_lead_releases_and_learns_what_was_held_back(
    client, crisis_key, crisis_lead, marketer, outbox_channel
):
    engage_kill_switch(actor=Actor.for_user(crisis_lead, via="admin"), reason="incident")
    held = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() - timedelta(minutes=1))

    response = post_json(client, {"action": "release", "reason": "all clear"}, crisis_key)

    assert response.status_code == 200
    body = response.json()
    assert body["engaged"] is False
    assert body["changed_by"] == "api:carlos"
    assert body["held_back"] == 1
    assert body["missed"] == 0
    assert not global_switch().engaged
    assert held.deliveries.get().state == "pending"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.KILL_SWITCH_RELEASED, held_back=1).exists()


@pytest.mark.django_db
def test_one_channel_can_be_halted_by_slug(client, crisis_key, outbox_channel):
    response = post_json(client, {"action": "engage", "channel": "outbox", "reason": "outbox disk full"}, crisis_key)

    assert response.status_code == 200
    assert response.json()["scope"] == "outbox"
    assert KillSwitch.objects.get(channel=outbox_channel).engaged
    assert not global_switch().engaged


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"{not json", 400, "not JSON"),
        (b"\xff\xfe", 400, "not JSON"),
        (b'["engage"]', 400, "JSON object"),
        (b'{"action": "explode", "reason": "x"}', 400, "action must be"),
        (b'{"action": "engage", "reason": "   "}', 400, "reason is required"),
        (b'{"action": "engage", "channel": "nowhere", "reason": "x"}', 404, "no channel 'nowhere'"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(client, crisis_key, outbox_channel, raw, status, message):
    response = post_json(client, None, crisis_key, raw=raw)

    assert response.status_code == status
    assert message in response.json()["error"]
    assert not KillSwitch.objects.filter(engaged=True).exists()


@pytest.mark.django_db
def test_get_reports_the_engaged_switches(client, marketer_key, crisis_lead, outbox_channel):
    quiet = client.get(URL, **bearer(marketer_key))
    engage_kill_switch(actor=Actor.cli(), reason="outbox jammed", channel=outbox_channel)
    halted = client.get(URL, **bearer(marketer_key))

    assert quiet.status_code == 200
    assert quiet.json() == {"all_halted": False, "engaged": []}
    assert halted.json()["all_halted"] is False
    [switch] = halted.json()["engaged"]
    assert (switch["scope"], switch["engaged"], switch["reason"]) == ("outbox", True, "outbox jammed")


def api_token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


@pytest.mark.django_db
def test_api_token_create_prints_a_working_key_once_and_revoke_shuts_it_out(client, crisis_lead):
    key, note = api_token("create", "carlos", "--name", "pager bot")
    token = ApiToken.objects.get()

    assert key.startswith("pg_")
    assert token.prefix == key[:10]
    assert key not in note
    assert token.prefix in note
    assert "only this once" in note
    assert token.key_hash == ApiToken.hash_key(key)
    assert token.name == "pager bot"
    assert client.get(URL, **bearer(key)).status_code == 200

    revoked, _ = api_token("revoke", token.prefix)

    assert token.prefix in revoked
    token.refresh_from_db()
    assert token.revoked
    assert client.get(URL, **bearer(key)).status_code == 401


@pytest.mark.django_db
def test_api_token_revoke_also_takes_the_whole_key(client, crisis_lead):
    key, _ = api_token("create", "carlos", "--name", "laptop")

    api_token("revoke", key)

    assert client.get(URL, **bearer(key)).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "nobody", "--name", "x"], "no user 'nobody'"),
        (["create", "carlos"], "--name"),
        (["create", "carlos", "--name", "  "], "--name must say"),
        (["revoke", "pg_"], "whole 10-character prefix"),
        (["revoke", "pg_0000000"], "no active token"),
    ],
)
def test_api_token_errors(args, message, crisis_lead):
    with pytest.raises(CommandError, match=message):
        api_token(*args)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_api_token_for_an_inactive_user_is_refused(crisis_lead):
    crisis_lead.is_active = False
    crisis_lead.save()

    with pytest.raises(CommandError, match="inactive"):
        api_token("create", "carlos", "--name", "old pager")
