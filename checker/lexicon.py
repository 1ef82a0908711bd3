"""The checker's word lists, read from TOML files that people edit without touching code.

A language is a folder under `checker/lexicons/` (see its README.md for the
format). Everything is validated on load and a mistake names the file and the
bad value, because the people who edit these files are marketers and ops, and
a typo must fail loudly at start-up rather than silently stop a term matching.
"""

from __future__ import annotations

import calendar
import functools
import itertools
import re
import string
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from checker.report import SEVERITIES, TOPIC_CATEGORIES

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"

IAB_RISKS = ("floor", "high", "medium", "low")
IAB_SENSITIVE_TOPICS = (
    "Adult & Explicit Sexual Content",
    "Arms & Ammunition",
    "Crime & Harmful Acts to Individuals and Society, Human Right Violations",
    "Death, Injury or Military Conflict",
    "Online Piracy",
    "Hate Speech & Acts of Aggression",
    "Obscenity and Profanity",
    "Illegal Drugs/Tobacco/eCigarettes/Vaping/Alcohol",
    "Spam or Harmful Content",
    "Terrorism",
    "Debated Sensitive Social Issues",
)

INSENSITIVE_FILE = "insensitive.toml"
IDIOMS_FILE = "idioms.toml"
PROMOTION_FILE = "promotion.toml"
EVENTS_FILE = "events.toml"
SENSITIVE_DATES_FILE = "sensitive_dates.toml"
MISREADING_FILE = "misreading.toml"

_FILE_KEYS = {"category", "rule", "severity", "iab", "iab_risk", "message", "suggestion", "terms", "entries"}
_IDIOM_FILE_KEYS = _FILE_KEYS | {"incident_kinds"}
_TOPIC_FILE_KEYS = _FILE_KEYS | {"everyday"}
_ENTRY_KEYS = {"term", "terms", "forms", "category", "rule", "severity", "iab", "iab_risk", "message", "suggestion"}
_IDIOM_ENTRY_KEYS = _ENTRY_KEYS | {"incident_kinds"}
_MISREADING_FILE_KEYS = {"rule", "severity", "iab", "iab_risk", "message", "suggestion", "entries", "whole"}
_EVENT_KEYS = {"name", "aliases", "category", "date", "year", "places", "description"}
_DATE_KEYS = {"name", "when", "dates", "category", "severity", "regions", "message", "suggestion"}

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
# Spelled out rather than taken from `calendar.day_name`, which follows the process locale.
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october")
_MONTH_NAMES += ("november", "december")
_WEEKDAYS = {name: index for index, name in enumerate(_WEEKDAY_NAMES)}
_MONTHS = {name: index + 1 for index, name in enumerate(_MONTH_NAMES)}
_WEEKDAY_RULE = re.compile(rf"^({'|'.join(_ORDINALS)})-({'|'.join(_WEEKDAYS)})-of-({'|'.join(_MONTHS)})$")
_REGION = re.compile(r"^[A-Z]{2}$")


class LexiconError(ValueError):
    """A lexicon file that cannot be used as written; the message names the file and the value."""


@dataclass(frozen=True)
class LexiconEntry:
    """One word or phrase the checker flags, with everything a finding shows about it.

    `base` is the form a person listed first when a term is one of several
    inflections (Polish "zamachu" -> "zamach"), so reports and counts can group them.
    `source` is the file it came from, relative to the lexicon folder.
    """

    term: str
    category: str
    rule: str
    severity: str
    message: str
    suggestion: str
    iab: str
    iab_risk: str
    incident_kinds: tuple[str, ...] = ()
    base: str = ""
    source: str = ""


@dataclass(frozen=True)
class Event:
    """A named tragedy, attack or disaster: what posts call it and when it happened."""

    name: str
    category: str
    aliases: tuple[str, ...]
    month_day: str
    year: int
    places: tuple[str, ...] = ()
    description: str = ""
    source: str = ""

    def anniversary(self, year: int) -> date | None:
        """The day it falls on in a given year (None for 29 February outside leap years)."""
        month, day = (int(part) for part in self.month_day.split("-"))
        try:
            return date(year, month, day)
        except ValueError:
            return None


@dataclass(frozen=True)
class DateWriting:
    """How a language writes a full date, so that an event's day and year name it as surely as its name does:
    "we opened our doors on 11 September 2001". A date without its year is never one ("sale ends 11 September").

    `months[m - 1]` holds the ways month m is written ("september", "sept", "sep"); `ordinals[d - 1]` the ways
    day d is ("11th"); `formats` combine the placeholders in DATE_PLACEHOLDERS.
    """

    months: tuple[tuple[str, ...], ...]
    ordinals: tuple[tuple[str, ...], ...]
    formats: tuple[str, ...]

    def written(self, month_day: str, year: int) -> list[str]:
        """Every way this language writes that day of that year, lower case."""
        month, day = (int(part) for part in month_day.split("-"))
        fixed = {
            "day": str(day),
            "day2": f"{day:02d}",
            "month": str(month),
            "month2": f"{month:02d}",
            "year": str(year),
        }
        choices = {
            "month_name": self.months[month - 1] if self.months else (),
            "ordinal": self.ordinals[day - 1] if self.ordinals else (),
        }
        phrases: dict[str, None] = {}
        for form in self.formats:
            names = [name for name in choices if f"{{{name}}}" in form]
            for picked in itertools.product(*(choices[name] for name in names)):
                phrases[form.format(**fixed, **dict(zip(names, picked, strict=True))).lower()] = None
        return list(phrases)


DATE_PLACEHOLDERS = frozenset({"day", "day2", "ordinal", "month", "month2", "month_name", "year"})
_DATE_WRITING_KEYS = {"months", "ordinals", "formats"}


@dataclass(frozen=True)
class Topic:
    """A topic file's own settings: what a finding about the topic says when no single term is to blame."""

    category: str
    message: str
    suggestion: str
    iab: str
    iab_risk: str


@dataclass(frozen=True)
class Lexicon:
    """Everything one language contributes to a check."""

    lang: str
    entries: tuple[LexiconEntry, ...]
    promotion_terms: tuple[str, ...]
    promotion_patterns: tuple[re.Pattern[str], ...]
    events: tuple[Event, ...]
    topics: dict[str, Topic] = field(default_factory=dict)
    # Phrases that hold a promotion term but name a fundraiser ("bake sale"): the term in one sells nothing.
    fundraisers: tuple[str, ...] = ()
    dates: DateWriting | None = None  # events.toml's [dates]: how the language writes an event's day and year
    # Phrases that hold a topic term in its everyday sense ("shooting star", "clay shooting"): the term in one is
    # not the topic.
    everyday: tuple[str, ...] = ()

    def by_category(self, category: str) -> tuple[LexiconEntry, ...]:
        return tuple(entry for entry in self.entries if entry.category == category)

    @property
    def idioms(self) -> tuple[LexiconEntry, ...]:
        return tuple(entry for entry in self.entries if entry.incident_kinds)


@dataclass(frozen=True)
class SensitiveDate:
    """A day on which upbeat or promotional posts read badly: a fixed day, a weekday rule, or listed dates."""

    name: str
    category: str
    severity: str
    message: str
    suggestion: str
    when: str = ""
    dates: tuple[date, ...] = ()
    regions: tuple[str, ...] = ()

    def occurs_on(self, day: date) -> bool:
        if day in self.dates:
            return True
        if not self.when:
            return False
        month_day = _MONTH_DAY.match(self.when)
        if month_day:
            return (day.month, day.day) == (int(month_day[1]), int(month_day[2]))
        ordinal, weekday, month = _WEEKDAY_RULE.match(self.when).groups()
        return day == _nth_weekday(day.year, _MONTHS[month], _WEEKDAYS[weekday], _ORDINALS[ordinal])


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    days = [week[weekday] for week in calendar.Calendar().monthdatescalendar(year, month)]
    days = [d for d in days if d.month == month]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


def _base_dir(base_dir: Path | str | None) -> Path:
    return Path(base_dir) if base_dir is not None else LEXICON_DIR


def available_languages(base_dir: Path | str | None = None) -> list[str]:
    """Language folders that hold at least one lexicon file."""
    root = _base_dir(base_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.toml")))


@functools.cache
def load_lexicon(lang: str, base_dir: Path | str | None = None) -> Lexicon:
    """Read and validate one language folder; cached, so edits need a process restart."""
    root = _base_dir(base_dir)
    folder = root / lang
    if not folder.is_dir():
        raise LexiconError(f"{folder}: no lexicon folder for language {lang!r}")
    entries: list[LexiconEntry] = []
    promotion_terms: tuple[str, ...] = ()
    promotion_patterns: tuple[re.Pattern[str], ...] = ()
    fundraisers: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()
    dates: DateWriting | None = None
    everyday: list[str] = []
    topics: dict[str, Topic] = {}
    for path in sorted(folder.glob("*.toml")):
        data = _read_toml(path)
        label = f"{lang}/{path.name}"
        if path.name == PROMOTION_FILE:
            promotion_terms, promotion_patterns, fundraisers = _promotion(data, label)
        elif path.name == EVENTS_FILE:
            events = _events(data, label)
            dates = _date_writing(data.get("dates"), label)
        elif path.name == MISREADING_FILE:
            continue  # read by load_misreading: its words are not matched in running text
        else:
            file_entries = _entry_file(data, label, path.name)
            entries.extend(file_entries)
            everyday += _everyday(data, label, file_entries)
            if path.name not in (IDIOMS_FILE, INSENSITIVE_FILE) and file_entries:
                topics[data["category"]] = _topic(data, file_entries[0])
    _reject_duplicates(entries)
    return Lexicon(
        lang=lang,
        entries=tuple(entries),
        promotion_terms=promotion_terms,
        promotion_patterns=promotion_patterns,
        events=events,
        topics=topics,
        fundraisers=fundraisers,
        dates=dates,
        everyday=tuple(everyday),
    )


def _topic(data: dict[str, Any], first: LexiconEntry) -> Topic:
    """File-level settings, already validated with the file's entries (an entry may override them, not these)."""
    return Topic(
        category=first.category if "category" not in data else str(data["category"]),
        message=str(data.get("message", first.message)),
        suggestion=str(data.get("suggestion", first.suggestion)),
        iab=str(data.get("iab", first.iab)),
        iab_risk=str(data.get("iab_risk", first.iab_risk)),
    )


@dataclass(frozen=True)
class Misreading:
    """misreading.toml: what a second reading of a run-together hashtag, handle or domain must not reveal."""

    hidden: tuple[LexiconEntry, ...] = ()  # risky in a reading the author did not mean ("fred dies ale")
    tag_terms: tuple[LexiconEntry, ...] = ()  # risky in any reading of a tag, the author's own included ("#FFS")
    whole: frozenset[str] = frozenset()  # words read whole, never cut into a second reading ("middlesex")


@functools.cache
def load_misreading(lang: str, base_dir: Path | str | None = None) -> Misreading:
    """A language's misreading.toml, validated like a topic file; an empty Misreading where there is none.

    Each word must be one word of letters (readings are cut into words) and must not be a flagging term or an idiom
    of the language's other files: those are already looked for in every reading. A note in a topic file ("crap")
    may be listed here too: it stays a note in running text and flags a second reading.
    """
    path = _base_dir(base_dir) / lang / MISREADING_FILE
    if not path.is_file():
        return Misreading()
    data = _read_toml(path)
    label = f"{lang}/{MISREADING_FILE}"
    _only_keys(data, _MISREADING_FILE_KEYS, label, "the file")
    tables = _list_of_tables(data.get("entries", []), label, "entries")
    for index, table in enumerate(tables):
        if not isinstance(table.get("any_reading", False), bool):
            raise LexiconError(f"{label}: [[entries]] #{index + 1}: any_reading must be true or false")
    settings = {key: value for key, value in data.items() if key not in ("entries", "whole")}
    hidden, tag_terms = (
        _entry_file(
            {
                **settings,
                "entries": [
                    {key: value for key, value in table.items() if key != "any_reading"}
                    for table in tables
                    if table.get("any_reading", False) is any_reading
                ],
            },
            label,
            MISREADING_FILE,
        )
        for any_reading in (False, True)
    )
    flagging = {e.term: e for e in load_lexicon(lang, base_dir).entries if e.severity != "note" or e.incident_kinds}
    for entry in (*hidden, *tag_terms):
        if not entry.term.isalpha():
            raise LexiconError(
                f"{label}: term {entry.term!r} must be one word of letters (readings are cut into words)"
            )
        if entry.term in flagging:
            source = flagging[entry.term].source
            raise LexiconError(f"{label}: term {entry.term!r} is already flagged by {source}; keep one")
    _reject_duplicates([*hidden, *tag_terms])
    whole = _strings(data.get("whole", []), label, "whole")
    for word in whole:
        if not word.isalpha() or word != word.lower():
            raise LexiconError(f"{label}: whole word {word!r} must be one lower-case word of letters")
    return Misreading(hidden=tuple(hidden), tag_terms=tuple(tag_terms), whole=frozenset(whole))


@functools.cache
def load_sensitive_dates(base_dir: Path | str | None = None) -> list[SensitiveDate]:
    """The shared calendar of anniversaries and solemn days."""
    path = _base_dir(base_dir) / SENSITIVE_DATES_FILE
    data = _read_toml(path)
    label = SENSITIVE_DATES_FILE
    _only_keys(data, {"dates"}, label, "the file")
    found = []
    for index, item in enumerate(_list_of_tables(data.get("dates", []), label, "dates")):
        where = f"[[dates]] #{index + 1}"
        _only_keys(item, _DATE_KEYS, label, where)
        name = _text(item, "name", label, where, required=True)
        where = f"{where} ({name!r})"
        when = _text(item, "when", label, where)
        if when and not (_valid_month_day(when) or _WEEKDAY_RULE.match(when)):
            raise LexiconError(
                f"{label}: {where}: when = {when!r} is neither MM-DD nor a rule like 'last-monday-of-may'"
            )
        listed = []
        for value in _strings(item.get("dates", []), label, f"{where} dates"):
            try:
                listed.append(date.fromisoformat(value))
            except ValueError:
                raise LexiconError(f"{label}: {where}: date {value!r} is not YYYY-MM-DD") from None
        if not when and not listed:
            raise LexiconError(f"{label}: {where}: give `when` or `dates`")
        regions = _strings(item.get("regions", []), label, f"{where} regions")
        for region in regions:
            if not _REGION.match(region):
                raise LexiconError(f"{label}: {where}: region {region!r} is not a two-letter country code like 'US'")
        found.append(
            SensitiveDate(
                name=name,
                category=_choice(item, "category", TOPIC_CATEGORIES, label, where),
                severity=_choice(item, "severity", SEVERITIES, label, where),
                message=_text(item, "message", label, where, required=True),
                suggestion=_text(item, "suggestion", label, where, required=True),
                when=when,
                dates=tuple(listed),
                regions=tuple(regions),
            )
        )
    return found


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise LexiconError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise LexiconError(f"{path}: not valid TOML: {error}") from None


def _entry_file(data: dict[str, Any], label: str, filename: str) -> list[LexiconEntry]:
    """A topic, insensitive or idioms file, expanded into one entry per listed form."""
    is_idioms = filename == IDIOMS_FILE
    is_insensitive = filename == INSENSITIVE_FILE
    is_topic = not is_idioms and not is_insensitive and filename != MISREADING_FILE
    _only_keys(data, _IDIOM_FILE_KEYS if is_idioms else _TOPIC_FILE_KEYS if is_topic else _FILE_KEYS, label, "the file")
    defaults = {key: data[key] for key in data if key not in ("terms", "entries", "everyday")}
    if is_topic and "category" not in data:
        raise LexiconError(f"{label}: a topic file needs `category` (one of {', '.join(TOPIC_CATEGORIES)})")
    if is_insensitive and "terms" in data:
        raise LexiconError(f"{label}: list each term as an [[entries]] table with its own message and suggestion")
    if not isinstance(data.get("terms", []), list):
        raise LexiconError(f'{label}: `terms` must be a list, e.g. terms = ["election", "ballot box"]')
    items: list[tuple[dict[str, Any], str]] = [({"term": t}, f"terms item {t!r}") for t in data.get("terms", [])]
    for index, item in enumerate(_list_of_tables(data.get("entries", []), label, "entries")):
        where = f"[[entries]] #{index + 1}"
        _only_keys(item, _IDIOM_ENTRY_KEYS if is_idioms else _ENTRY_KEYS, label, where)
        if ("term" in item) == ("terms" in item):
            raise LexiconError(f"{label}: {where}: give `term` (one) or `terms` (several sharing settings)")
        if "terms" in item and "forms" in item:
            raise LexiconError(f"{label}: {where}: `forms` goes with `term`; in `terms` write [base, form, ...]")
        shared = {key: value for key, value in item.items() if key != "terms"}
        group = item["terms"] if "terms" in item else [item["term"]]
        if not isinstance(group, list) or not group:
            raise LexiconError(f"{label}: {where}: `terms` must be a non-empty list")
        for term in group:
            items.append(({**shared, "term": term}, f"{where} ({term!r})"))
    entries: list[LexiconEntry] = []
    for item, where in items:
        if is_insensitive:
            for key in ("message", "suggestion"):
                if not str(item.get(key, "")).strip():
                    raise LexiconError(f"{label}: {where}: each insensitive entry needs its own {key}")
        merged = {**defaults, **{k: v for k, v in item.items() if k not in ("term", "forms")}}
        forms = _forms(item, label, where)
        category = _choice(merged, "category", TOPIC_CATEGORIES, label, where)
        kinds: tuple[str, ...] = ()
        if is_idioms:
            kinds = tuple(_strings(merged.get("incident_kinds", []), label, f"{where} incident_kinds"))
            if not kinds:
                raise LexiconError(f"{label}: {where}: an idiom needs incident_kinds (the incidents that raise it)")
            for kind in kinds:
                if kind not in TOPIC_CATEGORIES:
                    raise LexiconError(
                        f"{label}: {where}: incident kind {kind!r} is not one of {', '.join(TOPIC_CATEGORIES)}"
                    )
        iab = _text(merged, "iab", label, where)
        if iab and iab not in IAB_SENSITIVE_TOPICS:
            raise LexiconError(f'{label}: {where}: iab {iab!r} is not an IAB Tech Lab 3.1 Sensitive Topic (or "")')
        fields = {
            "category": category,
            "rule": _text(merged, "rule", label, where, required=True),
            "severity": _choice(merged, "severity", SEVERITIES, label, where),
            "message": _text(merged, "message", label, where, required=True),
            "suggestion": _text(merged, "suggestion", label, where, required=True),
            "iab": iab,
            "iab_risk": _choice(merged, "iab_risk", IAB_RISKS, label, where),
            "incident_kinds": kinds,
        }
        entries.extend(LexiconEntry(term=form, base=forms[0], source=label, **fields) for form in forms)
    return entries


def _everyday(data: dict[str, Any], label: str, entries: list[LexiconEntry]) -> list[str]:
    """A topic file's `everyday` phrases, each holding one of the file's terms as whole words."""
    phrases = _strings(data.get("everyday", []), label, "everyday")
    _distinct_lower_case(phrases, label, "everyday phrase")
    _each_excuses_a_term(phrases, [entry.term for entry in entries], label, "everyday phrase", "term of this file")
    return phrases


def _distinct_lower_case(phrases: list[str], label: str, kind: str) -> None:
    for phrase in phrases:
        if not phrase.strip() or phrase != phrase.lower():
            raise LexiconError(f"{label}: {kind} {phrase!r} must be non-empty lower case")
    if len(set(phrases)) != len(phrases):
        raise LexiconError(f"{label}: {'an' if kind[0] in 'aeiou' else 'a'} {kind} is listed twice")


def _each_excuses_a_term(phrases: list[str], terms: list[str], label: str, kind: str, term_kind: str) -> None:
    """A phrase that excuses the terms inside it (a fundraiser, an everyday sense) must hold one, as whole words."""
    for phrase in phrases:
        if not any(f" {term} " in f" {phrase} " for term in terms):
            raise LexiconError(f"{label}: {kind} {phrase!r} holds no {term_kind}, so it excuses nothing")


def _forms(item: dict[str, Any], label: str, where: str) -> list[str]:
    """A term as written: a string, or a list whose first item is the base form and the rest its inflections."""
    head = item.get("term")
    extra = item.get("forms", [])
    if not isinstance(extra, list):
        raise LexiconError(f"{label}: {where}: `forms` must be a list of words")
    listed = head if isinstance(head, list) else [head, *extra]
    forms = []
    for form in listed:
        if not isinstance(form, str) or not form.strip():
            raise LexiconError(f"{label}: {where}: empty or non-text term {form!r}")
        if form != form.strip() or "  " in form:
            raise LexiconError(f"{label}: {where}: term {form!r} has stray spaces")
        if form != form.lower():
            raise LexiconError(f"{label}: {where}: term {form!r} must be lower case (matching ignores case)")
        forms.append(form)
    if len(set(forms)) != len(forms):
        raise LexiconError(f"{label}: {where}: a form is listed twice in {forms!r}")
    return forms


def _reject_duplicates(entries: list[LexiconEntry]) -> None:
    """One term, one meaning per language: a second listing would make the finding depend on file order."""
    seen: dict[str, LexiconEntry] = {}
    for entry in entries:
        earlier = seen.get(entry.term)
        if earlier is None:
            seen[entry.term] = entry
            continue
        if earlier.category != entry.category:
            problem = f"with conflicting categories {earlier.category!r} and {entry.category!r}"
        else:
            problem = f"twice (category {entry.category!r})"
        places = earlier.source if earlier.source == entry.source else f"{earlier.source} and {entry.source}"
        raise LexiconError(f"{places}: term {entry.term!r} is listed {problem}; keep one")


def _promotion(
    data: dict[str, Any], label: str
) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...], tuple[str, ...]]:
    _only_keys(data, {"terms", "patterns", "fundraisers"}, label, "the file")
    terms = _strings(data.get("terms", []), label, "terms")
    fundraisers = _strings(data.get("fundraisers", []), label, "fundraisers")
    _distinct_lower_case(terms, label, "promotion term")
    _distinct_lower_case(fundraisers, label, "fundraiser")
    _each_excuses_a_term(fundraisers, terms, label, "fundraiser", "promotion term")
    patterns = []
    for source in _strings(data.get("patterns", []), label, "patterns"):
        try:
            patterns.append(re.compile(source, re.IGNORECASE))
        except re.error as error:
            raise LexiconError(f"{label}: pattern {source!r} is not a valid regular expression: {error}") from None
    return tuple(terms), tuple(patterns), tuple(fundraisers)


def _date_writing(data: Any, label: str) -> DateWriting | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise LexiconError(f"{label}: `dates` must be written as a [dates] table")
    _only_keys(data, _DATE_WRITING_KEYS, label, "[dates]")
    months = _alternatives(data["months"], 12, label, "[dates] months") if "months" in data else ()
    ordinals = _alternatives(data["ordinals"], 31, label, "[dates] ordinals") if "ordinals" in data else ()
    formats = _strings(data.get("formats", []), label, "[dates] formats")
    if not formats:
        raise LexiconError(f"{label}: [dates]: list at least one format, e.g. '{{day}} {{month_name}} {{year}}'")
    for form in formats:
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(form) if name is not None}
        except ValueError as error:
            raise LexiconError(f"{label}: [dates] format {form!r}: {error}") from None
        if not used <= DATE_PLACEHOLDERS:
            unknown = ", ".join(sorted(used - DATE_PLACEHOLDERS))
            raise LexiconError(f"{label}: [dates] format {form!r}: unknown placeholder(s) {unknown}")
        if "year" not in used or not used & {"day", "day2", "ordinal"} or not used & {"month", "month2", "month_name"}:
            raise LexiconError(
                f"{label}: [dates] format {form!r} must hold a day, a month and {{year}}: a date without its year "
                'is an ordinary date ("sale ends 11 September")'
            )
        if "ordinal" in used and not ordinals:
            raise LexiconError(f"{label}: [dates] format {form!r} uses {{ordinal}}: list the 31 `ordinals`")
        if "month_name" in used and not months:
            raise LexiconError(f"{label}: [dates] format {form!r} uses {{month_name}}: list the 12 `months`")
    return DateWriting(months=months, ordinals=ordinals, formats=tuple(formats))


def _alternatives(value: Any, count: int, label: str, where: str) -> tuple[tuple[str, ...], ...]:
    """A list of `count` items, each one text value or a list of them (the ways one month or day is written)."""
    if not isinstance(value, list) or len(value) != count:
        raise LexiconError(f"{label}: {where}: expected a list of {count} items, got {value!r}")
    items = tuple((item,) if isinstance(item, str) else tuple(_strings(item, label, where)) for item in value)
    if not all(items) or not all(text.strip() for item in items for text in item):
        raise LexiconError(f"{label}: {where}: every item needs at least one non-empty value")
    return items


def _events(data: dict[str, Any], label: str) -> tuple[Event, ...]:
    _only_keys(data, {"events", "dates"}, label, "the file")
    events = []
    owner: dict[str, str] = {}
    for index, item in enumerate(_list_of_tables(data.get("events", []), label, "events")):
        where = f"[[events]] #{index + 1}"
        _only_keys(item, _EVENT_KEYS, label, where)
        name = _text(item, "name", label, where, required=True)
        where = f"{where} ({name!r})"
        month_day = _text(item, "date", label, where, required=True)
        if not _valid_month_day(month_day):
            raise LexiconError(f"{label}: {where}: date {month_day!r} is not MM-DD (e.g. '09-11')")
        year = item.get("year")
        if not isinstance(year, int) or not 1000 <= year <= 2100:
            raise LexiconError(f"{label}: {where}: year {year!r} is not a four-digit year")
        aliases = _strings(item.get("aliases", []), label, f"{where} aliases")
        if not aliases:
            raise LexiconError(f"{label}: {where}: list at least one alias (how posts name it)")
        for alias in aliases:
            if not alias.strip() or alias != alias.lower():
                raise LexiconError(f"{label}: {where}: alias {alias!r} must be non-empty lower case")
            if alias in owner:
                raise LexiconError(f"{label}: alias {alias!r} names both {owner[alias]!r} and {name!r}")
            owner[alias] = name
        events.append(
            Event(
                name=name,
                category=_choice(item, "category", TOPIC_CATEGORIES, label, where),
                aliases=tuple(aliases),
                month_day=month_day,
                year=year,
                places=tuple(_strings(item.get("places", []), label, f"{where} places")),
                description=_text(item, "description", label, where),
                source=label,
            )
        )
    return tuple(events)


def _valid_month_day(value: str) -> bool:
    match = _MONTH_DAY.match(value)
    if not match:
        return False
    try:
        date(2000, int(match[1]), int(match[2]))
    except ValueError:
        return False
    return True


def _only_keys(data: dict[str, Any], allowed: set[str], label: str, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        allowed_keys = ", ".join(sorted(allowed))
        raise LexiconError(f"{label}: {where}: unknown key(s) {', '.join(unknown)} (allowed: {allowed_keys})")


def _list_of_tables(value: Any, label: str, key: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise LexiconError(f"{label}: `{key}` must be written as [[{key}]] tables")
    return value


def _strings(value: Any, label: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LexiconError(f"{label}: {where}: expected a list of text values, got {value!r}")
    return value


def _text(data: dict[str, Any], key: str, label: str, where: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise LexiconError(f"{label}: {where}: {key} must be text, got {value!r}")
    if required and not value.strip():
        raise LexiconError(f"{label}: {where}: {key} is missing or empty")
    return value.strip()


def _choice(data: dict[str, Any], key: str, allowed: tuple[str, ...], label: str, where: str) -> str:
    value = data.get(key)
    if value not in allowed:
        shown = "missing" if value is None else repr(value)
        raise LexiconError(f"{label}: {where}: {key} {shown} is not one of {', '.join(allowed)}")
    return value


__all__ = [
    "DateWriting",
    "Event",
    "IAB_RISKS",
    "IAB_SENSITIVE_TOPICS",
    "LEXICON_DIR",
    "Lexicon",
    "LexiconEntry",
    "LexiconError",
    "MISREADING_FILE",
    "Misreading",
    "SEVERITIES",
    "SensitiveDate",
    "TOPIC_CATEGORIES",
    "available_languages",
    "load_lexicon",
    "load_misreading",
    "load_sensitive_dates",
]
