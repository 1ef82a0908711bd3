"""Recall on risky drafts and pass rate on ordinary ones, per category and language.

    .venv/bin/python bench/checker_eval.py [--csv bench/data/checker_eval.csv] [--show-misses]

The evaluation set is written separately from the training corpus and is never
used to train the model or tune rules. A risky draft counts as caught when the
verdict is review or block; an ordinary one passes when the verdict is pass.
Goals: recall >= 0.95, ordinary pass rate >= 0.95.
"""

import argparse
import csv
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=REPO / "bench" / "data" / "checker_eval.csv")
    parser.add_argument("--show-misses", action="store_true", help="print every draft the checker got wrong")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from checker.services import check_texts

    with open(args.csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    started = time.perf_counter()
    reports = check_texts([row["text"] for row in rows])
    elapsed = time.perf_counter() - started

    caught: dict[str, list[bool]] = defaultdict(list)
    passed: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for row, report in zip(rows, reports, strict=True):
        flagged = report.verdict != "pass"
        if row["label"] == "risky":
            caught[row["category"]].append(flagged)
            caught["lang:" + row["lang"]].append(flagged)
            caught["ALL"].append(flagged)
        else:
            passed["lang:" + row["lang"]].append(not flagged)
            passed["ALL"].append(not flagged)
        if flagged != (row["label"] == "risky"):
            misses.append((row, report))

    print(f"{len(rows)} drafts checked in {elapsed:.2f} s")
    print(f"{'risky: recall':<28}{'caught':>8}{'of':>6}{'recall':>9}")
    for key in sorted(caught, key=lambda k: (k == "ALL", k.startswith("lang:"), k)):
        values = caught[key]
        print(f"  {key:<26}{sum(values):>8}{len(values):>6}{sum(values) / len(values):>9.3f}")
    print(f"{'ordinary: pass rate':<28}{'passed':>8}{'of':>6}{'rate':>9}")
    for key in sorted(passed, key=lambda k: (k == "ALL", k)):
        values = passed[key]
        print(f"  {key:<26}{sum(values):>8}{len(values):>6}{sum(values) / len(values):>9.3f}")
    recall = sum(caught["ALL"]) / len(caught["ALL"])
    pass_rate = sum(passed["ALL"]) / len(passed["ALL"])
    print(f"recall {recall:.3f} (goal 0.95), ordinary pass rate {pass_rate:.3f} (goal 0.95)")
    if args.show_misses:
        for row, report in misses:
            kinds = ", ".join(f"{f.category}:{f.rule}" for f in report.findings) or "no findings"
            print(
                f"- [{row['label']}/{row['category']}/{row['lang']}] {report.verdict} {report.score:.2f} "
                f"({kinds}): {row['text'][:140]!r}"
            )


if __name__ == "__main__":
    main()
