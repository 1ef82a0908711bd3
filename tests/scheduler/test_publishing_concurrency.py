"""Several publishers at once, a halt while they run, a worker killed mid-send.

These run real worker processes (`manage.py publish_due`) against the test
database and a real loopback webhook, so the claims are tested as deployed.
"""

import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from guard.services import Actor, engage_kill_switch
from scheduler.models import Delivery, Post
from scheduler.publishing import mark_stalled_sends_unknown, publish_due
from tests.factories import make_due_posts

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, *, seconds: float = 20.0, step: float = 0.02) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def finish(process, *, seconds: float = 60.0) -> tuple[str, str]:
    try:
        out, err = process.communicate(timeout=seconds)
    except Exception:
        process.kill()
        raise
    assert process.returncode == 0, err
    return out, err


def keys_received(sink) -> Counter:
    return Counter(request.headers["idempotency-key"] for request in sink.received())


def test_two_publishers_draining_the_same_due_posts_send_each_exactly_once(
    marketer, webhook_channel, http_sink, manage
):
    http_sink.behaviour.delay = 0.03
    make_due_posts(80, author=marketer, channels=[webhook_channel])

    workers = [manage("publish_due"), manage("publish_due")]
    for worker in workers:
        finish(worker)

    received = keys_received(http_sink)
    deliveries = Delivery.objects.all()
    assert {str(d.idempotency_key) for d in deliveries} == set(received)
    assert set(received.values()) == {1}, "a delivery reached the channel twice"
    assert {d.state for d in deliveries} == {Delivery.State.SENT}
    assert len({d.claimed_by for d in deliveries}) == 2, "both workers should have taken part"
    assert set(Post.objects.values_list("status", flat=True)) == {Post.Status.PUBLISHED}


def test_four_threads_contending_for_claims_never_double_send(marketer, outbox_channel):
    make_due_posts(120, author=marketer, channels=[outbox_channel])
    errors: list[BaseException] = []

    def drain(name: str) -> None:
        try:
            publish_due(worker=name)
        except BaseException as error:  # surfaced below: a thread cannot fail the test itself
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain, args=(f"thread-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    with open(outbox_channel.settings["path"], encoding="utf-8") as outbox:
        lines = outbox.read().splitlines()
    keys = Counter(line.split('"idempotency_key": "')[1][:36] for line in lines)
    assert len(keys) == 120
    assert set(keys.values()) == {1}
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 120


def test_engaging_the_switch_while_publishers_run_stops_every_send_not_yet_started(
    marketer, webhook_channel, http_sink, manage
):
    http_sink.behaviour.delay = 0.05
    make_due_posts(150, author=marketer, channels=[webhook_channel])
    workers = [manage("publish_due"), manage("publish_due")]
    assert wait_for(lambda: len(http_sink.received()) >= 10), "publishers never started sending"

    engage_kill_switch(actor=Actor.cli(), reason="major incident: halt everything")
    started_before_halt = set(
        Delivery.objects.filter(state__in=[Delivery.State.SENDING, Delivery.State.SENT]).values_list("pk", flat=True)
    )
    for worker in workers:
        finish(worker)

    sent = set(Delivery.objects.filter(state=Delivery.State.SENT).values_list("pk", flat=True))
    assert sent <= started_before_halt, "a send started after the kill-switch engage had returned"
    assert len(http_sink.received()) == len(sent)
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() == 150 - len(sent) > 0


def test_a_worker_killed_mid_send_leaves_unknown_and_nothing_is_resent(
    marketer, webhook_channel, http_sink, manage, settings
):
    http_sink.behaviour.hang = True
    [post] = make_due_posts(1, author=marketer, channels=[webhook_channel])
    worker = manage("publish_due")
    assert wait_for(lambda: len(http_sink.received()) == 1), "the worker never reached the channel"

    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    delivery = post.deliveries.get()
    assert delivery.state == Delivery.State.SENDING

    later = timezone.now() + timedelta(seconds=settings.PUBLISH_STALE_SENDING_SECONDS + 1)
    assert mark_stalled_sends_unknown(now=later) == 1
    http_sink.behaviour.hang = False
    publish_due()

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.UNKNOWN
    assert "stopped mid-send" in delivery.last_error
    assert len(http_sink.received()) == 1, "a delivery in doubt was sent again"


def test_a_publisher_whose_database_is_gone_says_so_and_sends_nothing(manage, tmp_path):
    worker = manage("publish_due", env={"DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3"})
    out, err = worker.communicate(timeout=60)
    assert worker.returncode == 1
    assert "database unavailable" in err
