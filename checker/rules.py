"""The rule families. Each reads one analysed draft and returns findings on the normalised text.

Spans are converted back to the original characters by the caller.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from spacy.tokens import Doc

from checker.lexicon import Event, LexiconEntry, load_misreading
from checker.pipeline import EventDate, LanguagePipeline, language_pipeline
from checker.report import Finding, severity_rank
from checker.segmentation import casing_disambiguates, read_tag, split_tag

TRAGIC_CATEGORIES = frozenset({"tragedy", "disaster", "death", "violence", "weapons"})
# "In memory of", "the world is watching": a note alone, a tragedy for the newsjacking rule.
CRISIS_FRAMING_RULE = "framing.crisis"
IDIOM_RULE_PREFIX = "idiom."
EVENT_RULE_PREFIX = "event."
# A hashtag or handle of three characters or more (#FFS, @kys); a domain name with one of the common endings (its
# hyphens are boundaries every reader sees, like a tag's underscores).
# The lookbehind comes after the "#" or "@", so the engine tries it only there rather than at every character.
_TAG = re.compile(r"([#@])(?<![\w&][#@])([^\W_][\w]{2,})", re.UNICODE)
# A domain is found from its ending: a search that starts at a literal dot skips most of a draft at once.
_TOP_LEVEL = re.compile(
    r"\.(?:com|net|org|co|io|ai|app|dev|me|tv|xyz|club|online|site|shop|store|biz|info|uk|us|ca|au|nz|ie|eu|de|pl)\b",
    re.I,
)
# The host before a known ending: dot-separated names, the last of them at least four characters.
_HOST_BEFORE = re.compile(r"(?:[a-z0-9][a-z0-9-]*\.)*[a-z0-9][a-z0-9-]{3,}\Z", re.I)
# The characters a host is made of, matched on the reversed text before an ending: where the host can start.
_HOST_CHARACTERS_BACKWARDS = re.compile(r"[a-z0-9.-]*", re.I)
_LABEL = re.compile(r"(?<![a-z0-9-])[a-z0-9][a-z0-9-]{3,}(?![a-z0-9-])", re.I)
_PATH = re.compile(r"/[a-z0-9/_-]+", re.I)
_LONGEST_HOST = 253
# Three or more capitalised words in a row: their initials are read too ("Kids Kreative Klub"). The word boundary
# before the first capital is a lookbehind after it, so the engine jumps from capital to capital.
_CAPITALISED_RUN = re.compile(r"[A-Z](?<!\w[A-Z])[a-z]+(?:[ ]+[A-Z][a-z]+){2,5}\b")


@dataclass(frozen=True)
class CheckContext:
    scheduled_at: datetime | None = None
    channel: str | None = None
    incident_kinds: frozenset[str] = frozenset()
    audience_regions: frozenset[str] = frozenset()  # empty: the audience is unknown, every region counts


def lexicon_findings(doc: Doc, pipeline: LanguagePipeline, context: CheckContext) -> list[Finding]:
    """Topic, insensitive-term and idiom matches; idioms are raised to block while a matching incident is active."""
    findings = []
    everyday: list[tuple[int, int]] = []
    for match_id, start, end in pipeline.matcher(doc):
        span = doc[start:end]
        if match_id == pipeline.everyday_key:
            everyday.append((span.start_char, span.end_char))
            continue
        entry = pipeline.matched(match_id)
        if isinstance(entry, Event):
            findings.append(event_finding(entry, span.start_char, span.end_char))
            continue
        if isinstance(entry, EventDate):
            findings.append(event_date_finding(entry.event, span))
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
    if everyday:  # an everyday phrase excuses the terms inside it, never an event's name or date
        findings = [
            f for f in findings if f.rule.startswith(EVENT_RULE_PREFIX) or not _within(f.start, f.end, everyday)
        ]
    if not findings:
        return findings  # most drafts
    findings = _longest_first(findings)
    return findings + _stacked_idioms(findings, doc)


def _within(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether [start, end) lies inside one of `spans`: a hit inside a phrase that excuses it."""
    return any(low <= start and end <= high for low, high in spans)


STACKED_IDIOMS = 2


def _stacked_idioms(findings: list[Finding], doc: Doc) -> list[Finding]:
    """One violent idiom is a figure of speech; a draft built of several ("armed and dangerous, locked and
    loaded") has violence for its theme, and a person should read it even on a quiet day."""
    idioms = [f for f in findings if f.rule.startswith(IDIOM_RULE_PREFIX)]
    # Distinct idioms, not forms of one: "nail gun, glue gun, heat gun" is a tool sale. Each entry of an idioms
    # file has its own suggestion.
    if len({f.suggestion for f in idioms}) < STACKED_IDIOMS:
        return []
    text = doc.text  # only here: spaCy rebuilds it from the tokens on every access (8 us a draft)
    said = ", ".join(f"“{text[f.start : f.end]}”" for f in idioms)
    return [
        Finding(
            rule="idiom.stacked",
            category=idioms[0].category,
            severity="review",
            start=idioms[0].start,
            end=idioms[-1].end,
            message=f"{len(idioms)} violent or morbid figures of speech in one draft ({said}) make them its theme.",
            suggestion="Keep one at most, or none: the offer reads better without the arsenal.",
            iab=idioms[0].iab,
            iab_risk=idioms[0].iab_risk,
        )
    ]


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


def event_date_finding(event, span) -> Finding:
    """The day and year of a tragedy or disaster, written out: readers know "11 September 2001" as they know 9/11."""
    return Finding(
        rule="event.date",
        category=event.category,
        severity="review",
        start=span.start_char,
        end=span.end_char,
        message=f"A day readers remember: {event.name}. Written with its year, the date reads as the event.",
        suggestion="Leave the date out, or say it another way, unless the post is about the event itself.",
        iab="Death, Injury or Military Conflict",
        iab_risk="high",
    )


def _longest_first(findings: list[Finding]) -> list[Finding]:
    """Where matches overlap ("mass shooting" and "shooting"), keep the longer, then the more severe."""
    if len(findings) < 2:
        return findings
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (-(f.end - f.start), -severity_rank(f.severity), f.start)):
        if not any(f.start < finding.end and finding.start < f.end for f in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def find_promotion(doc: Doc, text: str, pipeline: LanguagePipeline) -> tuple[int, int] | None:
    """The first promotional cue (a sale word or an offer pattern), as a character span of `text` (the doc's text).

    A sale word inside a fundraiser's name ("bake sale", "charity sale") is not one: raising money for an appeal is
    not profiting from the disaster it answers.
    """
    matches = pipeline.promotion_matcher(doc)
    excused = [(start, end) for key, start, end in matches if key == pipeline.fundraiser_key]
    for key, start, end in matches:
        if key == pipeline.fundraiser_key or _within(start, end, excused):
            continue
        span = doc[start:end]
        return span.start_char, span.end_char
    found = pipeline.promotion_pattern.search(text) if pipeline.promotion_pattern else None
    return (found.start(), found.end()) if found else None


def newsjacking_findings(
    text: str, promotion: tuple[int, int] | None, topic_findings: Iterable[Finding]
) -> list[Finding]:
    if promotion is None:
        return []
    tragic = [
        f
        for f in topic_findings
        if f.category in TRAGIC_CATEGORIES
        and (f.severity != "note" or f.rule == CRISIS_FRAMING_RULE)
        and not f.rule.startswith(IDIOM_RULE_PREFIX)  # a figure of speech is not a tragedy to profit from
    ]
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


# What a second reading of a tag is checked for: the crude, hateful, violent and deadly words readers screenshot.
# A second reading that shows "gun" (#Theragun), "god" or "election" is not what makes a tag a blunder.
SECOND_READING_CATEGORIES = frozenset({"sexual", "profanity", "hate", "violence", "death", "tragedy", "drugs"})
# Capitals that show the author's words (#PenIsland) make a second reading a note, except for these topics: many
# places show a tag lower-cased (search, trends, links, a domain), and such readings are the ones that get shared.
CAPITALS_DO_NOT_EXCUSE = frozenset({"sexual", "profanity", "hate", "violence", "death", "tragedy"})
_TERMS_KEY = ("terms",)  # where a pipeline's tag_cache keeps the terms below (tag bodies are strings)
_TAG_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class _TagTerms:
    """What the misreading rule looks for, built once per pipeline."""

    said: dict[tuple[str, ...], LexiconEntry]  # flag a tag whose intended reading says them
    initialisms: dict[str, LexiconEntry]  # flag a tag that is one or has one as a piece (#ACAB, #FFSFriday)
    second: dict[tuple[str, ...], tuple[LexiconEntry, bool]]  # flag a second reading that shows them; strong?
    longest: int
    whole: frozenset[str]
    everyday: frozenset[tuple[str, ...]] = frozenset()  # a term inside one of these is in its everyday sense


@dataclass(frozen=True)
class _TagVerdict:
    """What one tag body says as intended and the worst thing it can also be read as: cached per pipeline."""

    intended: tuple[str, ...] = ()
    said: LexiconEntry | None = None  # a term the intended reading itself says
    second: tuple[str, ...] = ()  # the worst second reading, () when there is none
    severity: str = "note"


def _domain_labels(text: str) -> list[tuple[int, int]]:
    """Spans of the names in a web address, each read like a tag: the name before a known ending ("pen-island"
    in www.pen-island.com), the names before it ("itscrap" in itscrap.example.com, not "www") and the path's
    segments ("nobsoap" in example.com/nobsoap)."""
    spans = []
    if not _TOP_LEVEL.search(text):
        return spans  # most drafts: a search costs far less than setting up finditer
    for ending in _TOP_LEVEL.finditer(text):
        window_start = max(0, ending.start() - _LONGEST_HOST - 1)
        # Searched from where the run of host characters starts, not the window's: tried at every start, the
        # pattern reads on to the ending each time, which made a draft with a web address cost ten times more.
        run = _HOST_CHARACTERS_BACKWARDS.match(text[window_start : ending.start()][::-1]).end()
        host = _HOST_BEFORE.search(text, ending.start() - run, ending.start())
        if host is None or (host.start() > 0 and _is_word_char(text[host.start() - 1])):
            continue
        spans += [
            label.span()
            for label in _LABEL.finditer(text, host.start(), host.end())
            if text[label.start() : label.end()].lower() != "www"
        ]
        path = _PATH.match(text, ending.end())
        if path:
            spans += [segment.span() for segment in _LABEL.finditer(text, path.start(), path.end())]
    return spans


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


# Scripts that never spell English: a Latin-letter tag, handle, domain or name in such a draft is English
# (#SuperBright in a Chinese post), and is read with the English lists. Polish shares the Latin alphabet, so its
# Latin tags are Polish words, which the English lists would misread.
LATIN_READ_AS_ENGLISH = frozenset({"ar", "he", "zh"})
_LATIN_WORD = re.compile(r"[A-Za-z0-9_]+\Z")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def misreading_findings(text: str, pipeline: LanguagePipeline) -> list[Finding]:
    """Hashtags, handles and domain names: what they say as intended, and what else they can be read as."""
    english = pipeline.lang == "en"
    if not english:
        if pipeline.lang not in LATIN_READ_AS_ENGLISH or not _LATIN_LETTER.search(text):
            return []
        pipeline = language_pipeline("en")
    findings = []
    candidates = (
        [(m.start(), m.end(), m.group(1) + m.group(2), m.group(2)) for m in _TAG.finditer(text)]
        if _TAG.search(text)  # most drafts have no tag: a search costs far less than setting up finditer
        else []
    )
    candidates += [(start, end, text[start:end], text[start:end]) for start, end in _domain_labels(text)]
    if not english:
        candidates = [candidate for candidate in candidates if _LATIN_WORD.match(candidate[3])]
    findings += _initials_findings(text, pipeline)
    for start, end, shown, body in candidates:
        verdict = _tag_verdict(pipeline, body)
        entry = verdict.said
        if entry is not None:
            # One run-together token hides the topic from the lexicon pass: say it here.
            findings.append(
                Finding(
                    rule=entry.rule,
                    category=entry.category,
                    severity=entry.severity,
                    start=start,
                    end=end,
                    message=f"“{shown}” reads as “{' '.join(verdict.intended)}”. {entry.message}",
                    suggestion=entry.suggestion,
                    iab=entry.iab,
                    iab_risk=entry.iab_risk,
                )
            )
        elif verdict.second:
            findings.append(
                Finding(
                    rule="misreading.run_together",
                    category="misreading",
                    severity=verdict.severity,
                    start=start,
                    end=end,
                    message=f"“{shown}” can also be read as “{' '.join(verdict.second)}”.",
                    suggestion=(
                        "Its capitals already show the intended words; check how it looks where tags are lower-cased."
                        if verdict.severity == "note"
                        else "Capitalise each word (CamelCase) or choose a tag with no second reading."
                    ),
                )
            )
    return findings


# Three letters spell short words and acronyms by chance ("Dine In Eat", "Armed Forces Day"): from three, initials
# count when they spell an initialism (STD) or a word a second reading must never show (KKK, ASS); from four, any
# flagging term ("Make Avocados Great Again") or a word risky only in a second reading (FART, CRAP).
ANY_TERM_INITIALS = 4


def _spelt_by_initials(initials: str, terms: _TagTerms) -> tuple[LexiconEntry | None, bool]:
    """The term a name's initials spell, and whether that term's own message fits (a hidden word's does not)."""
    if initials in terms.initialisms:
        return terms.initialisms[initials], True
    entry, strong = terms.second.get((initials,), (None, False))
    if entry is not None and (strong or len(initials) >= ANY_TERM_INITIALS):
        return entry, strong
    if len(initials) >= ANY_TERM_INITIALS and (initials,) in terms.said:
        return terms.said[(initials,)], True
    return None, False


def _initials_findings(text: str, pipeline: LanguagePipeline) -> list[Finding]:
    """A name whose initials spell what the lexicons flag: "Kids Kreative Klub" is KKK to every reader."""
    findings = []
    if not _CAPITALISED_RUN.search(text):
        return findings
    terms = _tag_terms(pipeline)
    for run in _CAPITALISED_RUN.finditer(text):
        words = list(re.finditer(r"\S+", run.group()))
        # A sentence's first word is capitalised anyway: "Our Community Recycling And Prevention" is CRAP.
        for first in (0, 1) if len(words) > 3 else (0,):
            initials = "".join(word.group()[0] for word in words[first:]).lower()
            entry, own_message = _spelt_by_initials(initials, terms)
            if entry is not None:
                break
        if entry is None:
            continue
        start = run.start() + words[first].start()
        named = text[start : run.end()]
        findings.append(
            Finding(
                rule="misreading.initials",
                category="misreading",
                severity="review",
                start=start,
                end=run.end(),
                message=f"The initials of “{named}” spell “{initials.upper()}”. "
                + (entry.message if own_message else "Readers will say the word before they read the name."),
                suggestion="Rename it, or reorder the words so the initials spell nothing.",
                iab=entry.iab,
                iab_risk=entry.iab_risk,
            )
        )
    return findings


def _tag_verdict(pipeline: LanguagePipeline, body: str) -> _TagVerdict:
    """Campaign tags repeat across a calendar: read each one once per pipeline (bounded)."""
    cache = pipeline.tag_cache
    verdict = cache.get(body)
    if verdict is None:
        terms = _tag_terms(pipeline)
        if len(cache) > _TAG_CACHE_SIZE:
            cache.clear()
            cache[_TERMS_KEY] = terms
        verdict = cache[body] = _read_tag(body, pipeline.lang, terms)
    return verdict


def _tag_terms(pipeline: LanguagePipeline) -> _TagTerms:
    """The pipeline's flagging terms (all of them for what a tag says, SECOND_READING_CATEGORIES for what it can
    also be read as: an organisation's added and silenced terms apply) and lexicons/<lang>/misreading.toml."""
    terms = pipeline.tag_cache.get(_TERMS_KEY)
    if terms is None:
        misreading = load_misreading(pipeline.lang)
        said = dict(pipeline.risky_terms)
        second = {
            key: (entry, True)
            for key, entry in pipeline.risky_terms.items()
            if entry.category in SECOND_READING_CATEGORIES
        }
        for entry in misreading.tag_terms:
            said.setdefault((entry.term,), entry)
        for entry in (*misreading.tag_terms, *misreading.hidden):
            second.setdefault((entry.term,), (entry, False))
        initialisms = {entry.term: entry for entry in misreading.tag_terms}
        longest = max((len(key) for key in (*said, *second)), default=0)
        terms = pipeline.tag_cache[_TERMS_KEY] = _TagTerms(
            said, initialisms, second, longest, misreading.whole, pipeline.everyday_phrases
        )
    return terms


def _read_tag(body: str, lang: str, terms: _TagTerms) -> _TagVerdict:
    """What a tag says and the worst second reading; the severity is a note only when the author's capitals show
    the words and that reading shows nothing from CAPITALS_DO_NOT_EXCUSE (nor a block-level term)."""
    pieces = tuple(split_tag(body, lang=lang)) or (body.lower(),)
    initialism = next((terms.initialisms[piece] for piece in pieces if piece in terms.initialisms), None)
    if initialism is not None:  # "acab" is also "a cab": the author's letters, read whole, decide
        return _TagVerdict(intended=pieces, said=initialism)

    def first_said(words) -> LexiconEntry | None:
        lowered = [word.lower() for word in words]
        everyday = _everyday_words(lowered, terms.everyday)
        for size in range(min(terms.longest, len(lowered)), 0, -1):
            for first in range(len(lowered) - size + 1):
                entry = terms.said.get(tuple(lowered[first : first + size]))
                if entry is not None and not everyday.issuperset(range(first, first + size)):
                    return entry
        return None

    def find(words) -> list[tuple[int, int, bool]]:
        found = []
        for first in range(len(words)):
            for last in range(min(len(words), first + terms.longest), first, -1):
                hit = terms.second.get(tuple(words[first:last]))
                if hit is not None:
                    found.append((first, last, hit[1]))
                    break
        return found

    intended, misread = read_tag(
        body, is_risky=lambda words: first_said(words) is not None, lang=lang, find=find, whole=terms.whole
    )
    said = first_said(intended.words)
    if said is not None:
        # A single word that is a topic term is the lexicon pass's; an initialism (#FFS) is only looked for here.
        if len(intended.words) > 1 or said.term in terms.initialisms:
            return _TagVerdict(intended=intended.words, said=said)
        return _TagVerdict(intended=intended.words)
    if not misread:
        return _TagVerdict(intended=intended.words)

    def unexcused(item) -> bool:
        reading, occurrences = item
        entries = [terms.second[reading.words[first:last]][0] for first, last, _ in occurrences]
        return any(entry.severity == "block" or entry.category in CAPITALS_DO_NOT_EXCUSE for entry in entries)

    worst = next((item for item in misread if unexcused(item)), misread[0])
    lenient = casing_disambiguates(body, lang=lang) and not unexcused(worst)
    return _TagVerdict(intended=intended.words, second=worst[0].words, severity="note" if lenient else "review")


def _everyday_words(words: list[str], phrases: frozenset[tuple[str, ...]]) -> set[int]:
    """Positions of the words that are part of an everyday phrase ("shooting", "stars" in #ShootingStars)."""
    covered: set[int] = set()
    if not phrases:
        return covered
    for size in {len(phrase) for phrase in phrases}:
        for first in range(len(words) - size + 1):
            if tuple(words[first : first + size]) in phrases:
                covered.update(range(first, first + size))
    return covered


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
