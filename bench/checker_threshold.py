"""Choose the learned score's review threshold for the whole checker, on the training corpus only.

    .venv/bin/python bench/checker_threshold.py [--target-pass-rate 0.96]

The model only speaks where no rule fired, so its threshold should be judged
together with the rules: for each candidate threshold this prints the
checker's recall on risky training drafts and its pass rate on ordinary ones,
using out-of-fold model scores (5-fold cross-validation, so no draft is scored
by a model that saw it) and the rules as shipped. It recommends the lowest
threshold that keeps the ordinary pass rate at the target. The evaluation set
in bench/data/ is not read.
"""

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target-pass-rate", type=float, default=0.96)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CHECKER_MODEL_REVIEW_SCORE"] = "1.01"  # rules alone: the model's say is added below
    import django

    django.setup()
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from checker import risk_model
    from checker.services import MODEL_MIN_WORDS, check_texts

    rows = risk_model.read_corpus(risk_model.DEFAULT_CORPUS)
    texts = [row.text for row in rows]
    risky = np.array([row.label == "risky" for row in rows])
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = cross_val_predict(
        risk_model.build_pipeline(), risk_model.normalise_texts(texts), risky, cv=folds, method="predict_proba"
    )[:, 1]
    reports = check_texts(texts)
    rules_flag = np.array([report.verdict != "pass" for report in reports])
    rules_silent = np.array([not report.findings for report in reports])
    long_enough = np.array([len(text.split()) >= MODEL_MIN_WORDS for text in texts])

    print(f"rules alone: recall {rules_flag[risky].mean():.3f}, ordinary pass rate {1 - rules_flag[~risky].mean():.3f}")
    print(f"{'threshold':>10}{'recall':>9}{'pass rate':>11}")
    chosen = None
    for threshold in np.arange(0.30, 0.96, 0.05):
        flagged = rules_flag | (rules_silent & long_enough & (scores >= threshold))
        recall, pass_rate = flagged[risky].mean(), 1 - flagged[~risky].mean()
        print(f"{threshold:>10.2f}{recall:>9.3f}{pass_rate:>11.3f}")
        if chosen is None and pass_rate >= args.target_pass_rate:
            chosen = threshold
    print(f"lowest threshold keeping the ordinary pass rate >= {args.target_pass_rate}: {chosen:.2f}")


if __name__ == "__main__":
    main()
