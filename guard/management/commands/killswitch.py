import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guard import services
from guard.api import switch_as_dict
from guard.models import GLOBAL_SCOPE, KillSwitch
from scheduler.models import Channel


class Command(BaseCommand):
    help = (
        "Halt (on) or resume (off) every channel, or one with --channel; status shows every switch, global first. "
        "on/off need --reason, are audited as cli:<os user>, and print the switch as JSON; off also reports "
        "held_back (due while halted) and missed (too late to send now)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["on", "off", "status"])
        parser.add_argument("--channel", metavar="SLUG", help="one channel instead of all of them")
        parser.add_argument("--reason", help="why: required for on and off, kept in the audit log")

    def handle(self, *args, **options) -> None:
        channel = self._channel(options["channel"])
        action = options["action"]
        if action == "status":
            for switch in self._switches(channel):
                self._emit(switch_as_dict(switch))
            return
        reason = (options["reason"] or "").strip()
        if not reason:
            raise CommandError(f"killswitch {action} needs --reason: say why, for the audit log and whoever comes next")
        actor = services.Actor.cli()
        try:
            if action == "on":
                switch = services.engage_kill_switch(actor=actor, reason=reason, channel=channel)
                self._emit(switch_as_dict(switch))
            else:
                outcome = services.release_kill_switch(actor=actor, reason=reason, channel=channel)
                self._emit({**switch_as_dict(outcome.switch), "held_back": outcome.held_back, "missed": outcome.missed})
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(str(error)) from None

    def _channel(self, slug: str | None) -> Channel | None:
        if slug is None:
            return None
        channel = Channel.objects.filter(slug=slug).first()
        if channel is None:
            known = ", ".join(Channel.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"no channel {slug!r} (channels: {known})")
        return channel

    def _switches(self, channel: Channel | None) -> list[KillSwitch]:
        """Global first. For one channel, its own switch too, shown as running if it was never engaged."""
        global_switch = services.ensure_global_kill_switch()
        if channel is not None:
            own = KillSwitch.objects.filter(channel=channel).first() or KillSwitch(channel=channel)
            return [global_switch, own]
        others = KillSwitch.objects.exclude(scope=GLOBAL_SCOPE).select_related("channel").order_by("channel__slug")
        return [global_switch, *others]

    def _emit(self, payload: dict) -> None:
        self.stdout.write(json.dumps(payload, ensure_ascii=False))
