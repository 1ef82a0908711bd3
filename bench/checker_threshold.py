"""Choose the learned score's two thresholds for the whole checker, on the development set.

    .venv/bin/python bench/checker_threshold.py [--target-pass-rate 0.96] [--csv checker/corpus/dev.csv]

The model only speaks where no rule fired, so its threshold is judged together
with the rules: for each candidate threshold this prints the checker's recall
on the risky drafts of checker/corpus/dev.csv and its pass rate on the ordinary
ones, with the shipped model and the rules as shipped. The development set is
written like a real calendar (mostly everyday posts), unlike the training
corpus, whose ordinary drafts are chosen to be hard; the model never trains on
it. Two thresholds are swept together: the review score (a draft no rule sent
to review goes to review at or above it) and the clear score (below it, a
topic mention goes down to a note). The recommendation is the pair with the
highest recall that keeps the ordinary pass rate at the target (the lower
clear score on a tie); set them as CHECKER_MODEL_REVIEW_SCORE and
CHECKER_MODEL_CLEAR_SCORE. The evaluation set in bench/data/ is not read.
"""

import argparse
import csv
import os
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-pass-rate", type=float, default=0.96)
    parser.add_argument("--csv", type=Path, default=REPO / "checker" / "corpus" / "dev.csv")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CHECKER_MODEL_REVIEW_SCORE"] = "1.01"  # rules alone: the model's say is added below
    import django

    django.setup()
    import numpy as np
    from django.conf import settings

    from checker.normalize import normalize
    from checker.pipeline import language_pipeline
    from checker.risk_model import load_risk_model
    from checker.services import (
        MODEL_MIN_WORDS,
        check_texts,
        idiom_rules_on,
        rules_leave_it_to_the_model,
        without_idioms,
    )

    with args.csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    by_lang: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        by_lang[row["lang"]].append(index)
    risky = np.array([row["label"] == "risky" for row in rows])
    # Words as the check counts them: the language's own tokens (a Chinese draft has no spaces).
    read = [normalize(row["text"]).text for row in rows]
    long_enough = np.array(
        [len(language_pipeline(row["lang"]).nlp(text)) >= MODEL_MIN_WORDS for row, text in zip(rows, read, strict=True)]
    )
    # What the model reads each draft as: an idiom's note overrules it only about the idiom's own kind of risk, and
    # only where the draft with its idioms blanked out scores under the threshold.
    model = load_risk_model()
    likely = model.likely_categories(read)
    print(f"{args.csv.name}: {risky.sum()} risky and {(~risky).sum()} ordinary drafts")
    best = None
    for clear in CLEAR_SCORES:
        settings.CHECKER_MODEL_CLEAR_SCORE = clear
        reports = [None] * len(rows)
        for lang, indexes in by_lang.items():
            for index, report in zip(indexes, check_texts([rows[i]["text"] for i in indexes], lang=lang), strict=True):
                reports[index] = report
        scores = np.array([report.score for report in reports])
        rules_flag = np.array([report.verdict != "pass" for report in reports])
        rules_silent = np.array([rules_leave_it_to_the_model(report.findings) for report in reports])
        ruled = [i for i, categories in enumerate(likely) if idiom_rules_on(reports[i].findings, categories)]
        # Scored as check_texts scores them: blanked, then normalised (the reports' spans are on the drafts).
        without = [normalize(without_idioms(rows[i]["text"], reports[i].findings)).text for i in ruled]
        score_without_idioms = np.full(len(rows), np.inf)
        score_without_idioms[ruled] = model.score(without)
        print(f"\nclear score {clear}: rules alone recall {rules_flag[risky].mean():.3f}, ", end="")
        print(f"ordinary pass rate {1 - rules_flag[~risky].mean():.3f}")
        print(f"{'threshold':>10}{'recall':>9}{'pass rate':>11}")
        for threshold in np.arange(0.20, 0.991, 0.02):
            model_flags = rules_silent & long_enough & (scores >= threshold) & (score_without_idioms >= threshold)
            flagged = rules_flag | model_flags
            recall, pass_rate = flagged[risky].mean(), 1 - flagged[~risky].mean()
            print(f"{threshold:>10.2f}{recall:>9.3f}{pass_rate:>11.3f}")
            if pass_rate >= args.target_pass_rate and (best is None or (recall, pass_rate) > best[:2]):
                best = (recall, pass_rate, round(float(threshold), 2), clear)
    if best is None:
        print(f"\nno pair keeps the ordinary pass rate >= {args.target_pass_rate}: the rules alone flag too many")
    else:
        recall, pass_rate, threshold, clear = best
        print(
            f"\nrecommended: CHECKER_MODEL_REVIEW_SCORE={threshold} CHECKER_MODEL_CLEAR_SCORE={clear} "
            f"(recall {recall:.3f}, ordinary pass rate {pass_rate:.3f} >= {args.target_pass_rate})"
        )


CLEAR_SCORES = (0.0, 0.02, 0.05, 0.1, 0.2)


if __name__ == "__main__":
    main()
