"""The rule families. Each reads one analysed draft and returns findings on the normalised text.

Spans are converted back to the original characters by the caller.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from spacy.tokens import Doc

from checker.lexicon import Event
from checker.pipeline import LanguagePipeline
from checker.report import Finding, severity_rank
from checker.segmentation import casing_disambiguates, intended_reading, misreadings

TRAGIC_CATEGORIES = frozenset({"tragedy", "disaster", "death", "violence", "weapons"})
_TAG = re.compile(r"(?<![\w&])([#@])([^\W_][\w]{3,})", re.UNICODE)
_DOMAIN = re.compile(
    r"\b(?:https?://)?(?:www\.)?([a-z0-9][a-z0-9-]{3,})\.(?:com|net|org|co|io|shop|store|biz|info|uk|us|pl)\b", re.I
)


@dataclass(frozen=True)
class CheckContext:
    scheduled_at: datetime | None = None
    channel: str | None = None
    incident_kinds: frozenset[str] = frozenset()
    audience_regions: frozenset[str] = frozenset()  # empty: the audience is unknown, every region counts


def lexicon_findings(doc: Doc, pipeline: LanguagePipeline, context: CheckContext) -> list[Finding]:
    """Topic, insensitive-term and idiom matches; idioms are raised to block while a matching incident is active."""
    findings = []
    for match_id, start, end in pipeline.matcher(doc):
        span = doc[start:end]
        entry = pipeline.matched(match_id)
        if isinstance(entry, Event):
            findings.append(event_finding(entry, span.start_char, span.end_char))
            continue
        severity = entry.severity
        message = entry.message
        if entry.incident_kinds and context.incident_kinds & set(entry.incident_kinds):
            severity = "block"
            message = f"{entry.message} An incident of this kind is active: it will read as insensitive today."
        findings.append(
            Finding(
                rule=entry.rule,
                category=entry.category,
                severity=severity,
                start=span.start_char,
                end=span.end_char,
                message=message,
                suggestion=entry.suggestion,
                iab=entry.iab,
                iab_risk=entry.iab_risk,
            )
        )
    return _longest_first(findings)


def event_finding(event, start: int, end: int) -> Finding:
    """A named tragedy or disaster in brand copy: a memorial post may be right, but a person should read it."""
    return Finding(
        rule="event.named",
        category=event.category,
        severity="review",
        start=start,
        end=end,
        message=f"Names {event.name} ({event.year}). Anything upbeat or commercial next to it reads as exploiting it.",
        suggestion="Keep brand and offers out of any post that names it: a plain, sincere message, or silence.",
        iab="Death, Injury or Military Conflict",
        iab_risk="high",
    )


def _longest_first(findings: list[Finding]) -> list[Finding]:
    """Where matches overlap ("mass shooting" and "shooting"), keep the longer, then the more severe."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-(f.end - f.start), -severity_rank(f.severity), f.start)):
        if not any(f.start < finding.end and finding.start < f.end for f in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def find_promotion(doc: Doc, text: str, pipeline: LanguagePipeline) -> tuple[int, int] | None:
    """The first promotional cue (a sale word or an offer pattern), as a character span of `text` (the doc's text)."""
    for _, start, end in pipeline.promotion_matcher(doc):
        span = doc[start:end]
        return span.start_char, span.end_char
    found = pipeline.promotion_pattern.search(text) if pipeline.promotion_pattern else None
    return (found.start(), found.end()) if found else None


def newsjacking_findings(
    text: str, promotion: tuple[int, int] | None, topic_findings: Iterable[Finding]
) -> list[Finding]:
    if promotion is None:
        return []
    tragic = [f for f in topic_findings if f.category in TRAGIC_CATEGORIES and f.severity != "note"]
    if not tragic:
        return []
    anchor = tragic[0]
    return [
        Finding(
            rule="newsjacking.promotion_with_tragedy",
            category="newsjacking",
            severity="block",
            start=anchor.start,
            end=anchor.end,
            message=(
                f"A promotion (“{text[promotion[0] : promotion[1]]}”) in the same post as "
                f"“{text[anchor.start : anchor.end]}” reads as profiting from suffering."
            ),
            suggestion="Separate the two: drop the offer, or post about the event without selling anything.",
            iab="Death, Injury or Military Conflict",
            iab_risk="high",
        )
    ]


def misreading_findings(text: str, pipeline: LanguagePipeline) -> list[Finding]:
    """Hashtags, handles and domain names: what they say as intended, and what else they can be read as."""
    if pipeline.lang not in ("en",):
        return []

    def is_risky(words) -> bool:
        return pipeline.risky_term_in(words) is not None

    findings = []
    candidates = [(m.start(), m.end(), m.group(1) + m.group(2), m.group(2)) for m in _TAG.finditer(text)]
    candidates += [(m.start(1), m.end(1), m.group(1), m.group(1).replace("-", "")) for m in _DOMAIN.finditer(text)]
    for start, end, shown, body in candidates:
        intended, bad = _tag_readings(pipeline, body, is_risky)
        entry = pipeline.risky_term_in(intended.words) if len(intended.words) > 1 else None
        if entry is not None:
            # One run-together token hides the topic from the lexicon pass: say it here.
            findings.append(
                Finding(
                    rule=entry.rule,
                    category=entry.category,
                    severity=entry.severity,
                    start=start,
                    end=end,
                    message=f"“{shown}” reads as “{' '.join(intended.words)}”. {entry.message}",
                    suggestion=entry.suggestion,
                    iab=entry.iab,
                    iab_risk=entry.iab_risk,
                )
            )
            continue
        if not bad:
            continue
        disambiguated = casing_disambiguates(body)
        findings.append(
            Finding(
                rule="misreading.run_together",
                category="misreading",
                severity="note" if disambiguated else "review",
                start=start,
                end=end,
                message=f"“{shown}” can also be read as “{' '.join(bad[0].words)}”.",
                suggestion=(
                    "Its capitals already show the intended words; check how it looks where tags are lower-cased."
                    if disambiguated
                    else "Capitalise each word (CamelCase) or choose a tag with no second reading."
                ),
            )
        )
    return findings


def _tag_readings(pipeline: LanguagePipeline, body: str, is_risky):
    """Campaign tags repeat across a calendar: segment each one once per pipeline (bounded)."""
    cache = pipeline.tag_cache
    key = body.lower() if not casing_disambiguates(body) else body
    if key not in cache:
        if len(cache) > 20_000:
            cache.clear()
        intended = intended_reading(body, lang=pipeline.lang, is_risky=is_risky)
        cache[key] = (intended, misreadings(body, is_risky=is_risky, lang=pipeline.lang))
    return cache[key]


def sensitive_date_findings(
    text: str, pipeline: LanguagePipeline, context: CheckContext, promotional: bool
) -> list[Finding]:
    if context.scheduled_at is None:
        return []
    from checker.lexicon import load_sensitive_dates

    day = context.scheduled_at.date()
    findings = []
    for anniversary in load_sensitive_dates():
        if not anniversary.occurs_on(day):
            continue
        if anniversary.regions and context.audience_regions and not context.audience_regions & set(anniversary.regions):
            continue  # e.g. Memorial Day for an audience that is only in Poland
        severity = anniversary.severity
        if promotional and severity_rank(severity) < severity_rank("review"):
            severity = "review"
        findings.append(
            Finding(
                rule="sensitive_date.anniversary",
                category="sensitive-date",
                severity=severity,
                start=0,
                end=len(text),
                message=f"Scheduled for {day:%d %B}: {anniversary.name}. {anniversary.message}",
                suggestion=anniversary.suggestion,
            )
        )
    return findings
