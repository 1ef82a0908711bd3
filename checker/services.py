"""The pre-flight check: read drafts the way a careful second reader would, and say why.

`check_text` and `check_texts` are the one entry point for the admin, the
import, the CLI and the API: every path goes through the same gate.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings

from checker.languages import SUPPORTED, detect_language
from checker.normalize import NormalizedText, normalize
from checker.pipeline import language_pipeline
from checker.report import Finding, Report, verdict_for
from checker.risk_model import load_risk_model
from checker.rules import (
    TRAGIC_CATEGORIES,
    CheckContext,
    find_promotion,
    lexicon_findings,
    misreading_findings,
    newsjacking_findings,
    sensitive_date_findings,
)


class UnsupportedLanguage(ValueError):
    pass


def check_text(text: str, *, scheduled_at: datetime | None = None, channel=None, lang: str | None = None) -> Report:
    return check_texts([text], scheduled_at=scheduled_at, channel=channel, lang=lang)[0]


def check_texts(
    texts: Sequence[str], *, scheduled_at: datetime | None = None, channel=None, lang: str | None = None
) -> list[Report]:
    """Check a batch of drafts; each language's drafts go through spaCy's `nlp.pipe` together."""
    if lang is not None and lang not in SUPPORTED:
        raise UnsupportedLanguage(f"language {lang!r} is not supported: use one of {', '.join(SUPPORTED)}")
    from guard.selectors import active_incident_kinds

    context = CheckContext(
        scheduled_at=scheduled_at,
        channel=getattr(channel, "slug", channel),
        incident_kinds=active_incident_kinds(),
        audience_regions=audience_regions(channel),
    )
    normalized = [normalize(text) for text in texts]
    languages = [lang or detect_language(n.text) for n in normalized]
    scores = load_risk_model().score([n.text for n in normalized]) if texts else []
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, language in enumerate(languages):
        by_language[language].append(index)
    reports: list[Report | None] = [None] * len(texts)
    for language, indexes in by_language.items():
        pipeline = language_pipeline(language)
        docs = pipeline.nlp.pipe([normalized[i].text for i in indexes])
        for index, doc in zip(indexes, docs, strict=True):
            findings = _rule_findings(doc, normalized[index].text, pipeline, context)
            findings += _model_findings(scores[index], findings, len(normalized[index].text), language, len(doc))
            reports[index] = Report(
                text=texts[index],
                verdict=verdict_for(findings),
                score=scores[index],
                lang=language,
                findings=[_on_original(f, normalized[index]) for f in findings],
            )
    return reports


def audience_regions(channel=None) -> frozenset[str]:
    """Where the audience is: a channel's own `regions` setting, else the organisation's CHECKER_AUDIENCE_REGIONS."""
    channel_regions = (getattr(channel, "settings", None) or {}).get("regions")
    regions = channel_regions if channel_regions else settings.CHECKER_AUDIENCE_REGIONS
    return frozenset(region.upper() for region in regions)


def _rule_findings(doc, text: str, pipeline, context: CheckContext) -> list[Finding]:
    """`text` is the doc's text, passed along because spaCy rebuilds `doc.text` on every access."""
    findings = lexicon_findings(doc, pipeline, context)
    findings += misreading_findings(text, pipeline)
    # Whether the post sells something matters only next to a tragedy or on a sensitive date.
    if context.scheduled_at is not None or any(f.category in TRAGIC_CATEGORIES for f in findings):
        promotion = find_promotion(doc, text, pipeline)
        findings += newsjacking_findings(text, promotion, findings)
        findings += sensitive_date_findings(text, pipeline, context, promotional=promotion is not None)
    return findings


# A two-word draft gives the n-gram model almost nothing to go on: its scores there are noise.
MODEL_MIN_WORDS = 4


def _model_findings(score: float, findings: list[Finding], length: int, lang: str, word_count: int) -> list[Finding]:
    """The learned score speaks only where the rules are silent.

    A rule that fired, even as a note ("killer deal" on a quiet day), has
    already judged the words the model would react to: its judgement stands.
    """
    threshold = settings.CHECKER_MODEL_REVIEW_SCORE or load_risk_model().threshold_for(lang)
    if score < threshold or findings or word_count < MODEL_MIN_WORDS:
        return []
    return [
        Finding(
            rule="model.resembles_risky",
            category="learned-risk",
            severity="review",
            start=0,
            end=length,
            message=f"No rule fired, but this draft resembles risky ones (risk score {score:.2f}).",
            suggestion="Read it once from the point of view of someone having a bad day: topic, tone and timing.",
        )
    ]


def _on_original(finding: Finding, normalized: NormalizedText) -> Finding:
    start, end = normalized.original_span(finding.start, finding.end)
    return dataclasses.replace(finding, start=start, end=end)
