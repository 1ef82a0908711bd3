"""Drafts per second of check_texts against bare spacy.blank("en") tokenization of the same drafts.

    .venv/bin/python bench/checker_speed.py [--drafts 20000]

Goal: the whole check costs at most 3x tokenization. Both are timed in the same
run on the same 20,000 drafts (made by cycling the evaluation set with small
variations), after one warm-up call that loads the pipelines and the model.
"""

import argparse
import csv
import os
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
    started = time.perf_counter()
    for _ in nlp.pipe(texts):
        pass
    tokenize = time.perf_counter() - started

    started = time.perf_counter()
    check_texts(texts, lang="en")
    given = time.perf_counter() - started

    started = time.perf_counter()
    check_texts(texts)
    detected = time.perf_counter() - started

    n = len(texts)
    print(f"spacy.blank('en') tokenization: {n / tokenize:,.0f} drafts/s")
    print(f"check_texts, lang given:        {n / given:,.0f} drafts/s  ({given / tokenize:.1f}x tokenization)")
    print(f"check_texts, lang detected:     {n / detected:,.0f} drafts/s  ({detected / tokenize:.1f}x tokenization)")
    print("goal: at most 3x tokenization")


if __name__ == "__main__":
    main()
