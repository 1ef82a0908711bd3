import argparse
import json
from datetime import UTC, date, datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_date

from scheduler.models import Post
from scheduler.selectors import all_posts_for_listing
from scheduler.serializers import post_as_dict

TEXT_WIDTH = 60


class Command(BaseCommand):
    help = "List posts on the calendar. Dates are UTC days; --to is inclusive. Times are printed in UTC."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--from", dest="start", type=utc_day, metavar="DATE", help="first day, YYYY-MM-DD (UTC)")
        parser.add_argument("--to", dest="end", type=utc_day, metavar="DATE", help="last day, YYYY-MM-DD (UTC)")
        parser.add_argument("--status", choices=Post.Status.values)

    def handle(self, *args, **options) -> None:
        if options["start"] and options["end"] and options["end"] < options["start"]:
            raise CommandError("--to is before --from")
        posts = all_posts_for_listing().order_by("scheduled_at", "pk")
        if options["start"]:
            posts = posts.filter(scheduled_at__gte=options["start"])
        if options["end"]:
            posts = posts.filter(scheduled_at__lt=options["end"] + timedelta(days=1))
        if options["status"]:
            posts = posts.filter(status=options["status"])
        rows = [post_as_dict(post) for post in posts]
        if options["format"] == "json":
            for row in rows:
                self.stdout.write(json.dumps(row, ensure_ascii=False))
        elif not rows:
            self.stdout.write("no posts")
        else:
            self.write_table(rows)

    def write_table(self, rows: list[dict]) -> None:
        """Text last: Arabic, Chinese and emoji have display widths that padding cannot predict."""
        table = [("ID", "SCHEDULED (UTC)", "STATUS", "CHANNELS", "TEXT")] + [
            (
                str(row["id"]),
                datetime.fromisoformat(row["scheduled_at"]).strftime("%Y-%m-%d %H:%M"),
                row["status"],
                ",".join(row["channels"]),
                preview(row["text"]),
            )
            for row in rows
        ]
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
        for line in table:
            cells = [line[0].rjust(widths[0])] + [
                value.ljust(width) for value, width in zip(line[1:], widths[1:], strict=False)
            ]
            self.stdout.write("  ".join([*cells, line[-1]]))


def utc_day(value: str) -> datetime:
    """Start of a UTC day; a date that is not YYYY-MM-DD is refused, not guessed."""
    try:
        day: date | None = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2030-06-01")
    return datetime.combine(day, time.min, tzinfo=UTC)


def preview(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    first = lines[0]
    if len(first) > TEXT_WIDTH or len(lines) > 1:
        return first[: TEXT_WIDTH - 1].rstrip() + "…"
    return first
