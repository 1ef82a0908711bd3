"""Reads of the calendar used by the publisher, the admin and the CLI."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from scheduler.models import Delivery, Post

PUBLISHABLE_STATUSES = [Post.Status.SCHEDULED, Post.Status.PUBLISHING]


def due_deliveries(*, now: datetime) -> QuerySet[Delivery]:
    """Pending deliveries of approved posts whose slot has come and whose backoff (if any) is over."""
    return (
        Delivery.objects.filter(
            state=Delivery.State.PENDING,
            post__status__in=PUBLISHABLE_STATUSES,
            post__scheduled_at__lte=now,
            channel__enabled=True,
        )
        .exclude(next_attempt_at__gt=now)
        .order_by("post__scheduled_at", "pk")
    )


def calendar_posts(*, start: datetime, end: datetime) -> QuerySet[Post]:
    return (
        Post.objects.filter(scheduled_at__gte=start, scheduled_at__lt=end)
        .select_related("author")
        .prefetch_related(Prefetch("deliveries", queryset=Delivery.objects.select_related("channel")))
        .order_by("scheduled_at", "pk")
    )


def all_posts_for_listing() -> QuerySet[Post]:
    return Post.objects.select_related("author").prefetch_related(
        Prefetch("deliveries", queryset=Delivery.objects.select_related("channel"))
    )


def missed_posts() -> QuerySet[Post]:
    return all_posts_for_listing().filter(status=Post.Status.MISSED).order_by("scheduled_at")


def review_queue() -> QuerySet[Post]:
    """What waits for a reviewer, oldest first."""
    return all_posts_for_listing().filter(status=Post.Status.IN_REVIEW).order_by("updated_at", "pk")


def deliveries_needing_attention() -> QuerySet[Delivery]:
    return Delivery.objects.filter(state__in=[Delivery.State.UNKNOWN, Delivery.State.FAILED]).select_related(
        "post", "channel"
    )
