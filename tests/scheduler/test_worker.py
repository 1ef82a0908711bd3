"""The real worker: a django-q2 cluster runs the publisher schedule and a due post goes out."""

import json
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from scheduler.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_cluster_publishes_a_post_within_seconds_of_its_slot(marketer, outbox_channel, manage):
    Schedule.objects.update_or_create(
        name="publisher",
        defaults={
            "func": "scheduler.tasks.run_publisher",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
            "next_run": timezone.now(),
        },
    )
    cluster = manage("qcluster", env={"PUBLISHER_LOOP_SECONDS": "12"})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Schedule.objects.get(name="publisher").next_run <= timezone.now():
            time.sleep(0.25)
        # The loop is running now: a post planned a few seconds ahead must leave at its slot, not a minute late.
        post = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() + timedelta(seconds=3))
        deadline = time.monotonic() + 75
        while time.monotonic() < deadline and Post.objects.get(pk=post.pk).status != Post.Status.PUBLISHED:
            time.sleep(0.25)
    finally:
        cluster.send_signal(signal.SIGTERM)
        out, err = cluster.communicate(timeout=60)

    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED, err[-2000:]
    delivery = post.deliveries.get()
    lateness = (delivery.sent_at - post.scheduled_at).total_seconds()
    assert 0 <= lateness < 5, f"sent {lateness:.1f} s after its slot"
    with open(outbox_channel.settings["path"], encoding="utf-8") as outbox:
        assert json.loads(outbox.readline())["post_id"] == post.pk
