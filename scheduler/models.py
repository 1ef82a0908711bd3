"""The content calendar's state: channels, posts and one delivery per post x channel.

Transitions are made by `scheduler.services`; the models only hold state and the
invariants that must hold whoever writes.
"""

import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now


def validate_timezone_name(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Warsaw") from None


class Channel(models.Model):
    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "Webhook (Slack/Discord/Teams-style JSON)"
        MASTODON = "mastodon", "Mastodon"
        EMAIL = "email", "Email (SMTP)"
        FILE = "file", "File outbox (JSON lines)"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    settings = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "Adapter settings: url, payload_style, base_url, token_env, recipients, path. "
            "Secrets are never stored here: name the environment variable that holds them."
        ),
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        SCHEDULED = "scheduled", "Approved / scheduled"
        PAUSED = "paused", "Paused"
        MISSED = "missed", "Missed its slot"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    class Verdict(models.TextChoices):
        PASS = "pass", "Pass"
        REVIEW = "review", "Needs review"
        BLOCK = "block", "Blocked"

    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    scheduled_at = models.DateTimeField(db_index=True, help_text="The slot, stored in UTC.")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone_name],
        help_text="The time zone the slot is planned and shown in.",
    )
    language = models.CharField(max_length=16, blank=True, help_text="ISO 639-1 code, e.g. en, pl.")
    campaign = models.CharField(max_length=100, blank=True)
    tags = models.CharField(max_length=255, blank=True, help_text="Comma-separated.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    verdict = models.CharField(
        max_length=10,
        choices=Verdict.choices,
        default=Verdict.PASS,
        help_text="The pre-flight checker's verdict on the current text.",
    )
    status_reason = models.CharField(max_length=500, blank=True, help_text="Why it is paused, missed or failed.")
    findings = models.JSONField(default=list, blank=True, help_text="The pre-flight checker's findings on this text.")
    risk_score = models.FloatField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    channels = models.ManyToManyField(Channel, through="Delivery", related_name="posts")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "pk"]
        permissions = [
            ("schedule_post", "Can schedule a post"),
            ("approve_post", "Can approve or reject a post in review"),
            ("pause_post", "Can pause a scheduled post"),
            ("resume_post", "Can resume a paused or missed post"),
            ("cancel_post", "Can cancel a post"),
        ]

    def __str__(self) -> str:
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else "(empty)"
        return first_line[:60]

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def local_scheduled_at(self):
        return self.scheduled_at.astimezone(zoneinfo.ZoneInfo(self.timezone))


class Delivery(models.Model):
    """One post on one channel: the unit the publisher claims and sends at most once."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (worker stopped mid-send)"
        MISSED = "missed", "Missed its slot"
        CANCELLED = "cancelled", "Cancelled"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="deliveries")
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING, db_index=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="Set while a retry waits out its backoff.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the current or last send started.")
    claimed_by = models.CharField(max_length=100, blank=True)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="one_delivery_per_post_and_channel"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.post_id} -> {self.channel.slug} ({self.state})"


class ReviewDecision(models.Model):
    """A reviewer's decision on a flagged post, kept with what the checker said at the time."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        OVERRIDDEN = "overridden", "Approved over a block"
        REJECTED = "rejected", "Rejected"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="review_decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions")
    decision = models.CharField(max_length=12, choices=Decision.choices)
    verdict_seen = models.CharField(max_length=10, choices=Post.Verdict.choices)
    findings_seen = models.JSONField(default=list, blank=True)
    text_seen = models.TextField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer} ({self.verdict_seen})"
