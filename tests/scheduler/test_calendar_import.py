"""`import_calendar`: good rows become scheduled posts, bad rows are reported by line and leave nothing behind."""

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone as django_timezone

from scheduler.calendar_import import read_calendar_csv
from scheduler.models import Delivery, Post
from tests import factories

HEADER = "scheduled_at,channel,text\n"
NEXT_YEAR = django_timezone.now().year + 1


def slot(days: int = 3, *, hours: int = 0) -> datetime:
    """A whole-second slot in the future (or past, for negative days), in UTC."""
    return (django_timezone.now() + timedelta(days=days, hours=hours)).replace(microsecond=0, tzinfo=UTC)


def iso(moment: datetime, offset_hours: int | None = 0) -> str:
    """The slot as a CSV would give it: with the given UTC offset, or naive when offset_hours is None."""
    if offset_hours is None:
        return moment.replace(tzinfo=None).isoformat()
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


def last_sunday(month: int) -> str:
    """Next year's last Sunday of the month: when European clocks change."""
    day = datetime(NEXT_YEAR, month + 1, 1) - timedelta(days=1)
    return (day - timedelta(days=(day.weekday() + 1) % 7)).date().isoformat()


def write_csv(tmp_path, content: str | bytes, name: str = "calendar.csv"):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def run_import(path, *args: str) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_calendar", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


@pytest.fixture
def news_desk(db):
    return factories.make_channel("news-desk")


@pytest.mark.django_db
def test_good_rows_become_scheduled_posts_by_the_first_superuser(tmp_path, admin_user, outbox_channel, news_desk):
    first, second = slot(2), slot(4)
    path = write_csv(
        tmp_path,
        HEADER
        + f"{iso(first, 2)},outbox;news-desk,Autumn range lands today\n{iso(second)},outbox,Repair bench is open\n",
    )

    out, err, error = run_import(path)

    assert error is None
    assert err == ""
    assert out.splitlines()[-1] == "imported 2, rejected 0"
    autumn, repair = Post.objects.order_by("scheduled_at")
    assert autumn.text == "Autumn range lands today"
    assert autumn.scheduled_at == first
    assert autumn.status == Post.Status.SCHEDULED
    assert autumn.author == admin_user
    assert sorted(autumn.deliveries.values_list("channel__slug", flat=True)) == ["news-desk", "outbox"]
    assert repair.scheduled_at == second
    assert list(repair.channels.all()) == [outbox_channel]
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.PENDING}


@pytest.mark.django_db
def test_author_option_picks_the_user(tmp_path, admin_user, marketer, outbox_channel):
    path = write_csv(tmp_path, HEADER + f"{iso(slot())},outbox,Trail tip of the week\n")

    _, _, error = run_import(path, "--author", marketer.username)

    assert error is None
    assert Post.objects.get().author == marketer


@pytest.mark.django_db
def test_an_author_who_may_not_create_posts_is_refused_row_by_row(tmp_path, reviewer, outbox_channel):
    path = write_csv(tmp_path, HEADER + f"{iso(slot())},outbox,Trail tip of the week\n")

    _, err, error = run_import(path, "--author", reviewer.username)

    assert error is not None
    assert "line 2: rita may not create posts" in err
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_without_a_superuser_or_author_nothing_is_imported(tmp_path, marketer, outbox_channel):
    path = write_csv(tmp_path, HEADER + f"{iso(slot())},outbox,Hello\n")

    with pytest.raises(CommandError, match="no superuser"):
        call_command("import_calendar", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no active user 'nobody'"):
        call_command("import_calendar", str(path), "--author", "nobody", stdout=io.StringIO())
    assert not Post.objects.exists()


BAD_ROWS = {
    "unknown channel": ("{good_time},outbox;nowhere,Spring sale", "unknown channel 'nowhere'"),
    "bad time": ("next tuesday,outbox,Spring sale", "scheduled_at 'next tuesday' is not an ISO 8601 time"),
    "time without offset": ("{naive_time},outbox,Spring sale", "has no UTC offset"),
    "date without time": ("{date_only},outbox,Spring sale", "has no time of day"),
    "empty text": ('{good_time},outbox,"   "', "text is empty"),
    "only zero-width text": ('{good_time},outbox,"\u200b\u200d "', "text is empty"),
    "no channel": ("{good_time}, ;,Spring sale", "channel is empty"),
    "missing column": ("{good_time},outbox", "missing column text"),
    "too many columns": ("{good_time},outbox,Spring sale, 20% off", "4 fields where the header has 3"),
    "past slot": ("{past_time},outbox,Spring sale", "That slot has already passed"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", BAD_ROWS)
def test_a_bad_row_is_reported_by_line_and_saves_nothing_while_good_rows_are_kept(
    kind, tmp_path, admin_user, outbox_channel
):
    template, reason = BAD_ROWS[kind]
    bad = template.format(
        good_time=iso(slot(5)),
        naive_time=iso(slot(5), None),
        date_only=slot(5).date().isoformat(),
        past_time=iso(slot(-1)),
    )
    path = write_csv(
        tmp_path,
        HEADER + f'{iso(slot(1))},outbox,"First good row\nspans two lines"\n' + bad + f"\n{iso(slot(2))},outbox,Last\n",
    )

    out, err, error = run_import(path)

    assert error is not None
    assert error.returncode == 1
    [report] = err.splitlines()
    assert report.startswith("line 4: ")
    assert reason in report
    assert out.splitlines()[-1] == "imported 2, rejected 1"
    assert sorted(Post.objects.values_list("text", flat=True)) == ["First good row\nspans two lines", "Last"]
    assert Delivery.objects.count() == 2


@pytest.mark.django_db
def test_a_row_refused_by_schedule_post_leaves_no_post_or_delivery_behind(tmp_path, admin_user, outbox_channel):
    path = write_csv(tmp_path, HEADER + f"{iso(slot(-2))},outbox,Yesterday's news\n")

    _, err, error = run_import(path)

    assert error is not None
    assert err.startswith("line 2: That slot has already passed")
    assert not Post.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("when,channel,text\n2030-01-01T00:00:00Z,outbox,Hi\n", "line 1: the header must be scheduled_at,channel,text"),
        ("scheduled_at,channel\n2030-01-01T00:00:00Z,outbox\n", "line 1: the header must be"),
        ("", "line 1: the file is empty"),
        ('scheduled_at,channel,text\n{good_time},outbox,"never closed\n', "line 2: not valid CSV"),
    ],
)
def test_an_unreadable_file_imports_nothing(content, message, tmp_path, admin_user, outbox_channel):
    path = write_csv(tmp_path, content.replace("{good_time}", iso(slot())))

    with pytest.raises(CommandError, match=message):
        call_command("import_calendar", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path, admin_user, outbox_channel):
    content = (HEADER + f"{iso(slot())},outbox,Fine\n{iso(slot())},outbox,").encode() + "Zażółć\n".encode("cp1250")
    path = write_csv(tmp_path, content)

    with pytest.raises(CommandError, match="line 3: the file is not UTF-8"):
        call_command("import_calendar", str(path), stdout=io.StringIO())
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_bom_crlf_and_quoted_multiline_text_in_any_script_are_kept_as_typed(tmp_path, admin_user, outbox_channel):
    texts = [
        "Jesienna kolekcja już w sklepach!\r\nZażółć gęślą jaźń, 20% taniej.",
        "وصلت مجموعتنا الجديدة، تسوّقوا الآن",
        "秋季新品上市，欢迎选购",
        "Zero\u200bwidth\u200c joiners\u200d stay: 👩\u200d👩\u200d👧 and a word\u2060joiner",
    ]
    rows = "".join(f'{iso(slot(n + 1), 1)},outbox,"{text}"\r\n' for n, text in enumerate(texts))
    path = write_csv(tmp_path, "\ufeff".encode() + ("scheduled_at,channel,text\r\n" + rows).encode())

    out, err, error = run_import(path)

    assert error is None, err
    assert out.splitlines()[-1] == "imported 4, rejected 0"
    assert list(Post.objects.order_by("scheduled_at").values_list("text", flat=True)) == texts


def test_line_numbers_count_from_where_a_multiline_record_starts():
    rows = read_calendar_csv(
        io.StringIO('scheduled_at,channel,text\n\nT1,a,"one\ntwo\nthree"\nT2,b,four\n,,\nT3,c,five\n', newline="")
    )

    assert [(row.line, row.text) for row in rows] == [(3, "one\ntwo\nthree"), (6, "four"), (8, "five")]


@pytest.mark.django_db
def test_timezone_option_reads_naive_times_in_that_zone(tmp_path, admin_user, outbox_channel):
    path = write_csv(
        tmp_path,
        HEADER + f"{NEXT_YEAR}-07-01T09:30:00,outbox,Summer hours\n{NEXT_YEAR}-07-01T09:30:00Z,outbox,Z wins\n",
    )

    _, err, error = run_import(path, "--timezone", "Europe/Warsaw")

    assert error is None, err
    summer, utc = Post.objects.order_by("scheduled_at")
    assert summer.scheduled_at == datetime(NEXT_YEAR, 7, 1, 7, 30, tzinfo=UTC)  # CEST is UTC+2
    assert summer.timezone == "Europe/Warsaw"
    assert utc.scheduled_at == datetime(NEXT_YEAR, 7, 1, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_times_that_clock_changes_make_ambiguous_are_refused(tmp_path, admin_user, outbox_channel):
    spring, autumn = f"{last_sunday(3)}T02:30:00", f"{last_sunday(10)}T02:30:00"
    path = write_csv(tmp_path, HEADER + f"{spring},outbox,Skipped hour\n{autumn},outbox,Twice\n")

    _, err, error = run_import(path, "--timezone", "Europe/Warsaw")

    assert error is not None
    assert f"line 2: scheduled_at '{spring}' does not exist in Europe/Warsaw" in err
    assert f"line 3: scheduled_at '{autumn}' happens twice in Europe/Warsaw" in err
    assert not Post.objects.exists()


@pytest.mark.django_db
def test_an_unknown_timezone_is_refused(tmp_path, admin_user, outbox_channel):
    path = write_csv(tmp_path, HEADER + f"{NEXT_YEAR}-07-01T09:30:00,outbox,Summer hours\n")

    with pytest.raises(CommandError, match="'Mars/Olympus' is not a time zone name"):
        call_command("import_calendar", str(path), "--timezone", "Mars/Olympus", stdout=io.StringIO())


@pytest.mark.django_db
def test_dry_run_checks_every_row_and_saves_nothing(tmp_path, admin_user, outbox_channel):
    path = write_csv(tmp_path, HEADER + f"{iso(slot())},outbox,Good\n{iso(slot())},nowhere,Bad\n")

    out, err, error = run_import(path, "--dry-run")

    assert error is not None
    assert "line 3: unknown channel 'nowhere'" in err
    assert out.splitlines()[-1] == "imported 1, rejected 1 (dry run: nothing saved)"
    assert not Post.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_exit_code_from_a_real_process(tmp_path, manage):
    factories.make_user("root", superuser=True)
    factories.make_channel("outbox", path=str(tmp_path / "outbox.jsonl"))
    good = write_csv(tmp_path, HEADER + f"{iso(slot())},outbox,Good\n", name="good.csv")
    mixed = write_csv(tmp_path, HEADER + f"{iso(slot(2))},outbox,Also good\n{iso(slot())},outbox,\n", name="mixed.csv")

    ok = manage("import_calendar", str(good))
    ok_out, ok_err = ok.communicate(timeout=60)
    bad = manage("import_calendar", str(mixed))
    bad_out, bad_err = bad.communicate(timeout=60)

    assert ok.returncode == 0, ok_err
    assert ok_out.splitlines()[-1] == "imported 1, rejected 0"
    assert bad.returncode == 1
    assert bad_out.splitlines()[-1] == "imported 1, rejected 1"
    assert "line 3: text is empty" in bad_err
    assert sorted(Post.objects.values_list("text", flat=True)) == ["Also good", "Good"]
