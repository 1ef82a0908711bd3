"""Every change to the calendar: creating, scheduling, reviewing, pausing, resuming, cancelling.

Each transition checks who may make it. `by=None` is the system (the publisher,
the watcher, an operator at the CLI), which the caller has already vouched for.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from scheduler.models import Channel, Delivery, Post, ReviewDecision

Status = Post.Status
State = Delivery.State

EDITABLE_STATUSES = {Status.DRAFT, Status.IN_REVIEW, Status.SCHEDULED, Status.PAUSED, Status.MISSED, Status.REJECTED}
OPEN_DELIVERY_STATES = {State.PENDING, State.MISSED}


class TransitionError(ValidationError):
    """The post is not in a state that allows this step."""


VERDICT_RANK = {Post.Verdict.PASS: 0, Post.Verdict.REVIEW: 1, Post.Verdict.BLOCK: 2}

logger = logging.getLogger(__name__)


def grace_window() -> timedelta:
    return timedelta(minutes=settings.PUBLISH_GRACE_MINUTES)


def _require(user: AbstractBaseUser | None, permission: str, doing: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise PermissionDenied(f"{user.get_username()} may not {doing}")


def _require_status(post: Post, allowed: Iterable[str], doing: str) -> None:
    if post.status not in set(allowed):
        raise TransitionError(f"Cannot {doing} a post that is {post.get_status_display().lower()}.")


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update().get(pk=post.pk)


def _validate_channels(channels: Iterable[Channel]) -> list[Channel]:
    channels = list(channels)
    if not channels:
        raise ValidationError("Choose at least one channel.")
    return channels


def _sync_deliveries(post: Post, channels: list[Channel]) -> None:
    wanted = {channel.pk for channel in channels}
    existing = {d.channel_id: d for d in post.deliveries.all()}
    for channel_id, delivery in existing.items():
        if channel_id not in wanted:
            if delivery.state not in OPEN_DELIVERY_STATES:
                raise TransitionError(f"Channel {delivery.channel.slug} already has a {delivery.state} delivery.")
            delivery.delete()
    Delivery.objects.bulk_create(
        [Delivery(post=post, channel_id=channel_id) for channel_id in wanted - existing.keys()]
    )


@transaction.atomic
def create_post(
    *,
    author: AbstractBaseUser,
    text: str,
    scheduled_at: datetime,
    channels: Iterable[Channel],
    timezone_name: str = "UTC",
    language: str = "",
    campaign: str = "",
    tags: str = "",
) -> Post:
    _require(author, "scheduler.add_post", "create posts")
    post = Post(
        author=author,
        text=text,
        scheduled_at=scheduled_at,
        timezone=timezone_name,
        language=language,
        campaign=campaign,
        tags=tags,
    )
    post.full_clean()
    channels = _validate_channels(channels)
    run_preflight_check(post, channels=channels)
    post.save()
    _sync_deliveries(post, channels)
    return post


def run_preflight_check(post: Post, *, channels: Iterable[Channel] | None = None) -> Post:
    """Store the checker's verdict and findings on the post (not saved here), for the audiences of its
    channels (the post's own unless others are given).

    A checker that breaks on some text must not lose the draft: the post is
    kept, marked for review, with a finding that says the check failed.
    """
    from checker.report import Finding
    from checker.services import check_for_channels

    if channels is None:
        channels = list(post.channels.all()) if post.pk else []
    try:
        report = check_for_channels(
            post.text, channels=list(channels), scheduled_at=post.local_scheduled_at, lang=post.language or None
        )
    except Exception as error:
        logger.exception("pre-flight check failed for post %s", post.pk)
        post.verdict = Post.Verdict.REVIEW
        post.findings = [
            Finding(
                rule="checker.failed",
                category="learned-risk",
                severity="review",
                start=0,
                end=len(post.text),
                message=f"The pre-flight check could not read this draft ({type(error).__name__}): a person must.",
            ).as_dict()
        ]
        post.risk_score = None
    else:
        post.verdict = report.verdict
        post.findings = report.as_dict()["findings"]
        post.risk_score = report.score
        if not post.language:
            post.language = report.lang
    post.checked_at = timezone.now()
    return post


@transaction.atomic
def update_post(
    *, post: Post, by: AbstractBaseUser | None, channels: Iterable[Channel] | None = None, **fields
) -> Post:
    """Edit a post that has not started going out. A changed slot or text of a missed post needs rescheduling."""
    _require(by, "scheduler.change_post", "edit posts")
    post = _locked(post)
    _require_status(post, EDITABLE_STATUSES, "edit")
    allowed = {"text", "scheduled_at", "timezone", "language", "campaign", "tags"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"update_post does not change {sorted(unknown)}")
    text_changed = "text" in fields and fields["text"] != post.text
    recheck = text_changed or any(
        name in fields and fields[name] != getattr(post, name) for name in ("scheduled_at", "timezone", "language")
    )
    verdict_before = post.verdict
    for name, value in fields.items():
        setattr(post, name, value)
    post.full_clean()
    if channels is not None:
        channels = _validate_channels(channels)
        # Another audience may read the same words differently (a regional day): check again.
        recheck = recheck or {c.pk for c in channels} != {c.pk for c in post.channels.all()}
    if recheck:
        run_preflight_check(post, channels=channels)
    if post.status == Status.SCHEDULED:
        if VERDICT_RANK[post.verdict] > VERDICT_RANK[verdict_before]:
            post.status = Status.IN_REVIEW
            post.status_reason = f"the pre-flight verdict worsened from {verdict_before} to {post.verdict}"
        elif text_changed and verdict_before != Post.Verdict.PASS:
            # It was approved as it was written; new words need a new approval.
            post.status = Status.IN_REVIEW
            post.status_reason = "text changed after approval"
    post.save()
    if channels is not None:
        _sync_deliveries(post, channels)
    return post


@transaction.atomic
def schedule_post(*, post: Post, by: AbstractBaseUser | None) -> Post:
    """Put a draft on the calendar. A post whose verdict is not `pass` goes to review instead."""
    _require(by, "scheduler.schedule_post", "schedule posts")
    post = _locked(post)
    _require_status(post, {Status.DRAFT, Status.REJECTED}, "schedule")
    _require_future_slot(post.scheduled_at)
    if not post.deliveries.exists():
        raise ValidationError("Choose at least one channel before scheduling.")
    post.status = Status.SCHEDULED if post.verdict == Post.Verdict.PASS else Status.IN_REVIEW
    post.status_reason = ""
    post.save(update_fields=["status", "status_reason", "updated_at"])
    return post


def _require_future_slot(slot: datetime) -> None:
    if slot <= timezone.now():
        raise ValidationError("That slot has already passed: pick a time in the future.")


@transaction.atomic
def approve_post(*, post: Post, by: AbstractBaseUser, note: str = "", override_reason: str = "") -> Post:
    """A second person approves a flagged post; a blocked one also needs a written reason to override."""
    _require(by, "scheduler.approve_post", "approve posts")
    post = _locked(post)
    _require_status(post, {Status.IN_REVIEW}, "approve")
    if post.author_id == by.pk:
        raise PermissionDenied("A post needs a reviewer other than its author.")
    if post.scheduled_at < timezone.now() - grace_window():
        raise ValidationError("Its slot has passed: give it a new slot before approving it.")
    decision = ReviewDecision.Decision.APPROVED
    if post.verdict == Post.Verdict.BLOCK:
        if not override_reason.strip():
            raise ValidationError("The checker blocked this post: write why it may go out anyway to override.")
        decision = ReviewDecision.Decision.OVERRIDDEN
    _record_decision(post, by, decision, note=override_reason.strip() or note.strip())
    post.status = Status.SCHEDULED
    post.status_reason = override_reason.strip() or note.strip()
    post.save(update_fields=["status", "status_reason", "updated_at"])
    return post


def _record_decision(post: Post, reviewer: AbstractBaseUser, decision: str, *, note: str) -> ReviewDecision:
    return ReviewDecision.objects.create(
        post=post,
        reviewer=reviewer,
        decision=decision,
        verdict_seen=post.verdict,
        findings_seen=post.findings,
        text_seen=post.text,
        note=note,
    )


@transaction.atomic
def reject_post(*, post: Post, by: AbstractBaseUser, note: str) -> Post:
    _require(by, "scheduler.approve_post", "reject posts")
    post = _locked(post)
    _require_status(post, {Status.IN_REVIEW}, "reject")
    if not note.strip():
        raise ValidationError("Say why it is rejected, so the author can fix it.")
    _record_decision(post, by, ReviewDecision.Decision.REJECTED, note=note.strip())
    post.status = Status.REJECTED
    post.status_reason = note.strip()
    post.save(update_fields=["status", "status_reason", "updated_at"])
    return post


@transaction.atomic
def pause_post(*, post: Post, by: AbstractBaseUser | None, reason: str) -> Post:
    """Hold a post back; the publisher skips it until a person resumes it."""
    _require(by, "scheduler.pause_post", "pause posts")
    post = _locked(post)
    _require_status(post, {Status.SCHEDULED, Status.IN_REVIEW, Status.PUBLISHING}, "pause")
    post.status = Status.PAUSED
    post.status_reason = reason.strip() or "paused"
    post.save(update_fields=["status", "status_reason", "updated_at"])
    return post


@transaction.atomic
def resume_post(*, post: Post, by: AbstractBaseUser | None, new_slot: datetime | None = None) -> Post:
    """Put a paused or missed post back on the calendar.

    A slot that has passed by more than the grace window needs a new one:
    resuming never sends a backlog.
    """
    _require(by, "scheduler.resume_post", "resume posts")
    post = _locked(post)
    _require_status(post, {Status.PAUSED, Status.MISSED}, "resume")
    now = timezone.now()
    if new_slot is not None:
        _require_future_slot(new_slot)
        post.scheduled_at = new_slot
    elif post.scheduled_at < now - grace_window():
        raise ValidationError(
            f"Its slot ({post.scheduled_at:%Y-%m-%d %H:%M} UTC) passed more than "
            f"{settings.PUBLISH_GRACE_MINUTES} minutes ago: give it a new slot."
        )
    post.deliveries.filter(state=State.MISSED).update(state=State.PENDING, last_error="")
    already_sent = post.deliveries.filter(state=State.SENT).exists()
    post.status = Status.PUBLISHING if already_sent else Status.SCHEDULED
    post.status_reason = ""
    post.save(update_fields=["status", "status_reason", "scheduled_at", "updated_at"])
    return post


@transaction.atomic
def cancel_post(*, post: Post, by: AbstractBaseUser | None) -> Post:
    post = _locked(post)
    if by is not None and post.author_id != by.pk:
        _require(by, "scheduler.cancel_post", "cancel other people's posts")
    _require_status(post, EDITABLE_STATUSES, "cancel")
    post.deliveries.filter(state__in=OPEN_DELIVERY_STATES).update(state=State.CANCELLED)
    post.status = Status.CANCELLED
    post.save(update_fields=["status", "updated_at"])
    return post


def count_deliveries_due_between(*, start: datetime, end: datetime, channel: Channel | None = None) -> int:
    """Deliveries whose slot fell inside [start, end] and had not gone out: what a halt held back."""
    deliveries = Delivery.objects.filter(
        post__scheduled_at__gte=start,
        post__scheduled_at__lte=end,
        state__in=[State.PENDING, State.MISSED],
        post__status__in=[Status.SCHEDULED, Status.PUBLISHING, Status.MISSED],
    )
    if channel is not None:
        deliveries = deliveries.filter(channel=channel)
    return deliveries.count()


def mark_overdue_deliveries_missed(*, now: datetime, channel: Channel | None = None, reason: str) -> int:
    """Never-attempted deliveries whose slot is older than the grace window go to the missed list.

    Returns how many deliveries moved. A post all of whose open deliveries are
    missed becomes `missed` itself, so a person can give it a new slot.
    """
    overdue = Delivery.objects.filter(
        state=State.PENDING,
        attempts=0,
        post__status__in=[Status.SCHEDULED, Status.PUBLISHING],
        post__scheduled_at__lt=now - grace_window(),
    )
    if channel is not None:
        overdue = overdue.filter(channel=channel)
    post_ids = set(overdue.values_list("post_id", flat=True))
    moved = overdue.update(state=State.MISSED, last_error=reason)
    for post in Post.objects.filter(pk__in=post_ids):
        refresh_post_status(post=post, reason=reason)
    return moved


def refresh_post_status(*, post: Post, reason: str = "") -> Post:
    """Derive a publishing post's status from its deliveries; paused and cancelled posts keep theirs."""
    if post.status not in {Status.SCHEDULED, Status.PUBLISHING, Status.MISSED, Status.FAILED}:
        return post
    states = set(post.deliveries.values_list("state", flat=True))
    if states <= {State.SENT, State.CANCELLED} and State.SENT in states:
        new_status = Status.PUBLISHED
    elif states & {State.PENDING, State.SENDING}:
        new_status = Status.PUBLISHING if states & {State.SENT, State.SENDING, State.FAILED} else Status.SCHEDULED
    elif State.MISSED in states:
        new_status = Status.MISSED
    elif states & {State.FAILED, State.UNKNOWN}:
        new_status = Status.FAILED
    else:
        new_status = post.status
    if new_status != post.status:
        Post.objects.filter(pk=post.pk).update(
            status=new_status, status_reason=reason or post.status_reason, updated_at=timezone.now()
        )
        post.status = new_status
    return post


@transaction.atomic
def settle_unknown_delivery(*, delivery: Delivery, by: AbstractBaseUser | None, sent: bool) -> Delivery:
    """Record what a person found on the channel after a send that never reported back.

    `sent=True`: it did arrive, so it is sent. `sent=False`: it did not, so it goes
    back to pending with its attempts and idempotency key kept; the publisher
    resends it under the same key (a channel that did get it drops the copy) and,
    having attempts, it is not swept to the missed list for an old slot.
    """
    _require(by, "scheduler.change_delivery", "settle deliveries")
    post = Post.objects.select_for_update().get(pk=delivery.post_id)
    delivery = Delivery.objects.select_for_update().select_related("channel").get(pk=delivery.pk)
    if delivery.state != State.UNKNOWN:
        state = delivery.get_state_display().lower()
        raise TransitionError(f"Only a delivery whose outcome is unknown can be settled; this one is {state}.")
    who = by.get_username() if by is not None else "system"
    if sent:
        delivery.state = State.SENT
        delivery.sent_at = delivery.claimed_at or timezone.now()
        note = f"{who} checked {delivery.channel.slug}: it had arrived"
    else:
        delivery.state = State.PENDING
        delivery.next_attempt_at = None
        note = f"{who} checked {delivery.channel.slug}: it had not arrived, resending with the same key"
    delivery.last_error = f"{note} (was: {delivery.last_error})" if delivery.last_error else note
    delivery.save(update_fields=["state", "sent_at", "next_attempt_at", "last_error"])
    refresh_post_status(post=post, reason=note)
    return delivery
