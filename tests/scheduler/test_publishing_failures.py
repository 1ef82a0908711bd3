"""What the publisher does when a channel fails, against real servers on loopback.

A failure worth retrying leaves the delivery pending with a backoff; a
permanent one fails it at once with the channel's own words; a channel that
keeps failing is given up on after PUBLISH_MAX_ATTEMPTS. Retries reuse the
delivery's idempotency key.
"""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from scheduler.models import Delivery, Post
from scheduler.publishing import publish_due
from tests.factories import make_channel, make_post
from tests.servers import free_port

pytestmark = pytest.mark.django_db


def after_backoff(delivery: Delivery) -> datetime:
    """The publisher's clock just past this delivery's retry time."""
    delivery.refresh_from_db()
    return delivery.next_attempt_at + timedelta(seconds=1)


def test_a_webhook_answering_500_is_retried_after_backoff_and_sent_once_with_the_same_key(
    marketer, http_sink, webhook_channel
):
    post = make_post(author=marketer, channels=[webhook_channel])
    delivery = post.deliveries.get()
    http_sink.behaviour.status = 500
    http_sink.behaviour.body = b"upstream unavailable"

    first = publish_due()

    delivery.refresh_from_db()
    assert first.retrying == 1
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now()
    assert "HTTP 500" in delivery.last_error
    assert "upstream unavailable" in delivery.last_error
    assert publish_due().attempted == 0  # still waiting out its backoff

    http_sink.behaviour.status = 200
    second = publish_due(now=after_backoff(delivery))

    delivery.refresh_from_db()
    post.refresh_from_db()
    assert second.sent == 1
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 2
    assert post.status == Post.Status.PUBLISHED
    keys = [request.headers["idempotency-key"] for request in http_sink.received()]
    assert keys == [str(delivery.idempotency_key)] * 2
    assert publish_due(now=timezone.now() + timedelta(minutes=5)).attempted == 0
    assert len(http_sink.received()) == 2


def test_a_webhook_answering_400_fails_at_once_with_the_channels_message(marketer, http_sink, webhook_channel):
    post = make_post(author=marketer, channels=[webhook_channel])
    http_sink.behaviour.status = 400
    http_sink.behaviour.body = b"invalid_payload: missing text"

    summary = publish_due()

    delivery = post.deliveries.get()
    post.refresh_from_db()
    assert summary.failed == 1
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == 1
    assert "HTTP 400" in delivery.last_error
    assert "invalid_payload: missing text" in delivery.last_error
    assert post.status == Post.Status.FAILED
    assert "HTTP 400" in post.status_reason
    assert publish_due(now=timezone.now() + timedelta(hours=1)).attempted == 0
    assert len(http_sink.received()) == 1


def test_a_webhook_that_took_the_request_but_never_answered_is_left_unknown_not_resent(
    marketer, http_sink, webhook_channel, settings
):
    settings.OUTBOUND_READ_TIMEOUT = 0.3
    settings.OUTBOUND_TOTAL_DEADLINE = 2
    http_sink.behaviour.hang = True
    post = make_post(author=marketer, channels=[webhook_channel])
    delivery = post.deliveries.get()

    first = publish_due()
    later = publish_due(now=timezone.now() + timedelta(hours=1))

    delivery.refresh_from_db()
    post.refresh_from_db()
    assert (first.unknown, later.attempted) == (1, 0)
    assert delivery.state == Delivery.State.UNKNOWN
    assert "may have been posted" in delivery.last_error
    assert post.status == Post.Status.FAILED
    assert len(http_sink.received()) == 1


def test_a_mastodon_server_that_keeps_timing_out_is_given_up_on_after_the_maximum_attempts(
    marketer, http_sink, settings, monkeypatch
):
    """Mastodon honours the Idempotency-Key, so a timed-out status can be retried safely."""
    monkeypatch.setenv("TEST_MASTODON_TOKEN", "secret-token")
    channel = make_channel("toots", kind="mastodon", base_url=http_sink.url, token_env="TEST_MASTODON_TOKEN")
    settings.PUBLISH_MAX_ATTEMPTS = 3
    settings.OUTBOUND_READ_TIMEOUT = 0.3
    settings.OUTBOUND_TOTAL_DEADLINE = 2
    http_sink.behaviour.hang = True
    post = make_post(author=marketer, channels=[channel])
    delivery = post.deliveries.get()

    outcomes = [publish_due()]
    for _ in range(2):
        outcomes.append(publish_due(now=after_backoff(delivery)))

    delivery.refresh_from_db()
    post.refresh_from_db()
    assert [(o.retrying, o.failed) for o in outcomes] == [(1, 0), (1, 0), (0, 1)]
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == 3
    assert "timed out after 0.3 s" in delivery.last_error
    assert "gave up after 3 attempts" in delivery.last_error
    assert post.status == Post.Status.FAILED
    keys = {request.headers["idempotency-key"] for request in http_sink.received()}
    assert len(http_sink.received()) == 3
    assert keys == {str(delivery.idempotency_key)}


def test_a_channel_asking_to_wait_past_the_grace_window_fails_the_delivery_instead_of_sending_late(
    marketer, http_sink, webhook_channel
):
    http_sink.behaviour.status = 429
    http_sink.behaviour.extra_headers = {"Retry-After": "86400"}
    post = make_post(author=marketer, channels=[webhook_channel])

    assert publish_due().failed == 1
    delivery = post.deliveries.get()
    assert delivery.state == Delivery.State.FAILED
    assert "past the grace window" in delivery.last_error


def test_a_refused_connection_is_retried_rather_than_failed(marketer):
    port = free_port()
    channel = make_channel("team-chat", kind="webhook", url=f"http://127.0.0.1:{port}/hook", payload_style="slack")
    post = make_post(author=marketer, channels=[channel])
    delivery = post.deliveries.get()

    first = publish_due()
    delivery.refresh_from_db()
    assert first.retrying == 1
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 1
    assert f"connection refused by 127.0.0.1:{port}" in delivery.last_error

    second = publish_due(now=after_backoff(delivery))
    delivery.refresh_from_db()
    post.refresh_from_db()
    assert second.retrying == 1
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 2
    assert post.status in (Post.Status.SCHEDULED, Post.Status.PUBLISHING)


def test_a_mastodon_channel_without_its_token_fails_at_once_naming_the_variable(marketer, http_sink, monkeypatch):
    monkeypatch.delenv("POSTGUARD_TEST_ABSENT_TOKEN", raising=False)
    channel = make_channel("toots", kind="mastodon", base_url=http_sink.url, token_env="POSTGUARD_TEST_ABSENT_TOKEN")
    post = make_post(author=marketer, channels=[channel])

    summary = publish_due()

    delivery = post.deliveries.get()
    assert summary.failed == 1
    assert delivery.state == Delivery.State.FAILED
    assert "POSTGUARD_TEST_ABSENT_TOKEN" in delivery.last_error
    assert http_sink.received() == []
