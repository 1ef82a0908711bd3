"""`manage.py train_checker`: retrain the checker's risk model from the labelled corpus and ship the artefact."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from checker.risk_model import (
    ARTIFACT_DIR,
    DEFAULT_CORPUS,
    CorpusError,
    CVMetrics,
    Scores,
    artifact_paths,
    measure_throughput,
    read_corpus,
    save,
    train,
    varied_drafts,
)

THROUGHPUT_DRAFTS = 20_000


class Command(BaseCommand):
    help = (
        "Train the pre-flight checker's risk model on a labelled CSV (text,label,category,lang), print its "
        "cross-validated precision and recall overall, per language and per category, and write "
        "risk_model-v<N>.joblib and .json. Retrain whenever the corpus changes: the test suite compares the "
        "corpus with the sha256 recorded in the shipped artefact. Exits 1, naming the lines, on bad rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
        parser.add_argument("--output", type=Path, default=ARTIFACT_DIR, help=f"directory, default: {ARTIFACT_DIR}")

    def handle(self, *args, **options) -> None:
        corpus: Path = options["corpus"]
        try:
            result = train(corpus)
        except CorpusError as error:
            raise CommandError(f"bad rows in the corpus, nothing was trained:\n{error}") from None
        except OSError as error:
            raise CommandError(f"cannot read {corpus}: {error.strerror or error}") from None
        self.stdout.write(f"corpus: {corpus} ({result.rows} rows, sha256 {result.corpus_sha256[:12]}...)")
        for line in metrics_table(result.metrics):
            self.stdout.write(line)
        drafts = varied_drafts([row.text for row in read_corpus(corpus)], THROUGHPUT_DRAFTS)
        rate = measure_throughput(result.model, drafts)
        self.stdout.write(f"\nscoring: {rate:,.0f} drafts/s ({THROUGHPUT_DRAFTS:,} varied corpus drafts in one batch)")
        model_path = save(result, options["output"])
        _, metadata_path = artifact_paths(options["output"])
        size = model_path.stat().st_size
        self.stdout.write(f"artefact: {model_path} ({size / 1e6:.2f} MB)\nmetadata: {metadata_path}")


def metrics_table(metrics: CVMetrics) -> list[str]:
    """The cross-validated figures as aligned text tables, for people reading a terminal."""
    thresholds = ", ".join(f"{lang} {value:.3f}" for lang, value in metrics.language_thresholds.items())
    lines = [
        f"\n{metrics.folds}-fold cross-validated, threshold: {metrics.threshold_rule}",
        f"threshold {metrics.threshold:.3f} overall" + (f"; per language: {thresholds}" if thresholds else ""),
        "",
        f"{'':<22}{'rows':>6}{'risky':>7}{'precision':>11}{'recall':>8}{'F1':>7}{'ROC AUC':>9}{'ok flagged':>12}",
    ]
    rows = [("overall", metrics.overall), ("overall, one threshold", metrics.overall_at_one_threshold)]
    rows += [(lang, scores) for lang, scores in metrics.per_language.items()]
    rows.append((f"at {metrics.high_recall_threshold:.3f} (alternative)", metrics.high_recall))
    lines += [_scores_row(name, scores) for name, scores in rows]
    lines += ["", f"{'risky category':<22}{'rows':>6}{'recall':>8}{'named':>7}"]
    lines += [
        f"{name:<22}{cat.rows:>6}{cat.recall:>8.2f}" + (f"{cat.named:>7.2f}" if cat.named is not None else "")
        for name, cat in metrics.per_category_recall.items()
    ]
    if metrics.category_accuracy is not None:
        lines.append(
            f"(named: how often the likely category, out of fold, was the labelled one; "
            f"{metrics.category_accuracy:.2f} overall)"
        )
    lines.append(f"\nBrier score {metrics.brier:.3f}; best F1 {metrics.best_f1:.3f} at {metrics.best_f1_threshold:.3f}")
    return lines


def _scores_row(name: str, scores: Scores) -> str:
    auc = f"{scores.roc_auc:.3f}" if scores.roc_auc is not None else "-"
    return (
        f"{name:<22}{scores.rows:>6}{scores.risky:>7}{scores.precision:>11.2f}{scores.recall:>8.2f}"
        f"{scores.f1:>7.2f}{auc:>9}{scores.flagged_ok_rate:>12.2f}"
    )
