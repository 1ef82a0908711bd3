"""Import a content calendar from CSV: each row becomes a post, created and scheduled as in the admin.

A row is all or nothing. It is saved in its own transaction, so a bad row leaves
nothing behind and never takes the good rows down with it. A time without a UTC
offset is refused unless the caller names the zone it was written in: guessing
would move a post by hours. Text is stored exactly as typed, zero-width
characters included (they join Arabic and Indic letters and split emoji).
"""

import csv
import unicodedata
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction

from scheduler import services
from scheduler.models import Channel, validate_timezone_name

HEADER = ("scheduled_at", "channel", "text")
CHANNEL_SEPARATOR = ";"
_BOM = "\ufeff"
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp"}


class CalendarFileError(ValueError):
    """The file as a whole cannot be read (not CSV, not UTF-8, wrong header): no row is imported."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class CalendarRow:
    """One CSV record. `line` is where it starts in the file (the header is line 1); None marks a missing column."""

    line: int
    scheduled_at: str | None
    channel: str | None
    text: str | None
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedRow:
    line: int
    post_id: int | None  # None in a dry run: nothing was kept
    status: str
    scheduled_at: datetime
    channels: tuple[str, ...]


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: list[ImportedRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.rejected


class RowError(Exception):
    """Why one row cannot become a post."""


def decode_calendar(raw: bytes) -> str:
    """UTF-8 with or without a byte-order mark; anything else is refused with the line it breaks on."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CalendarFileError(line, "the file is not UTF-8 text: save it as CSV UTF-8") from None


def read_calendar_csv(lines: Iterable[str]) -> list[CalendarRow]:
    """Read every record before anything is saved, so an unreadable file imports nothing.

    `lines` must be opened with newline="" so quoted multi-line text survives.
    The CSV is read strictly: a stray quote is an error, not a guess.
    """
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CalendarFileError(1, f"the file is empty: expected the header {','.join(HEADER)}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise CalendarFileError(1, _unreadable(error)) from None
    names = [name.strip().lstrip(_BOM).strip().lower() for name in header]
    if len(names) != len(HEADER) or set(names) != set(HEADER):
        raise CalendarFileError(
            1, f"the header must be {','.join(HEADER)} (in any order), not {','.join(header)!r}; no rows were imported"
        )
    rows = []
    last_line = reader.line_num
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not any(value.strip() for value in record):
                continue  # blank lines and the ",," rows spreadsheets append
            values = dict(zip(names, record, strict=False))
            rows.append(
                CalendarRow(
                    line=start,
                    scheduled_at=values.get("scheduled_at"),
                    channel=values.get("channel"),
                    text=values.get("text"),
                    extra=tuple(record[len(names) :]),
                )
            )
    except (csv.Error, UnicodeDecodeError) as error:
        raise CalendarFileError(last_line + 1, f"{_unreadable(error)}; no rows were imported") from None
    return rows


def _unreadable(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "the file is not UTF-8 text: save it as CSV UTF-8"
    return f"not valid CSV ({error})"


def import_calendar_rows(
    rows: Iterable[CalendarRow],
    *,
    author: AbstractBaseUser,
    timezone_name: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Create and schedule one post per row, each in its own transaction; report every row by its line.

    `timezone_name` is the zone naive times were written in (and the zone the
    posts are shown in); without it a naive time is refused. A dry run does
    all the same checks and then rolls each row back.
    """
    if timezone_name:
        validate_timezone_name(timezone_name)
    zone = zoneinfo.ZoneInfo(timezone_name) if timezone_name else None
    report = ImportReport(dry_run=dry_run)
    for row in rows:
        try:
            with transaction.atomic():
                post = _import_row(row, author=author, zone=zone)
                channels = tuple(sorted(post.deliveries.values_list("channel__slug", flat=True)))
                if dry_run:
                    transaction.set_rollback(True)
        except RowError as error:
            report.rejected.append(RejectedRow(row.line, str(error)))
        except ValidationError as error:
            report.rejected.append(RejectedRow(row.line, _describe(error)))
        except PermissionDenied as error:
            report.rejected.append(RejectedRow(row.line, str(error)))
        else:
            report.imported.append(
                ImportedRow(
                    line=row.line,
                    post_id=None if dry_run else post.pk,
                    status=post.status,
                    scheduled_at=post.scheduled_at,
                    channels=channels,
                )
            )
    return report


def _import_row(row: CalendarRow, *, author: AbstractBaseUser, zone: zoneinfo.ZoneInfo | None):
    missing = [name for name in HEADER if getattr(row, name) is None]
    if missing:
        raise RowError(f"missing column {', '.join(missing)}: the row has fewer fields than the header")
    if row.extra:
        raise RowError(
            f"{len(HEADER) + len(row.extra)} fields where the header has {len(HEADER)}: "
            "put text that contains commas in double quotes"
        )
    slot = parse_slot(row.scheduled_at, zone=zone)
    channels = _channels(row.channel)
    if not has_visible_text(row.text):
        raise RowError("text is empty")
    post = services.create_post(
        author=author,
        text=row.text,
        scheduled_at=slot,
        channels=channels,
        timezone_name=str(zone) if zone else "UTC",
    )
    return services.schedule_post(post=post, by=author)


def parse_slot(value: str, *, zone: zoneinfo.ZoneInfo | None) -> datetime:
    """An ISO 8601 time with an offset, or a naive one read in `zone`; anything else is refused."""
    value = value.strip()
    if not value:
        raise RowError("scheduled_at is empty")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RowError(f"scheduled_at {value!r} is not an ISO 8601 time such as 2030-06-01T09:30:00+02:00") from None
    if "T" not in value.upper() and " " not in value:
        raise RowError(f"scheduled_at {value!r} has no time of day")
    if moment.tzinfo is not None:
        return moment
    if zone is None:
        raise RowError(
            f"scheduled_at {value!r} has no UTC offset: add one (e.g. +02:00, or Z for UTC) "
            "or name the zone the file is written in (--timezone)"
        )
    return _in_zone(moment, zone, value)


def _in_zone(naive: datetime, zone: zoneinfo.ZoneInfo, value: str) -> datetime:
    """Attach the zone, refusing the hour skipped and the hour repeated when clocks change."""
    earlier, later = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise RowError(f"scheduled_at {value!r} does not exist in {zone} (the clocks go forward then)")
    raise RowError(f"scheduled_at {value!r} happens twice in {zone} (the clocks go back then): give its UTC offset")


def _channels(value: str) -> list[Channel]:
    slugs = list(dict.fromkeys(slug.strip() for slug in value.split(CHANNEL_SEPARATOR) if slug.strip()))
    if not slugs:
        raise RowError("channel is empty: name at least one channel slug (several separated by ';')")
    found = {channel.slug: channel for channel in Channel.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise RowError(f"unknown channel {', '.join(repr(slug) for slug in unknown)}")
    return [found[slug] for slug in slugs]


def has_visible_text(text: str) -> bool:
    """Whitespace and zero-width characters alone do not make a post."""
    return any(unicodedata.category(char) not in _INVISIBLE_CATEGORIES for char in text)


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            " ".join(messages) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
