"""Plain-data views of calendar rows, shared by the CLI's JSON output and anything else that prints them.

Times are ISO 8601 in UTC, so a script reading the output never has to guess a zone.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from scheduler.models import Channel, Post


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def post_channel_slugs(post: Post) -> list[str]:
    """The post's channels in slug order; reads prefetched deliveries when the caller prefetched them."""
    return sorted(delivery.channel.slug for delivery in post.deliveries.all())


def post_as_dict(post: Post) -> dict:
    return {
        "id": post.pk,
        "text": post.text,
        "scheduled_at": iso_utc(post.scheduled_at),
        "timezone": post.timezone,
        "status": post.status,
        "status_reason": post.status_reason,
        "author": post.author.get_username(),
        "channels": post_channel_slugs(post),
    }


def channel_as_dict(channel: Channel) -> dict:
    """Safe to print: tokens live in the environment; a webhook URL (often a token in its path) is cut to its host."""
    settings = dict(channel.settings or {})
    if channel.kind == Channel.Kind.WEBHOOK and settings.get("url"):
        settings["url"] = masked_url(settings["url"])
    return {
        "slug": channel.slug,
        "name": channel.name,
        "kind": channel.kind,
        "enabled": channel.enabled,
        "settings": settings,
    }


def masked_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "…"
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    hidden = "/…" if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{hidden}"
