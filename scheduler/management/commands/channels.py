import json
import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator, validate_email

from scheduler.channels.webhook import PAYLOAD_STYLES
from scheduler.models import Channel
from scheduler.serializers import channel_as_dict

# Which options each kind takes; anything else given is refused rather than silently dropped.
REQUIRED = {"webhook": {"url"}, "mastodon": {"url", "token_env"}, "email": {"recipients"}, "file": set()}
ALLOWED = {
    "webhook": {"url", "payload_style"},
    "mastodon": {"url", "token_env"},
    "email": {"recipients"},
    "file": {"url"},
}
OPTION_FLAGS = {
    "url": "--url",
    "payload_style": "--payload-style",
    "token_env": "--token-env",
    "recipients": "--recipients",
}
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Command(BaseCommand):
    help = (
        "Add or list outbound channels. Secrets are never stored: a Mastodon token is read from --token-env's variable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{add,list}")
        add = actions.add_parser("add", help="add a channel")
        add.add_argument("slug")
        add.add_argument("--kind", required=True, choices=Channel.Kind.values)
        add.add_argument("--url", help="webhook: its URL; mastodon: the instance base URL; file: the outbox path")
        add.add_argument("--name", help="display name (default: from the slug)")
        add.add_argument("--payload-style", choices=PAYLOAD_STYLES, help="webhook: JSON shape (default generic)")
        add.add_argument("--token-env", help="mastodon: environment variable holding the access token")
        add.add_argument("--recipients", help="email: comma-separated addresses")
        listing = actions.add_parser("list", help="list channels")
        listing.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options) -> None:
        if options["action"] == "add":
            self.add_channel(options)
        else:
            self.list_channels(options["format"])

    def add_channel(self, options: dict) -> None:
        slug, kind = options["slug"], options["kind"]
        given = {name for name in OPTION_FLAGS if options.get(name)}
        missing, unexpected = REQUIRED[kind] - given, given - ALLOWED[kind]
        if missing:
            raise CommandError(
                f"{article(kind)} {kind} channel needs {', '.join(OPTION_FLAGS[n] for n in sorted(missing))}"
            )
        if unexpected:
            raise CommandError(
                f"{article(kind)} {kind} channel does not take {', '.join(OPTION_FLAGS[n] for n in sorted(unexpected))}"
            )
        if Channel.objects.filter(slug=slug).exists():
            raise CommandError(f"a channel with slug {slug!r} already exists")
        channel = Channel(
            slug=slug,
            name=options["name"] or slug.replace("-", " ").replace("_", " ").title(),
            kind=kind,
            settings=channel_settings(kind, options),
        )
        try:
            channel.full_clean()
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            ) from None
        channel.save()
        self.stdout.write(json.dumps(channel_as_dict(channel), ensure_ascii=False))

    def list_channels(self, output_format: str) -> None:
        channels = list(Channel.objects.order_by("slug"))
        if output_format == "json":
            for channel in channels:
                self.stdout.write(json.dumps(channel_as_dict(channel), ensure_ascii=False))
            return
        if not channels:
            self.stdout.write("no channels: add one with `channels add SLUG --kind file`")
            return
        rows = [("SLUG", "KIND", "ENABLED", "NAME", "TARGET")] + [
            (c.slug, c.kind, "yes" if c.enabled else "no", c.name, target(c)) for c in channels
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [value.ljust(width) for value, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]))


def channel_settings(kind: str, options: dict) -> dict:
    """The adapter settings for one kind, validated: a typo found now is not a failed send at 3 am."""
    if kind in ("webhook", "mastodon"):
        url = options["url"]
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise CommandError(f"{url!r} is not an http(s) URL") from None
        if kind == "webhook":
            return {"url": url, **({"payload_style": options["payload_style"]} if options.get("payload_style") else {})}
        if not ENV_NAME.fullmatch(options["token_env"]):
            raise CommandError(
                "--token-env takes the name of an environment variable that holds the token, not a token"
            )
        return {"base_url": url.rstrip("/"), "token_env": options["token_env"]}
    if kind == "email":
        recipients = [address.strip() for address in options["recipients"].split(",") if address.strip()]
        for address in recipients:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"{address!r} is not an email address") from None
        if not recipients:
            raise CommandError("--recipients names no address")
        return {"recipients": recipients}
    return {"path": options["url"]} if options.get("url") else {}


def article(word: str) -> str:
    return "an" if word[:1] in set("aeiou") else "a"


def target(channel: Channel) -> str:
    settings = channel_as_dict(channel)["settings"]
    if channel.kind == "email":
        return ", ".join(settings.get("recipients", []))
    if channel.kind == "file":
        return settings.get("path") or "(default outbox)"
    return settings.get("url") or settings.get("base_url") or ""
