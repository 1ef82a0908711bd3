import json
from datetime import timedelta

import pytest
from django.utils import timezone

from guard.services import Actor, engage_kill_switch, release_kill_switch
from scheduler.models import Delivery, Post
from scheduler.publishing import mark_stalled_sends_unknown, publish_due
from tests.factories import make_post


def outbox_lines(channel):
    path = channel.settings["path"]
    with open(path, encoding="utf-8") as outbox:
        return [json.loads(line) for line in outbox]


@pytest.mark.django_db
def test_a_due_post_is_written_to_the_outbox_once(marketer, outbox_channel):
    post = make_post(author=marketer, channels=[outbox_channel], text="Zażółć gęślą jaźń — مرحبا")

    first = publish_due()
    second = publish_due()

    assert first.sent == 1
    assert second.sent == 0
    [line] = outbox_lines(outbox_channel)
    assert line["text"] == "Zażółć gęślą jaźń — مرحبا"
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    delivery = post.deliveries.get()
    assert delivery.state == Delivery.State.SENT
    assert delivery.external_id == line["idempotency_key"]


@pytest.mark.django_db
def test_future_drafts_and_paused_posts_stay_put(marketer, outbox_channel):
    make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() + timedelta(minutes=5))
    make_post(author=marketer, channels=[outbox_channel], status=Post.Status.DRAFT)
    make_post(author=marketer, channels=[outbox_channel], status=Post.Status.PAUSED)

    assert publish_due().sent == 0


@pytest.mark.django_db
def test_engaged_switch_holds_everything_and_release_sends_only_within_grace(marketer, outbox_channel, settings):
    settings.PUBLISH_GRACE_MINUTES = 15
    recent = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() - timedelta(minutes=2))
    stale = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() - timedelta(minutes=40))
    engage_kill_switch(actor=Actor.cli(), reason="breaking news")

    held = publish_due()
    assert held.sent == 0
    assert held.held

    outcome = release_kill_switch(actor=Actor.cli(), reason="all clear")
    assert outcome.held_back == 1
    assert publish_due().sent == 1
    recent.refresh_from_db()
    stale.refresh_from_db()
    assert recent.status == Post.Status.PUBLISHED
    assert stale.status == Post.Status.MISSED


@pytest.mark.django_db
def test_a_send_that_never_finished_becomes_unknown_and_is_not_resent(marketer, outbox_channel, settings):
    post = make_post(author=marketer, channels=[outbox_channel])
    long_ago = timezone.now() - timedelta(seconds=settings.PUBLISH_STALE_SENDING_SECONDS + 5)
    post.deliveries.update(state=Delivery.State.SENDING, claimed_at=long_ago, claimed_by="dead-worker", attempts=1)

    assert mark_stalled_sends_unknown() == 1
    assert publish_due().sent == 0
    delivery = post.deliveries.get()
    assert delivery.state == Delivery.State.UNKNOWN
    assert "dead-worker" in delivery.last_error
    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
