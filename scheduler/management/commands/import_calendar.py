import io
from datetime import UTC

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from scheduler.calendar_import import CalendarFileError, decode_calendar, import_calendar_rows, read_calendar_csv
from scheduler.models import validate_timezone_name


class Command(BaseCommand):
    help = (
        "Import posts from a CSV with the header scheduled_at,channel,text and schedule them as in the admin. "
        "Times need a UTC offset (2030-06-01T09:30:00+02:00 or ...Z) unless --timezone names the zone they are in; "
        "several channels are separated by ';'. Bad rows are reported by line and nothing of them is saved; "
        "good rows are kept. Exits 1 when any row was rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file, UTF-8 (a byte-order mark is fine)")
        parser.add_argument("--author", help="username the posts are created by (default: the first superuser)")
        parser.add_argument(
            "--timezone",
            help="IANA zone that times without an offset are in, e.g. Europe/Warsaw; also the zone posts are shown in",
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")

    def handle(self, *args, **options) -> None:
        author = self._author(options["author"])
        timezone_name = options["timezone"]
        if timezone_name:
            try:
                validate_timezone_name(timezone_name)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        try:
            with open(options["file"], "rb") as calendar:
                text = decode_calendar(calendar.read())
            rows = read_calendar_csv(io.StringIO(text, newline=""))
        except OSError as error:
            raise CommandError(f"cannot read {options['file']}: {error.strerror or error}") from None
        except CalendarFileError as error:
            raise CommandError(str(error)) from None

        report = import_calendar_rows(rows, author=author, timezone_name=timezone_name, dry_run=options["dry_run"])

        for row in report.imported:
            post = f"post {row.post_id}" if row.post_id is not None else "post"
            slot = row.scheduled_at.astimezone(UTC)
            self.stdout.write(
                f"line {row.line}: {post} {row.status} for {slot:%Y-%m-%d %H:%M} UTC on {', '.join(row.channels)}"
            )
        for row in report.rejected:
            self.stderr.write(f"line {row.line}: {row.reason}")
        summary = f"imported {len(report.imported)}, rejected {len(report.rejected)}"
        self.stdout.write(summary + (" (dry run: nothing saved)" if report.dry_run else ""))
        if not report.ok:
            rest = "nothing was saved" if report.dry_run else "the other rows were saved, so import only the fixed rows"
            raise CommandError(f"{len(report.rejected)} row(s) rejected; {rest}")

    def _author(self, username: str | None):
        user_model = get_user_model()
        users = user_model.objects.filter(is_active=True)
        if username:
            author = users.filter(**{user_model.USERNAME_FIELD: username}).first()
            if author is None:
                raise CommandError(f"no active user {username!r}")
            return author
        author = users.filter(is_superuser=True).order_by("pk").first()
        if author is None:
            raise CommandError("no superuser to author the posts: pass --author USERNAME or run createsuperuser")
        return author
