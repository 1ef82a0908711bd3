"""The publisher: claim one due delivery, ask guard, send it, record what happened.

A delivery is sent at most once. Its state moves pending -> sending -> sent |
failed | unknown. The claim is a conditional UPDATE whose row count says who
won (so two workers can never both send it), taken on PostgreSQL under
`SELECT ... FOR UPDATE SKIP LOCKED` so workers pass over each other's rows
instead of queueing. The kill-switch is read inside that same transaction; the
network call happens after it commits, so no database transaction is held open
across a slow channel. A worker that dies mid-send leaves `sending` behind,
which `mark_stalled_sends_unknown` turns into `unknown` for a person to settle:
never a blind resend.
"""

import logging
import os
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from guard import selectors as guard_selectors
from guard import services as guard_services
from scheduler import selectors, services
from scheduler.channels import ChannelError, ChannelOutcomeUnknown, adapter_for
from scheduler.models import Delivery, Post

logger = logging.getLogger(__name__)

State = Delivery.State


@dataclass
class PublishSummary:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    unknown: int = 0
    missed: int = 0
    stalled: int = 0
    held: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.retrying + self.unknown

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "retrying": self.retrying,
            "unknown": self.unknown,
            "missed": self.missed,
            "stalled": self.stalled,
            "held": self.held,
        }


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


def claim_next_delivery(*, worker: str, now: datetime | None = None) -> Delivery | None | str:
    """Claim the oldest due delivery for this worker.

    Returns the claimed delivery, None when nothing is due, or a string saying
    why what is due may not go out (a halt, or guard state that cannot be read).
    """
    now = now or timezone.now()
    halt = guard_selectors.halt_state()
    if halt.all_halted:
        return f"all channels halted: {halt.global_switch.reason}"
    candidates = selectors.due_deliveries(now=now).exclude(channel_id__in=halt.halted_channel_ids)
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        candidate = candidates.select_related("channel", "post").first()
        if candidate is None:
            return None
        permission = guard_selectors.send_permission(channel_id=candidate.channel_id)
        if not permission.allowed:
            return permission.reason
        claimed_at = timezone.now()
        won = (
            Delivery.objects.filter(pk=candidate.pk, state=State.PENDING)
            .filter(Q(attempts__gt=0) | Q(post__scheduled_at__gte=now - services.grace_window()))
            .update(state=State.SENDING, claimed_at=claimed_at, claimed_by=worker, attempts=F("attempts") + 1)
        )
        if won != 1:
            # Another worker took it between our read and our update (SQLite has no
            # SKIP LOCKED), or it became too late to send: report "nothing" for this turn.
            return ""
        Post.objects.filter(pk=candidate.post_id, status=Post.Status.SCHEDULED).update(
            status=Post.Status.PUBLISHING, updated_at=claimed_at
        )
    # The row is ours now (locked on PostgreSQL, write-locked on SQLite while we
    # updated it): mirror the update rather than read it back.
    candidate.state, candidate.claimed_at, candidate.claimed_by = State.SENDING, claimed_at, worker
    candidate.attempts += 1
    return candidate


def send_claimed_delivery(*, delivery: Delivery) -> str:
    """Make the network call for a delivery this worker holds in `sending`; returns the new state."""
    try:
        result = adapter_for(delivery.channel).send(delivery)
    except ChannelOutcomeUnknown as error:
        return _record_outcome(delivery, state=State.UNKNOWN, last_error=error.message)
    except ChannelError as error:
        return _record_failure(delivery, error)
    except Exception as error:  # the adapter broke after perhaps sending: do not guess
        logger.exception("adapter for %s raised unexpectedly", delivery.channel.slug)
        return _record_outcome(
            delivery,
            state=State.UNKNOWN,
            last_error=f"the {delivery.channel.kind} adapter failed unexpectedly ({type(error).__name__}: {error}); "
            "it may or may not have sent: check the channel before resending",
        )
    return _record_outcome(delivery, state=State.SENT, external_id=result.external_id, sent_at=timezone.now())


def _record_failure(delivery: Delivery, error: ChannelError) -> str:
    grace_seconds = services.grace_window().total_seconds()
    if error.retry_after is not None and error.retry_after > grace_seconds:
        return _record_outcome(
            delivery,
            state=State.FAILED,
            last_error=f"{error.message}; the channel asked to wait {int(error.retry_after)} s, "
            "past the grace window: give the post a new slot",
        )
    if error.permanent or delivery.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        give_up = "" if error.permanent else f" (gave up after {delivery.attempts} attempts)"
        return _record_outcome(delivery, state=State.FAILED, last_error=f"{error.message}{give_up}")
    delay = retry_delay(attempts=delivery.attempts, retry_after=error.retry_after)
    return _record_outcome(
        delivery,
        state=State.PENDING,
        last_error=f"{error.message} (attempt {delivery.attempts}, retrying in {int(delay)} s)",
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )


def retry_delay(*, attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, never sooner than the channel asked for."""
    base = settings.PUBLISH_RETRY_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    delay = min(base, 3600) * random.uniform(0.9, 1.1)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def _record_outcome(delivery: Delivery, *, state: str, **fields) -> str:
    """Write the result. `unknown` is accepted as a prior state: the truth beats a stale-claim guess."""
    with transaction.atomic():
        updated = Delivery.objects.filter(pk=delivery.pk, state__in=[State.SENDING, State.UNKNOWN]).update(
            state=state, **fields
        )
        if updated:
            services.refresh_post_status(
                post=Post.objects.get(pk=delivery.post_id), reason=fields.get("last_error", "")
            )
    return state


def mark_stalled_sends_unknown(*, now: datetime | None = None) -> int:
    """Sends that outlived any worker's deadline: their worker died. Flag them, never resend them."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PUBLISH_STALE_SENDING_SECONDS)
    stalled = list(Delivery.objects.filter(state=State.SENDING, claimed_at__lt=cutoff))
    for delivery in stalled:
        with transaction.atomic():
            moved = Delivery.objects.filter(pk=delivery.pk, state=State.SENDING, claimed_at=delivery.claimed_at).update(
                state=State.UNKNOWN,
                last_error=(
                    f"worker {delivery.claimed_by} stopped mid-send "
                    f"(claimed {delivery.claimed_at:%Y-%m-%d %H:%M:%S} UTC); "
                    "it may or may not have reached the channel: check, then mark it sent or resend it"
                ),
            )
            if moved:
                services.refresh_post_status(post=Post.objects.get(pk=delivery.post_id))
    return len(stalled)


def publish_one(*, worker: str, now: datetime | None = None) -> tuple[str, Delivery | None]:
    """One step: claim and send a single delivery. Returns (outcome, delivery)."""
    claimed = claim_next_delivery(worker=worker, now=now)
    if claimed is None:
        return "idle", None
    if isinstance(claimed, str):
        return ("held:" + claimed if claimed else "contended"), None
    return send_claimed_delivery(delivery=claimed), claimed


def publish_due(
    *,
    worker: str | None = None,
    now: datetime | None = None,
    max_sends: int | None = None,
    stop: threading.Event | None = None,
) -> PublishSummary:
    """One pass: send everything due now, then return. Safe to run in several processes at once.

    `stop` is checked before each send, so a worker asked to stop never leaves mid-backlog
    with a send half made.
    """
    worker = worker or default_worker_name()
    summary = PublishSummary()
    try:
        guard_services.ensure_global_kill_switch()
        summary.stalled = mark_stalled_sends_unknown(now=now)
        summary.missed = services.mark_overdue_deliveries_missed(
            now=now or timezone.now(), reason="its slot passed more than the grace window ago before it could be sent"
        )
    except DatabaseError as error:
        summary.held.append(f"database unavailable: {error}")
        return summary
    contended_in_a_row = 0
    while (max_sends is None or summary.attempted < max_sends) and not (stop and stop.is_set()):
        try:
            outcome, _ = publish_one(worker=worker, now=now)
        except DatabaseError as error:
            summary.held.append(f"database unavailable: {error}")
            break
        if outcome == "idle":
            break
        if outcome.startswith("held:"):
            summary.held.append(outcome.removeprefix("held:"))
            break
        if outcome == "contended":
            contended_in_a_row += 1
            if contended_in_a_row > 50:
                break
            continue
        contended_in_a_row = 0
        counter = {State.SENT: "sent", State.FAILED: "failed", State.PENDING: "retrying", State.UNKNOWN: "unknown"}
        setattr(summary, counter[outcome], getattr(summary, counter[outcome]) + 1)
    return summary


def run_publisher_loop(
    *, seconds: float, stop: threading.Event | None = None, worker: str | None = None
) -> PublishSummary:
    """Publish for `seconds`, polling often enough that a post leaves within a second or two of its slot."""
    stop = stop or threading.Event()
    worker = worker or default_worker_name()
    total = PublishSummary()
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        summary = publish_due(worker=worker, stop=stop)
        for name in ("sent", "failed", "retrying", "unknown", "missed", "stalled"):
            setattr(total, name, getattr(total, name) + getattr(summary, name))
        total.held.extend(reason for reason in summary.held if reason not in total.held)
        if summary.attempted == 0:
            stop.wait(min(settings.PUBLISHER_POLL_SECONDS, max(deadline - time.monotonic(), 0)))
    return total
