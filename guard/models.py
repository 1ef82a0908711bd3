"""Guard state: kill-switches, the append-only audit log and API tokens.

A halt is a row (not a cache entry or a process flag) so that every worker
reads the same truth inside its send transaction.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

GLOBAL_SCOPE = "*"


class KillSwitch(models.Model):
    """One row for all channels (scope "*") and one per channel that was ever halted."""

    scope = models.CharField(max_length=80, unique=True, editable=False)
    channel = models.OneToOneField(
        "scheduler.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="kill_switch"
    )
    engaged = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    changed_by = models.CharField(max_length=150, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    engaged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "kill-switch"
        verbose_name_plural = "kill-switches"
        ordering = ["scope"]
        permissions = [
            ("engage_killswitch", "Can engage a kill-switch (halt channels)"),
            ("release_killswitch", "Can release a kill-switch (resume channels)"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_label}: {'HALTED' if self.engaged else 'running'}"

    def save(self, *args, **kwargs):
        self.scope = GLOBAL_SCOPE if self.channel_id is None else f"channel:{self.channel_id}"
        super().save(*args, **kwargs)

    @property
    def is_global(self) -> bool:
        return self.channel_id is None

    @property
    def scope_label(self) -> str:
        return "all channels" if self.is_global else f"channel {self.channel.slug}"


class AppendOnlyError(Exception):
    pass


class AuditEntry(models.Model):
    """What a person (or the system) did to guard state. Never edited, never deleted."""

    class Action(models.TextChoices):
        KILL_SWITCH_ENGAGED = "kill_switch_engaged", "Kill-switch engaged"
        KILL_SWITCH_RELEASED = "kill_switch_released", "Kill-switch released"

    action = models.CharField(max_length=40, choices=Action.choices)
    scope = models.CharField(max_length=80, help_text="all channels, or the channel slug")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(
        max_length=150, help_text="Who, as recorded at the time (user, cli:<os user>, api:<token>)."
    )
    via = models.CharField(max_length=20, help_text="admin, cli or api")
    reason = models.TextField()
    held_back = models.PositiveIntegerField(
        default=0, help_text="Deliveries whose slot fell inside the halt and were held back."
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.scope}) by {self.actor_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are append-only")


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its hash is stored; it acts as its user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "pg_" + secrets.token_urlsafe(32)
