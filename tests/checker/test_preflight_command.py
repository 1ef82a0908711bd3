"""`manage.py preflight`: exit codes, JSON lines, stdin, and the marked-up text for people."""

import io
import json
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def preflight(*args: str, stdin: str | None = None) -> tuple[int, str]:
    out = io.StringIO()
    original_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        call_command("preflight", *args, stdout=out)
        code = 0
    except CommandError as error:
        code = error.returncode
    finally:
        sys.stdin = original_stdin
    return code, out.getvalue()


def test_ordinary_drafts_exit_zero():
    code, out = preflight("--lang", "en", "New trail shoes in store now", "Open late on Thursday")
    assert code == 0
    assert out.count("PASS") == 2


def test_any_flagged_draft_exits_one_and_json_is_one_object_per_draft():
    code, out = preflight(
        "--format", "json", "--lang", "en", "Open late on Thursday", "Never forget 9/11: 11% off sneakers today"
    )
    assert code == 1
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["verdict"] == "pass"
    assert second["verdict"] == "block"
    assert set(second) >= {"text", "verdict", "score", "findings"}
    finding = second["findings"][0]
    assert set(finding) >= {"rule", "category", "severity", "start", "end", "message", "suggestion"}
    assert second["text"][finding["start"] : finding["end"]] == "9/11"


def test_drafts_are_read_one_per_line_from_stdin():
    code, out = preflight(
        "--format", "json", "--lang", "en", "-", stdin="Open late on Thursday\n\nFree coffee Friday\n"
    )
    assert code == 0
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["Open late on Thursday", "Free coffee Friday"]


def test_the_text_format_marks_the_span_and_lists_the_suggestion():
    code, out = preflight("--lang", "en", "Our thoughts are with the victims. Use code SAFE20 for 20% off!")
    assert code == 1
    assert "BLOCK" in out
    assert "[[" in out
    assert "suggestion:" in out


def test_the_slot_decides_sensitive_dates():
    code, out = preflight("--format", "json", "--lang", "en", "--at", "2027-09-11T10:00:00-04:00", "Flash sale today!")
    assert code == 1
    assert "sensitive-date" in {f["category"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--lang", "xx", "hello"),
        ("--at", "tomorrow", "hello"),
        ("--at", "2027-09-11T10:00:00", "hello"),
        ("--format", "yaml", "hello"),
        ("-", "and another"),
    ],
)
def test_bad_usage_exits_two_with_a_message(args):
    with pytest.raises(CommandError) as error:
        call_command("preflight", *args, stdout=io.StringIO())
    assert error.value.returncode == 2
    assert str(error.value)
