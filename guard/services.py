"""Writes to guard state: engaging and releasing kill-switches, API tokens."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from guard.models import GLOBAL_SCOPE, ApiToken, AuditEntry, KillSwitch
from scheduler import services as scheduler_services
from scheduler.models import Channel


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (admin or API) or an operator at the CLI (user None)."""

    user: AbstractBaseUser | None
    label: str
    via: str

    @classmethod
    def for_user(cls, user: AbstractBaseUser, *, via: str) -> "Actor":
        return cls(user=user, label=user.get_username(), via=via)

    @classmethod
    def cli(cls) -> "Actor":
        import getpass

        try:
            os_user = getpass.getuser()
        except (KeyError, OSError):
            os_user = "unknown"
        return cls(user=None, label=f"cli:{os_user}", via="cli")


@dataclass(frozen=True)
class ReleaseOutcome:
    switch: KillSwitch
    held_back: int
    missed: int


def ensure_global_kill_switch() -> KillSwitch:
    switch, _ = KillSwitch.objects.get_or_create(scope=GLOBAL_SCOPE, defaults={"channel": None})
    return switch


def _require(actor: Actor, permission: str, doing: str) -> None:
    if actor.user is not None and not actor.user.has_perm(permission):
        raise PermissionDenied(f"{actor.label} may not {doing}")


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("A reason is required: say why, for the audit log and for whoever comes next.")
    return reason


def _lock_switch(channel: Channel | None) -> KillSwitch:
    """Lock the global row first: claims read it FOR SHARE, so this orders every engage against every claim."""
    ensure_global_kill_switch()
    global_switch = KillSwitch.objects.select_for_update().get(scope=GLOBAL_SCOPE)
    if channel is None:
        return global_switch
    switch, _ = KillSwitch.objects.get_or_create(channel=channel, defaults={"scope": f"channel:{channel.pk}"})
    return KillSwitch.objects.select_for_update().get(pk=switch.pk)


def engage_kill_switch(*, actor: Actor, reason: str, channel: Channel | None = None) -> KillSwitch:
    """Halt one channel or all of them. When this returns, no new send can start in scope."""
    _require(actor, "guard.engage_killswitch", "engage the kill-switch")
    reason = _clean_reason(reason)
    now = timezone.now()
    with transaction.atomic():
        switch = _lock_switch(channel)
        was_engaged = switch.engaged
        switch.engaged = True
        switch.reason = reason
        switch.changed_by = actor.label
        switch.changed_at = now
        if not was_engaged:
            switch.engaged_at = now
        switch.save()
        AuditEntry.objects.create(
            action=AuditEntry.Action.KILL_SWITCH_ENGAGED,
            scope=_scope_label(channel),
            actor=actor.user,
            actor_label=actor.label,
            via=actor.via,
            reason=reason,
            details={"already_engaged": was_engaged},
            created_at=now,
        )
    return switch


def release_kill_switch(*, actor: Actor, reason: str, channel: Channel | None = None) -> ReleaseOutcome:
    """Let channels send again; what fell due too long ago goes to the missed list, not out."""
    _require(actor, "guard.release_killswitch", "release the kill-switch")
    reason = _clean_reason(reason)
    now = timezone.now()
    with transaction.atomic():
        switch = _lock_switch(channel)
        if not switch.engaged:
            raise ValidationError(f"The kill-switch for {_scope_label(channel)} is not engaged.")
        halted_since: datetime = switch.engaged_at or now
        switch.engaged = False
        switch.reason = reason
        switch.changed_by = actor.label
        switch.changed_at = now
        switch.save()
        # Held back: what would have gone out had the halt not been on, i.e. due
        # since (engage - grace) and still unsent.
        held_back = scheduler_services.count_deliveries_due_between(
            start=halted_since - scheduler_services.grace_window(), end=now, channel=channel
        )
        missed = scheduler_services.mark_overdue_deliveries_missed(
            now=now, channel=channel, reason=f"its slot passed while {_scope_label(channel)} was halted"
        )
        AuditEntry.objects.create(
            action=AuditEntry.Action.KILL_SWITCH_RELEASED,
            scope=_scope_label(channel),
            actor=actor.user,
            actor_label=actor.label,
            via=actor.via,
            reason=reason,
            held_back=held_back,
            details={"halted_since": halted_since.isoformat(), "moved_to_missed": missed},
            created_at=now,
        )
    return ReleaseOutcome(switch=switch, held_back=held_back, missed=missed)


def _scope_label(channel: Channel | None) -> str:
    return "all channels" if channel is None else channel.slug


def create_api_token(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """Returns the token row and the key; the key is shown once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=ApiToken.hash_key(key))
    return token, key


def authenticate_api_key(key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False, user__is_active=True)
        .first()
    )
    if token is not None:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
