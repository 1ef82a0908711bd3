"""The pre-flight check: read drafts the way a careful second reader would, and say why.

`check_text` and `check_texts` are the one entry point for the admin, the
import, the CLI and the API: every path goes through the same gate.
"""

import dataclasses
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.conf import settings
from spacy.tokens import Doc

from checker.languages import SUPPORTED, detect_language
from checker.lexicon import Topic
from checker.normalize import NormalizedText, normalize
from checker.pipeline import language_pipeline
from checker.report import TOPIC_CATEGORIES, Finding, Report, verdict_for
from checker.risk_model import load_risk_model
from checker.rules import (
    IDIOM_RULE_PREFIX,
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
    read = [n.text for n in normalized]
    languages = [lang] * len(texts) if lang else [detect_language(text) for text in read]
    model = load_risk_model()
    assessment = model.assess(read)
    scores = assessment.scores
    by_language: dict[str, list[int]] = defaultdict(list)
    for index, language in enumerate(languages):
        by_language[language].append(index)
    findings: list[list[Finding]] = [[] for _ in texts]
    model_flagged: list[int] = []
    pipelines = {}
    thresholds = {}
    # Read once per batch, not once per draft: Django's settings object costs a lookup chain per attribute.
    clear_below = settings.CHECKER_MODEL_CLEAR_SCORE
    review_score = settings.CHECKER_MODEL_REVIEW_SCORE
    for language, indexes in by_language.items():
        pipeline = pipelines[language] = language_pipeline(language)
        threshold = thresholds[language] = review_score or model.threshold_for(language)
        drafts = [read[i] for i in indexes]
        # The tag, handle and address rules read the text, not the tokens: one pass over the batch keeps their
        # patterns in the CPU caches (run between tokenising and matching, they cost 2-8% more of the whole check).
        misread = [misreading_findings(text, pipeline) for text in drafts]
        for index, doc, misreadings in zip(indexes, _tokenised(drafts, pipeline), misread, strict=True):
            score = scores[index]
            found = _rule_findings(doc, read[index], misreadings, pipeline, context)
            long_enough = len(doc) >= MODEL_MIN_WORDS
            if found:
                # Too short a draft gives the model too little to judge: its score clears nothing either.
                found = findings[index] = _cleared_by_model(found, score, clear_below) if long_enough else found
            if score >= threshold and long_enough and rules_leave_it_to_the_model(found):
                model_flagged.append(index)
    likely = assessment.likely_categories(model_flagged)
    # An idiom's ruling covers the idiom: the flag stands if the draft with its idioms blanked out still earns it.
    ruled = [i for i, categories in zip(model_flagged, likely, strict=True) if idiom_rules_on(findings[i], categories)]
    ruled_on = dict(zip(ruled, model.score([without_idioms(read[i], findings[i]) for i in ruled]), strict=True))
    for index, categories in zip(model_flagged, likely, strict=True):
        if index in ruled_on and ruled_on[index] < thresholds[languages[index]]:
            continue
        topic = pipelines[languages[index]].lexicon.topics.get(categories[0]) if categories else None
        findings[index].append(_model_finding(scores[index], categories, topic, len(read[index])))
    return [
        Report(
            text=text,
            verdict=verdict_for(found),
            score=score,
            lang=language,
            # Most drafts need no folding: their spans already point at what the author typed.
            findings=found if normal.starts is None else [_on_original(f, normal) for f in found],
        )
        for text, found, score, language, normal in zip(texts, findings, scores, languages, normalized, strict=True)
    ]


def check_for_channels(
    text: str, *, channels: Sequence = (), scheduled_at: datetime | None = None, lang: str | None = None
) -> Report:
    """One report for a post going out on several channels: each distinct audience is checked, and every
    finding any of them raises is kept (Memorial Day matters on the US account, not the Polish one).

    The learned finding stands only where no rule sent the draft to review for any audience.
    """
    audiences = {audience_regions(channel): channel for channel in channels} or {frozenset(): None}
    reports = [
        check_text(text, scheduled_at=scheduled_at, channel=channel, lang=lang) for channel in audiences.values()
    ]
    if len(reports) == 1:
        return reports[0]
    findings: dict[tuple, Finding] = {}
    for report in reports:
        for finding in report.findings:
            findings.setdefault((finding.rule, finding.start, finding.end, finding.category), finding)
    merged = sorted(findings.values(), key=lambda f: (f.start, f.end))
    if not rules_leave_it_to_the_model([f for f in merged if f.rule != MODEL_RULE]):
        merged = [f for f in merged if f.rule != MODEL_RULE]
    return dataclasses.replace(reports[0], findings=merged, verdict=verdict_for(merged))


def audience_regions(channel=None) -> frozenset[str]:
    """Where the audience is: a channel's own `regions` setting, else the organisation's CHECKER_AUDIENCE_REGIONS."""
    channel_regions = (getattr(channel, "settings", None) or {}).get("regions")
    regions = channel_regions if channel_regions else settings.CHECKER_AUDIENCE_REGIONS
    return frozenset(region.upper() for region in regions)


# Drafts are tokenised this many at a time, then read: alternating the tokenizer and the rules draft by draft has
# each evict the other's data from the CPU caches (measured: about 5 us a draft more, out of 85).
TOKENISED_TOGETHER = 64


def _tokenised(texts: list[str], pipeline) -> Iterator[Doc]:
    """`pipeline.nlp.pipe(texts)`, TOKENISED_TOGETHER drafts at a time."""
    for start in range(0, len(texts), TOKENISED_TOGETHER):
        yield from list(pipeline.nlp.pipe(texts[start : start + TOKENISED_TOGETHER]))


def _rule_findings(doc, text: str, misreadings: list[Finding], pipeline, context: CheckContext) -> list[Finding]:
    """`text` is the doc's text, passed along because spaCy rebuilds `doc.text` on every access; `misreadings`
    are its `misreading_findings`."""
    findings = lexicon_findings(doc, pipeline, context)
    findings += misreadings
    # Whether the post sells something matters only next to a tragedy or on a sensitive date.
    if context.scheduled_at is not None or (findings and any(f.category in TRAGIC_CATEGORIES for f in findings)):
        promotion = find_promotion(doc, text, pipeline)
        findings += newsjacking_findings(text, promotion, findings)
        findings += sensitive_date_findings(text, pipeline, context, promotional=promotion is not None)
    return findings


MODEL_RULE = "model.resembles_risky"
# A two-word draft gives the n-gram model almost nothing to go on: its scores there are noise.
MODEL_MIN_WORDS = 4


# Topics whose mere mention is often plain information: a polling-station closure, a funeral director's
# hours, a flood on the line, a sexual health clinic. Hate and profanity are never plain information, and a
# tragedy (a shooting, an attack) always gets a person's eyes: an aside about one in an ad ("not sold at the mass
# shooting memorial, obviously") is the flippancy a model trained to let playful posts through reads as plain.
CLEARABLE_TOPICS = frozenset(TOPIC_CATEGORIES) - {"hate", "profanity", "tragedy"}


def _cleared_by_model(findings: list[Finding], score: float, clear_below: float) -> list[Finding]:
    """A topic mention goes down to a note when the learned model is all but sure the draft is ordinary.

    The lexicons flag a word, not a draft: "polling station" is politics in a slogan and a room in a closure
    notice. Below CHECKER_MODEL_CLEAR_SCORE the model reads the whole draft as plain, so the mention is shown
    as a note. Only review-level topic terms are cleared: never a block, a slur, profanity, a named event, a
    newsjacking or misreading finding, or a sensitive date.
    """
    if not findings or not clear_below or score >= clear_below:
        return findings
    return [
        dataclasses.replace(
            f,
            severity="note",
            message=f"{f.message} The learned model reads this draft as plain information (risk score "
            f"{score:.2f}), so this is a note.",
        )
        if f.severity == "review" and f.rule.startswith(TOPIC_RULE_PREFIX) and f.category in CLEARABLE_TOPICS
        else f
        for f in findings
    ]


TOPIC_RULE_PREFIX = "topic."


def rules_leave_it_to_the_model(findings: list[Finding]) -> bool:
    """Whether the learned score may add a finding: only where no rule sent the draft to review or block.

    Notes do not silence it: a note judged one phrase, the model reads the whole draft (on the development set
    this catches a twentieth more risky drafts at the same pass rate). An idiom's note is the exception, weighed
    against what the model finds by `idiom_rules_on` once the model's likely categories are known.
    """
    return all(f.severity == "note" for f in findings)


def idiom_rules_on(findings: list[Finding], likely_categories: tuple[str, ...]) -> bool:
    """Whether an idiom's note may overrule the model here: only about the kind of risk idioms are.

    "Killer deal", "massage gun" and "drop a bomb" are fine on a quiet day by the editors' own ruling, which the
    model must not overturn by flagging the draft for violent or morbid language; but a draft it reads as sexual
    innuendo ("it vibrates, it thrusts... our new massage gun") is not what the ruling was about. A model finding
    with no likely category may be overruled. Even then the ruling covers the idiom only: the caller scores the
    draft again with its idioms blanked out (`without_idioms`), and a flag the rest still earns stands.
    """
    if not any(f.rule.startswith(IDIOM_RULE_PREFIX) for f in findings):
        return False
    return not likely_categories or not IDIOM_KINDS.isdisjoint(likely_categories)


def without_idioms(text: str, findings: list[Finding]) -> str:
    """The draft with each idiom a rule noted blanked out: what the model is left with once the idioms are set aside
    ("drop a bomb on the group chat 💣" still shows the bomb)."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        if finding.rule.startswith(IDIOM_RULE_PREFIX):
            text = f"{text[: finding.start]} {text[finding.end :]}"
    return text


# What an idiom's ruling covers: violent and morbid language, and an offer dressed in it ("killer deals").
IDIOM_KINDS = frozenset({"weapons", "violence", "death", "disaster", "tragedy", "newsjacking"})


# What a flag from the model advises for the one category it learns that has no topic file (misreading is
# not learned: see risk_model.RULE_ONLY_CATEGORIES).
_ADVICE = {
    "newsjacking": Topic(
        category="newsjacking",
        message="",
        suggestion="Keep offers and brand plugs away from anything about a tragedy, a disaster or a crisis.",
        iab="Death, Injury or Military Conflict",
        iab_risk="high",
    ),
}
_KIND = {
    "newsjacking": " that tie an offer to a tragedy or a crisis",
    "hate": " that demean a group of people",
    "sexual": " with sexual innuendo",
    "profanity": " that swear",
}
_GENERAL_SUGGESTION = "Read it once from the point of view of someone having a bad day: topic, tone and timing."


def _model_finding(score: float, categories: tuple[str, ...], topic: Topic | None, length: int) -> Finding:
    """Named after the likeliest category; the message says when a second one is about as likely."""
    category = categories[0] if categories else ""
    advice = topic or _ADVICE.get(category)
    kind = " or".join(_KIND.get(name, f" about {name}") for name in categories)
    return Finding(
        rule=MODEL_RULE,
        category=category or "learned-risk",
        severity="review",
        start=0,
        end=length,
        message=f"No rule fired, but the learned model finds this close to risky drafts{kind} "
        f"(risk score {score:.2f}).",
        suggestion=advice.suggestion if advice else _GENERAL_SUGGESTION,
        iab=advice.iab if advice else "",
        iab_risk=advice.iab_risk if advice else "",
    )


def _on_original(finding: Finding, normalized: NormalizedText) -> Finding:
    start, end = normalized.original_span(finding.start, finding.end)
    if (start, end) == (finding.start, finding.end):
        return finding
    return dataclasses.replace(finding, start=start, end=end)
