"""Reads of guard state that other apps rely on."""

from dataclasses import dataclass

from django.db import DatabaseError, connection
from django.db.models import Q

from guard.models import GLOBAL_SCOPE, AuditEntry, KillSwitch


@dataclass(frozen=True)
class SendPermission:
    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class HaltState:
    global_switch: KillSwitch | None
    halted_channel_ids: frozenset[int]

    @property
    def all_halted(self) -> bool:
        return self.global_switch is not None and self.global_switch.engaged


def send_permission(*, channel_id: int) -> SendPermission:
    """May this channel send right now? Call it inside the claim transaction.

    On PostgreSQL the global switch row is read FOR SHARE, so an engage (which
    locks that row for update) waits for claims in flight and every claim
    after it sees the engage. SQLite serialises write transactions, which
    gives the same order. Any failure to read the state denies the send.
    """
    try:
        global_switch = _global_switch_for_share()
        if global_switch is None:
            return SendPermission(False, "guard state unreadable: the global kill-switch row is missing")
        if global_switch.engaged:
            return SendPermission(False, f"all channels halted: {global_switch.reason}")
        channel_switch = KillSwitch.objects.filter(channel_id=channel_id).first()
    except DatabaseError as error:
        return SendPermission(False, f"guard state unreadable: {error}")
    if channel_switch is not None and channel_switch.engaged:
        return SendPermission(False, f"channel halted: {channel_switch.reason}")
    return SendPermission(True)


def _global_switch_for_share() -> KillSwitch | None:
    if connection.vendor == "postgresql":
        table = KillSwitch._meta.db_table
        rows = list(KillSwitch.objects.raw(f"SELECT * FROM {table} WHERE scope = %s FOR SHARE", [GLOBAL_SCOPE]))
        return rows[0] if rows else None
    return KillSwitch.objects.filter(scope=GLOBAL_SCOPE).first()


def halt_state() -> HaltState:
    """A snapshot for filtering work and for display; never the authority for a send."""
    switches = list(KillSwitch.objects.filter(Q(engaged=True) | Q(scope=GLOBAL_SCOPE)))
    global_switch = next((s for s in switches if s.scope == GLOBAL_SCOPE), None)
    return HaltState(
        global_switch=global_switch,
        halted_channel_ids=frozenset(s.channel_id for s in switches if s.engaged and s.channel_id is not None),
    )


def engaged_switches() -> list[KillSwitch]:
    return list(KillSwitch.objects.filter(engaged=True).select_related("channel").order_by("scope"))


def recent_audit_entries(*, limit: int = 50) -> list[AuditEntry]:
    return list(AuditEntry.objects.select_related("actor")[:limit])


def active_incident_kinds() -> frozenset[str]:
    """Kinds of incident active now (e.g. "violence", "disaster"), which raise matching idioms to block.

    There is no news watcher yet, so there are no incidents: this is the one place the checker will read them.
    """
    return frozenset()
