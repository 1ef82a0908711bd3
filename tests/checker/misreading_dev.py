"""Recall and false-flag rate of the misreading rule on our own development set.

    GUARD_VAR_DIR=/tmp/var .venv/bin/python -m tests.checker.misreading_dev [--misses]

tests/checker/data/misreading_dev.csv holds drafts written for this (columns text, expected): `flag` drafts have a
hashtag, handle or domain with a risky second reading (or one that says the risky thing run together), `pass` drafts
have ordinary run-together tags, place and brand names that a naive splitter misreads. A draft counts as flagged
when the misreading rule, or the lexicon pass it works beside (which sees "#MILF" and "#KYS" as words), gives it a
finding of severity review or block. Neither the learned model nor the calendar is run: the numbers measure the
rules, deterministically. test_misreading_dev.py holds the floor.
"""

from __future__ import annotations

import argparse
import csv
import os
from dataclasses import dataclass
from pathlib import Path

DEV_SET = Path(__file__).resolve().parent / "data" / "misreading_dev.csv"


@dataclass(frozen=True)
class Measurement:
    recall: float  # share of `flag` drafts the rule flags
    false_flag_rate: float  # share of `pass` drafts the rule flags
    missed: list[str]
    false_flags: list[tuple[str, str]]  # draft, the finding's message


def rows(path: Path = DEV_SET) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["expected"]) for row in csv.DictReader(handle)]


def flagging_message(text: str, pipeline) -> str | None:
    """The message of the first review-or-block finding of the misreading rule or the lexicon pass, or None."""
    from checker.normalize import normalize
    from checker.rules import CheckContext, lexicon_findings, misreading_findings

    normalized = normalize(text).text
    findings = misreading_findings(normalized, pipeline)
    findings += lexicon_findings(pipeline.nlp(normalized), pipeline, CheckContext())
    for finding in findings:
        if finding.severity in ("review", "block"):
            return finding.message
    return None


def measure(path: Path = DEV_SET, pipeline=None) -> Measurement:
    if pipeline is None:
        from checker.pipeline import build_pipeline

        pipeline = build_pipeline("en")
    missed, false_flags, flags, passes = [], [], 0, 0
    for text, expected in rows(path):
        message = flagging_message(text, pipeline)
        if expected == "flag":
            flags += 1
            if message is None:
                missed.append(text)
        else:
            passes += 1
            if message is not None:
                false_flags.append((text, message))
    return Measurement(
        recall=1 - len(missed) / flags,
        false_flag_rate=len(false_flags) / passes,
        missed=missed,
        false_flags=false_flags,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the missed and the falsely flagged drafts")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    result = measure()
    print(f"recall {result.recall:.3f} ({len(result.missed)} missed), false-flag rate {result.false_flag_rate:.3f}")
    if args.misses:
        for text in result.missed:
            print(f"  missed: {text}")
        for text, message in result.false_flags:
            print(f"  false flag: {text}  [{message}]")


if __name__ == "__main__":
    main()
