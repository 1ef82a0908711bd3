"""spaCy pipelines built in code, one per language, with the lexicons compiled into matchers.

Built once per process and per lexicon version (an organisation's added or
silenced terms bump it). No model is downloaded: each language is
`spacy.blank(lang)` plus rule components. English lemmas come from
spacy-lookups-data, used in reverse: each lexicon term is expanded to the
surface forms whose lemma it is ("bomb" -> bombs, bombed, bombing), so a
draft is matched on lower-cased tokens in one PhraseMatcher pass, with no
per-token lemmatising at check time and never on substrings.
"""

import functools
import gc
import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from django.conf import settings
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from checker.lexicon import DateWriting, Event, Lexicon, LexiconEntry, load_lexicon

_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class EventDate:
    """A matcher hit on the full date of an event ("11 September 2001"), rather than on one of its names."""

    event: Event


@dataclass
class LanguagePipeline:
    lang: str
    nlp: Language
    lexicon: Lexicon
    entries: list[LexiconEntry]
    matcher: PhraseMatcher
    risky_terms: dict[tuple[str, ...], LexiconEntry] = field(default_factory=dict)
    promotion_matcher: PhraseMatcher | None = None
    promotion_pattern: re.Pattern[str] | None = None
    fundraiser_key: int = 0  # the promotion matcher's match id for a fundraiser's name
    everyday_key: int = 0  # the matcher's match id for a phrase that holds a term in its everyday sense
    everyday_phrases: frozenset[tuple[str, ...]] = frozenset()  # their token sequences, lower case
    tag_cache: dict = field(default_factory=dict)
    # The matcher's match ids (its keys' hashes), each with what it stands for: a hit is one lookup.
    stands_for: dict[int, LexiconEntry | Event | EventDate] = field(default_factory=dict, repr=False)

    def matched(self, match_id: int) -> LexiconEntry | Event | EventDate:
        """What a matcher hit stands for: a lexicon entry, a named event, or an event's date (an everyday phrase's
        hits are told apart by `everyday_key` first)."""
        return self.stands_for[match_id]


def blank_pipeline(lang: str) -> Language:
    if lang == "zh":
        import jieba

        jieba.dt.tmp_dir = str(settings.VAR_DIR)
        jieba.setLogLevel(60)
        return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    return spacy.blank(lang)


@functools.cache
def _english_forms() -> dict[str, set[str]]:
    """lemma -> surface forms, from spaCy's English lookup table (lower-case entries only)."""
    import spacy_lookups_data

    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as table_file:
        table = json.load(table_file)
    forms: dict[str, set[str]] = {}
    for form, lemma in table.items():
        if form.islower():
            forms.setdefault(lemma, set()).add(form)
    return forms


def surface_forms(term: str, lang: str, nlp: Language) -> list[list[str]]:
    """Token sequences that count as this term: itself, plus inflections of its last word (English)."""
    tokens = [t.lower_ for t in nlp.make_doc(term)]
    if not tokens:
        return []
    variants = [tokens]
    if lang == "en":
        for form in sorted(_english_forms().get(tokens[-1], ())):
            if form != tokens[-1]:
                variants.append([*tokens[:-1], form])
    return variants


def _is_flagging(entry: LexiconEntry) -> bool:
    return entry.severity in ("review", "block")


def build_pipeline(lang: str, *, added: tuple[LexiconEntry, ...] = (), silenced: frozenset[str] = frozenset()):
    nlp = blank_pipeline(lang)
    lexicon = load_lexicon(lang)
    if lang == "zh":
        _teach_jieba(lexicon, added)
    entries = [e for e in (*lexicon.entries, *added) if e.term.lower() not in silenced]
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    risky_terms: dict[tuple[str, ...], LexiconEntry] = {}
    stands_for: dict[int, LexiconEntry | Event | EventDate] = {}
    for index, entry in enumerate(entries):
        variants = surface_forms(entry.term, lang, nlp)
        if not variants:
            continue
        matcher.add(str(index), [Doc(nlp.vocab, words=variant) for variant in variants])
        stands_for[nlp.vocab.strings[str(index)]] = entry
        if _is_flagging(entry) and not entry.incident_kinds:
            for variant in variants:
                risky_terms.setdefault(tuple(variant), entry)
    # Phrases that hold a term in its everyday sense ("shooting star"), in the same matcher: one pass finds both.
    everyday = [variant for phrase in lexicon.everyday for variant in surface_forms(phrase, lang, nlp)]
    if everyday:
        matcher.add(EVERYDAY_KEY, [Doc(nlp.vocab, words=variant) for variant in everyday])
    # Named tragedies and disasters ("the Boston Marathon bombing", "9/11", "Grenfell") go into the
    # same matcher under their own keys: one pass over the draft finds terms and events alike
    # (an EntityRuler did the same at twice the cost of tokenising).
    for index, event in enumerate(lexicon.events):
        aliases = [nlp.make_doc(alias) for alias in (event.name, *event.aliases)]
        matcher.add(
            f"event:{index}", [Doc(nlp.vocab, words=[t.lower_ for t in alias]) for alias in aliases if len(alias)]
        )
        stands_for[nlp.vocab.strings[f"event:{index}"]] = event
        if lexicon.dates is not None:
            matcher.add(f"event-date:{index}", _date_patterns(nlp, lexicon.dates, event))
            stands_for[nlp.vocab.strings[f"event-date:{index}"]] = EventDate(event)
    promotion_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for term in lexicon.promotion_terms:
        variants = surface_forms(term, lang, nlp)
        if variants:
            promotion_matcher.add("promotion", [Doc(nlp.vocab, words=variant) for variant in variants])
    # In the same matcher, so that one pass finds the cues and the fundraisers that excuse some of them.
    fundraisers = [variant for phrase in lexicon.fundraisers for variant in surface_forms(phrase, lang, nlp)]
    if fundraisers:
        promotion_matcher.add(FUNDRAISER_KEY, [Doc(nlp.vocab, words=variant) for variant in fundraisers])
    return LanguagePipeline(
        lang=lang,
        nlp=nlp,
        lexicon=lexicon,
        entries=entries,
        matcher=matcher,
        risky_terms=risky_terms,
        stands_for=stands_for,
        promotion_matcher=promotion_matcher,
        promotion_pattern=_one_pattern(lexicon.promotion_patterns),
        fundraiser_key=nlp.vocab.strings[FUNDRAISER_KEY],
        everyday_key=nlp.vocab.strings[EVERYDAY_KEY],
        everyday_phrases=frozenset(map(tuple, everyday)),
    )


FUNDRAISER_KEY = "fundraiser"
EVERYDAY_KEY = "everyday"


def _date_patterns(nlp: Language, dates: DateWriting, event: Event) -> list[Doc]:
    """Each way the event's date is written, tokenised; an abbreviation's stop both as drafts capitalise it and as
    they do not, since the tokenizer keeps "Sept." whole but splits "sept." in two (the matcher reads LOWER)."""
    shown = []
    for phrase in dates.written(event.month_day, event.year):
        shown.append(phrase)
        if "." in phrase and phrase.title() != phrase:
            shown.append(phrase.title())
    return list(nlp.tokenizer.pipe(shown))


def _one_pattern(patterns) -> re.Pattern[str] | None:
    """One alternation instead of a dozen searches per draft."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


def _teach_jieba(lexicon: Lexicon, added: tuple[LexiconEntry, ...]) -> None:
    """jieba may cut a listed term differently in context ("双十一" as "双十" + "一"): tell it our words."""
    import jieba

    words = [e.term for e in (*lexicon.entries, *added)] + list(lexicon.promotion_terms)
    words += [alias for event in lexicon.events for alias in (event.name, *event.aliases)]
    if lexicon.dates is not None:
        words += [phrase for event in lexicon.events for phrase in lexicon.dates.written(event.month_day, event.year)]
    for word in words:
        if word and " " not in word:
            jieba.add_word(word)


_PIPELINES: dict[tuple[str, str], LanguagePipeline] = {}


def language_pipeline(lang: str) -> LanguagePipeline:
    """The pipeline for a language with this organisation's current lexicon additions and silences."""
    from checker.selectors import lexicon_overrides

    overrides = lexicon_overrides(lang)
    key = (lang, overrides.version)
    pipeline = _PIPELINES.get(key)
    if pipeline is None:
        with _BUILD_LOCK:
            pipeline = _PIPELINES.get(key)
            if pipeline is None:
                pipeline = build_pipeline(lang, added=overrides.added, silenced=overrides.silenced)
                for stale in [k for k in _PIPELINES if k[0] == lang]:
                    del _PIPELINES[stale]
                _PIPELINES[key] = pipeline
                # A pipeline lives as long as the process: keep the collector from walking its objects on every
                # full collection (a tenth of a large batch's time otherwise).
                gc.freeze()
    return pipeline
