"""`manage.py preflight`: check drafts from the command line, for people (text) or tools (JSON lines)."""

import json
import sys
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from checker.languages import SUPPORTED
from checker.report import Report
from checker.services import check_texts

EXIT_FLAGGED = 1
EXIT_USAGE = 2


class UsageError(CommandError):
    def __init__(self, message: str):
        super().__init__(message, returncode=EXIT_USAGE)


class Command(BaseCommand):
    help = "Check drafts before they are scheduled. Exit 0 when all pass, 1 when any is flagged, 2 on bad usage."

    def add_arguments(self, parser):
        parser.add_argument("texts", nargs="*", help="drafts to check, or '-' to read one draft per line from stdin")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--lang", help=f"one of {', '.join(SUPPORTED)}; detected when absent")
        parser.add_argument("--at", help="the slot, ISO 8601 with an offset (sensitive dates depend on it)")
        parser.add_argument("--channel", help="the channel slug the drafts are for")

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.error = self._usage_error  # argparse's own errors exit 2 too, with our message
        return parser

    @staticmethod
    def _usage_error(message: str):
        raise UsageError(message)

    def handle(self, *args, **options):
        drafts = self._drafts(options["texts"])
        if options["lang"] and options["lang"] not in SUPPORTED:
            raise UsageError(f"--lang {options['lang']!r} is not supported: use one of {', '.join(SUPPORTED)}")
        scheduled_at = self._slot(options["at"])
        reports = check_texts(drafts, scheduled_at=scheduled_at, channel=options["channel"], lang=options["lang"])
        for report in reports:
            if options["format"] == "json":
                self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            else:
                self.stdout.write(render_for_people(report))
        flagged = sum(report.verdict != "pass" for report in reports)
        if flagged:
            raise CommandError(f"{flagged} of {len(reports)} drafts flagged", returncode=EXIT_FLAGGED)

    def _drafts(self, texts: list[str]) -> list[str]:
        if texts == ["-"]:
            drafts = [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
        elif "-" in texts:
            raise UsageError("'-' reads drafts from stdin and cannot be mixed with drafts on the command line")
        else:
            drafts = texts
        if not drafts:
            raise UsageError("give at least one draft, or '-' to read them from stdin")
        return drafts

    @staticmethod
    def _slot(value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            slot = datetime.fromisoformat(value)
        except ValueError:
            raise UsageError(f"--at {value!r} is not an ISO 8601 time such as 2026-09-11T09:00+02:00") from None
        if slot.tzinfo is None:
            raise UsageError(f"--at {value!r} has no UTC offset: add one (+02:00, or Z for UTC)")
        return slot


VERDICT_LABEL = {"pass": "PASS", "review": "REVIEW", "block": "BLOCK"}


def render_for_people(report: Report) -> str:
    """The draft with each finding's span marked [[like this]], and the findings listed under it."""
    text = report.text
    marked = []
    cursor = 0
    for finding in sorted(report.findings, key=lambda f: f.start):
        if finding.start < cursor or finding.end - finding.start >= len(text):
            continue
        marked.append(text[cursor : finding.start])
        marked.append(f"[[{text[finding.start : finding.end]}]]")
        cursor = finding.end
    marked.append(text[cursor:])
    lines = [f"{VERDICT_LABEL[report.verdict]} (score {report.score:.2f}, {report.lang}): {''.join(marked)}"]
    for finding in report.findings:
        quoted = text[finding.start : finding.end]
        where = "whole post" if finding.end - finding.start >= len(text) else f"“{quoted}”"
        lines.append(f"  - {finding.severity} {finding.category} [{finding.rule}] {where}: {finding.message}")
        if finding.suggestion:
            lines.append(f"      suggestion: {finding.suggestion}")
    return "\n".join(lines)
