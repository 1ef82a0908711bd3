"""Publishing throughput and kill-switch latency, measured with real worker processes.

    .venv/bin/python bench/publish.py [--deliveries 2000] [--halt-deliveries 400]

1. Throughput: N due deliveries to a loopback webhook sink, drained by two
   `manage.py publish_due` processes at once; prints deliveries per second and
   checks that every delivery reached the sink exactly once.
2. Halt latency: two publishers drain a slower sink; `manage.py killswitch on`
   runs as a separate process; prints the time from that command returning to
   the last send starting (a send starts when its claim commits: `claimed_at`).
   Goal: under 50 ms. Negative means every send had started before the halt returned.

Uses a throwaway SQLite database unless DATABASE_URL is set (then that database
is used as is: give it a scratch database).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--halt-deliveries", type=int, default=400)
    parser.add_argument("--sink-delay", type=float, default=0.02, help="seconds the sink takes per request in phase 2")
    args = parser.parse_args()

    scratch = tempfile.mkdtemp(prefix="postguard-bench-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["GUARD_VAR_DIR"] = scratch
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from tests.servers import HttpSink

    sink = HttpSink().start()
    try:
        throughput(sink, args.deliveries)
        halt_latency(sink, args.halt_deliveries, args.sink_delay)
    finally:
        sink.stop()


def setup_due(count: int, url: str, slug: str) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from scheduler.models import Channel, Delivery, Post

    author, _ = User.objects.get_or_create(username="bench")
    channel, _ = Channel.objects.get_or_create(
        slug=slug, defaults={"name": slug, "kind": "webhook", "settings": {"url": url}}
    )
    slot = timezone.now()
    posts = Post.objects.bulk_create(
        [
            Post(author=author, text=f"bench post {n}", scheduled_at=slot, status=Post.Status.SCHEDULED)
            for n in range(count)
        ]
    )
    Delivery.objects.bulk_create([Delivery(post=post, channel=channel) for post in posts])
    # A live database has planner statistics (autovacuum keeps them); a bulk load
    # into a fresh one does not, and PostgreSQL then picks a nested-loop plan
    # that is a hundred times slower for the claim query.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def start_publisher() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(REPO / "manage.py"), "publish_due"],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def throughput(sink, count: int) -> None:
    from scheduler.models import Delivery

    setup_due(count, sink.url + "/hook", "bench-fast")
    started = time.perf_counter()
    workers = [start_publisher(), start_publisher()]
    for worker in workers:
        worker.wait(timeout=600)
    elapsed = time.perf_counter() - started
    keys = Counter(r.headers.get("idempotency-key") for r in sink.received())
    sent = Delivery.objects.filter(state="sent").count()
    print(
        f"throughput: {sent} deliveries through 2 workers in {elapsed:.2f} s "
        f"(process start included) = {sent / elapsed:.0f} deliveries/s"
    )
    print(f"  exactly once: {len(keys)} distinct keys, max per key {max(keys.values())}")


def halt_latency(sink, count: int, delay: float) -> None:
    from django.db.models import Max

    from guard.models import KillSwitch
    from scheduler.models import Delivery

    sink.requests.clear()
    sink.behaviour.delay = delay
    setup_due(count, sink.url + "/hook", "bench-slow")
    workers = [start_publisher(), start_publisher()]
    deadline = time.monotonic() + 60
    while len(sink.received()) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    halt = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "killswitch", "on", "--reason", "bench"],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    from django.utils import timezone

    returned_at = timezone.now()
    for worker in workers:
        worker.wait(timeout=120)
    last_start = Delivery.objects.filter(channel__slug="bench-slow").aggregate(last=Max("claimed_at"))["last"]
    engaged_at = KillSwitch.objects.get(scope="*").engaged_at
    delta_ms = (last_start - returned_at).total_seconds() * 1000
    after_commit_ms = (last_start - engaged_at).total_seconds() * 1000
    sent = Delivery.objects.filter(channel__slug="bench-slow", state="sent").count()
    print(
        f"halt: {sent} of {count} sent before the halt; last send started {delta_ms:+.1f} ms after "
        f"`killswitch on` returned ({after_commit_ms:+.1f} ms after the engage was stamped); goal < 50 ms"
    )
    assert halt.returncode == 0


if __name__ == "__main__":
    main()
