"""Drafts per second of check_texts against bare spacy.blank("en") tokenization of the same drafts.

    .venv/bin/python bench/checker_speed.py [--drafts 20000]

Goal: the whole check costs at most 3x tokenization. Both are timed in the same
run on the same 20,000 drafts (made by cycling the evaluation set with small
variations), after one warm-up call that loads the pipelines and the model, in
interleaved rounds; the figure is the median of the rounds' ratios.
"""

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def drafts(count: int) -> list[str]:
    with open(REPO / "bench" / "data" / "checker_eval.csv", encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle) if row["lang"] == "en"]
    return [f"{texts[n % len(texts)]} #{n % 97}" if n >= len(texts) else texts[n] for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import spacy

    from checker.services import check_texts

    texts = drafts(args.drafts)
    check_texts(texts[:50])
    check_texts(texts[:50], lang="en")

    nlp = spacy.blank("en")
    n = len(texts)
    rows = []
    # Interleaved rounds: on a shared machine one timing can be off by half; the median ratio of paired runs is not.
    for _ in range(args.rounds):
        tokenize = _seconds(lambda: [None for _ in nlp.pipe(texts)])
        given = _seconds(lambda: check_texts(texts, lang="en"))
        detected = _seconds(lambda: check_texts(texts))
        rows.append((tokenize, given, detected))
        print(
            f"round {len(rows)}: tokenization {n / tokenize:,.0f} drafts/s, check_texts {n / given:,.0f} drafts/s "
            f"given ({given / tokenize:.1f}x), {n / detected:,.0f} detected ({detected / tokenize:.1f}x)"
        )
    tokenize, given, detected = (statistics.median(column) for column in zip(*rows, strict=True))
    given_ratio = statistics.median(row[1] / row[0] for row in rows)
    detected_ratio = statistics.median(row[2] / row[0] for row in rows)
    print(f"median of {len(rows)} rounds:")
    print(f"spacy.blank('en') tokenization: {n / tokenize:,.0f} drafts/s")
    print(f"check_texts, lang given:        {n / given:,.0f} drafts/s  ({given_ratio:.1f}x tokenization)")
    print(f"check_texts, lang detected:     {n / detected:,.0f} drafts/s  ({detected_ratio:.1f}x tokenization)")
    print("goal: at most 3x tokenization")


def _seconds(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
