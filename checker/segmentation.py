"""Every plausible reading of a run-together hashtag or handle, for the misreading rule.

A best-split segmenter reads ``therapistfinder`` as "therapist finder" and stops, so it
never sees "the rapist finder". A careful second reader sees both: this module lists
every way to cut a tag into real words (wordfreq's word list for the language), ranked
by how plausible the words are, and `misreadings` keeps the ones a rule flags while the
author's intended reading is innocent.

Scores are log10 probabilities: each word adds ``zipf - 9`` (its log10 frequency) minus a
fixed per-word cost, so fewer and commoner words win.

Capitals: readers take in a tag as one string, so every tag, CamelCase included, is checked
over all its readings (#TherapistFinder still reads "the rapist finder" to many). What the
capitals change is the intended reading (the author's split) and the severity: when
`casing_disambiguates` is true the caller reports the finding lower, because the author did
show the boundaries. #MadeWithOurYarn is safe either way: no reading of its letters is risky.

Scripts: Latin, Greek and Cyrillic runs are segmented. Arabic and Hebrew runs are kept
whole (their clitic prefixes make almost any word splittable into a letter and a word,
so enumerated readings would be noise), and so are Chinese and other scripts written
without spaces: the checker tokenises Chinese with jieba, not here. Digits, underscores
and other non-letters are boundaries every reader sees, so readings never cross them.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count, pairwise

# A word's log10 score is zipf - 9; each word also costs this much, so a split has to
# buy its extra word with commoner words.
WORD_COST = 1.0
# Readings further than this below the best are not plausible. Wide on purpose: the
# classic misreadings are far less likely than the intended split (sus|anal|bum|party
# scores 8.5 below susan|album|party) and still leap out at readers; what keeps silly
# splits out is that every piece must be a real word (MIN_ZIPF) and REFINE_*.
PLAUSIBLE_MARGIN = 10.0
# A reading that only cuts a word of the intended reading into pieces (deadline ->
# dead|line, therapist -> the|rapist) has to stay this close to it: readers break a
# familiar word only when its pieces are much commoner than the word.
REFINE_MARGIN = 4.5
# ... and every new piece must have at least this many letters: nobody reads "essex"
# as es|sex or "indie" as in|die.
REFINE_MIN_PIECE = 3
# Minimum zipf frequency by word length (longer lengths use the last entry). One-letter
# words are limited to "a" and "i" in English ("w", "z", "i", "o", "a" in Polish);
# two-letter strings are mostly abbreviations ("cl", "br", "th"), so they need a high
# frequency and, in Latin script, a vowel ("su" at 3.92 passes, "ge" at 3.83 does not).
# Three letters need 3.0 ("sus", "bum"); longer words 2.5, and from six letters 1.5
# ("funday" is 1.9): a long string of letters is rarely a word by accident.
MIN_ZIPF = (0.0, 6.5, 3.9, 3.0, 2.5, 2.5, 1.5)
LATIN_VOWELS = frozenset("aeiouy")
MAX_WORD = 24
# Past LONG_RUN letters a run is only read its best few ways, to cap the work; past
# MAX_RUN it is not a tag anyone reads word by word (it is spam or an encoded string) and
# stays whole; and the search for readings stops after MAX_STEPS steps whatever the input.
LONG_RUN = 40
LONG_RUN_LIMIT = 3
MAX_RUN = 100
MAX_STEPS = 5_000
# Readings considered by `misreadings`: more than `readings` shows, so a risky reading
# ranked 20th in a long tag is still seen.
MISREADING_POOL = 64
# An unknown stretch (a brand name, a typo) scores below any real word, by length.
UNKNOWN_BASE = -10.0
UNKNOWN_PER_LETTER = -2.0
DIGITS_SCORE = -3.0


@dataclass(frozen=True)
class Reading:
    """One way to read a tag: its words in order and how plausible that is."""

    words: tuple[str, ...]
    score: float  # log-plausibility; higher is more plausible


def split_tag(tag: str, *, lang: str = "en") -> list[str]:
    """The author's own word boundaries, when the tag shows them: CamelCase (#MadeWithOurYarn -> made with our
    yarn), underscores and other separators, digits; [] when the tag shows none (all one case, no separators).

    Where capitals run into lower case the words decide whether the last capital starts the next word
    (NYCSale -> nyc sale, BBCsale -> bbc sale).
    """
    text = _clean(tag)
    pieces: list[str] = []
    for kind, run in _runs(text):
        if kind == "sep":
            continue
        pieces.extend(_camel_pieces(run, lang) if kind == "seg" else [run])
    pieces = [piece.lower() for piece in pieces]
    return pieces if len(pieces) > 1 else []


def casing_disambiguates(tag: str, *, lang: str = "en") -> bool:
    """Whether the tag as written already shows where its words end.

    True for CamelCase (#TherapistFinder, #PenIsland) and for separators or digits that leave one word per piece
    (#therapist_finder). The misreading rule still checks such tags over every reading, because many people read
    a tag as one string whatever its capitals, but the caller reports their findings at a lower severity.
    """
    if not split_tag(tag, lang=lang):
        return False
    if _is_mixed_case(_clean(tag)):
        return True
    return all(len(_best_words(run, lang)) == 1 for kind, run in _runs(_clean(tag).lower()) if kind == "seg")


def readings(tag: str, *, lang: str = "en", limit: int = 12) -> list[Reading]:
    """Every plausible way to read a run-together tag or handle (without '#'/'@'), best first.

    Case is ignored (a reader sees the letters, whatever the capitals); separators and digits are boundaries.
    `lang` names the word list for Latin, Greek and Cyrillic letters: pass "en" for an English tag in a
    Chinese post. A language wordfreq does not know leaves each run whole.
    """
    return _readings(_clean(tag).lower(), lang, limit)


def misreadings(tag: str, *, is_risky: Callable[[Sequence[str]], bool], lang: str = "en") -> list[Reading]:
    """Plausible readings that `is_risky` flags while the intended reading does not.

    The intended reading is the author's CamelCase split when there is one; otherwise the best reading that
    `is_risky` does not flag (for "molestationnursery" the author meant mole|station|nursery). If the intended
    reading is itself flagged, the tag says the risky thing outright: that is for the ordinary rules, run over
    `intended_reading`, not a misreading, so [] is returned. A risky reading that only cuts words of the intended
    one into pieces must stay within REFINE_MARGIN of it with no piece shorter than REFINE_MIN_PIECE letters.
    """
    pool = _readings(_clean(tag).lower(), lang, MISREADING_POOL)
    intended = _intended(tag, pool, is_risky, lang)
    if intended is None or is_risky(intended.words):
        return []
    return [
        reading
        for reading in pool
        if reading.words != intended.words and is_risky(reading.words) and _plausible_against(reading, intended)
    ]


def intended_reading(tag: str, *, lang: str = "en", is_risky: Callable[[Sequence[str]], bool] | None = None) -> Reading:
    """What the author most likely meant: their CamelCase split, else the best (innocent, if `is_risky`) reading."""
    pool = _readings(_clean(tag).lower(), lang, MISREADING_POOL)
    if not pool:
        return Reading((), 0.0)
    intended = _intended(tag, pool, is_risky or (lambda words: False), lang)
    return intended if intended is not None else pool[0]


def _intended(tag: str, pool: list[Reading], is_risky: Callable[[Sequence[str]], bool], lang: str) -> Reading | None:
    text = _clean(tag)
    words = tuple(split_tag(text, lang=lang))
    if words and _is_mixed_case(text):
        return Reading(words, _score_words(words, lang))
    return next(
        (reading for reading in pool if not is_risky(reading.words) and _plausible_against(reading, pool[0])), None
    )


def _plausible_against(reading: Reading, reference: Reading) -> bool:
    """Whether someone who knows `reference` could still read `reading`.

    Moving or dropping boundaries is always possible in a run-together tag. Only cutting words of the reference
    into pieces is limited: the pieces must be words of REFINE_MIN_PIECE letters or more, and together no more
    than REFINE_MARGIN below the word they cut.
    """
    reference_spans = _spans(reference.words)
    spans = _spans(reading.words)
    if not _ends(reference_spans) < _ends(spans):
        return True
    if reading.score < reference.score - REFINE_MARGIN:
        return False
    return all(end - start >= REFINE_MIN_PIECE for start, end in spans - reference_spans)


def _spans(words: Sequence[str]) -> set[tuple[int, int]]:
    spans, position = set(), 0
    for word in words:
        spans.add((position, position + len(word)))
        position += len(word)
    return spans


def _ends(spans: set[tuple[int, int]]) -> set[int]:
    return {end for _, end in spans}


# --- tag text -------------------------------------------------------------------------------------------------

_ASCII_RUNS = re.compile(r"([A-Za-z]+)|([0-9]+)|([^A-Za-z0-9]+)")


def _clean(tag: str) -> str:
    return unicodedata.normalize("NFKC", tag.strip()).lstrip("#@")


def _is_mixed_case(text: str) -> bool:
    return any(ch.isupper() for ch in text) and any(ch.islower() for ch in text)


def _script(ch: str) -> str:
    """'seg' for letters of scripts we segment, 'digit', 'whole' for other letters, 'mark', else 'sep'."""
    if ch.isdigit():
        return "digit"
    if ch.isalpha():
        code = ord(ch)
        if code < 0x0250 or 0x0370 <= code < 0x0530 or 0x1E00 <= code < 0x2000:
            return "seg"
        return "whole"
    if unicodedata.category(ch).startswith("M"):
        return "mark"
    return "sep"


def _runs(text: str) -> list[tuple[str, str]]:
    """The text cut into runs of one kind; a combining mark stays with the letter before it."""
    if text.isascii():
        return [
            ("seg", letters) if letters else ("digit", digits) if digits else ("sep", other)
            for letters, digits, other in _ASCII_RUNS.findall(text)
        ]
    runs: list[tuple[str, str]] = []
    for ch in text:
        kind = _script(ch)
        if kind == "mark" and runs:
            kind = runs[-1][0]
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    return runs


def _camel_pieces(run: str, lang: str) -> list[str]:
    """Cut a run of letters where its case changes: before a capital after a small letter, and where a run of
    capitals meets small letters, before or after its last capital, whichever reads better."""
    cuts = [0]
    for i in range(1, len(run)):
        prev, ch = run[i - 1], run[i]
        if prev.islower() and ch.isupper():
            cuts.append(i)
        elif prev.isupper() and ch.islower() and i - cuts[-1] >= 2:
            upper, lower_end = run[cuts[-1] : i], _next_cut(run, i)
            lower = run[i:lower_end]
            before_last = _score_words((upper[:-1].lower(), (upper[-1] + lower).lower()), lang)
            after_run = _score_words((upper.lower(), lower.lower()), lang)
            cuts.append(i - 1 if before_last >= after_run else i)
    cuts.append(len(run))
    return [run[start:end] for start, end in pairwise(cuts) if end > start]


def _next_cut(run: str, start: int) -> int:
    """Where the small letters from `start` end."""
    end = start
    while end < len(run) and not run[end].isupper():
        end += 1
    return end


# --- word list ------------------------------------------------------------------------------------------------

_lock = threading.Lock()
_lexicons: dict[str, dict[str, float]] = {}


def _lexicon(lang: str) -> dict[str, float]:
    """Every plausible word of `lang` with its score, built once per process from wordfreq's table.

    The first call for a language takes a fraction of a second (plus wordfreq's own load, a few seconds on a cold
    machine); after that a look-up is one dict access, which is what keeps a tag under a millisecond. A language
    wordfreq does not know gets an empty lexicon.
    """
    lexicon = _lexicons.get(lang)
    if lexicon is None:
        with _lock:
            lexicon = _lexicons.get(lang)
            if lexicon is None:
                lexicon = _lexicons[lang] = _build_lexicon(lang)
    return lexicon


def _build_lexicon(lang: str) -> dict[str, float]:
    import wordfreq

    try:
        frequencies = wordfreq.get_frequency_dict(lang)
    except LookupError:
        return {}
    lexicon = {}
    for word, frequency in frequencies.items():
        if frequency <= 0 or not word.isalpha():
            continue
        zipf = math.log10(frequency) + 9
        if zipf < MIN_ZIPF[min(len(word), len(MIN_ZIPF) - 1)]:
            continue
        if len(word) == 2 and not _has_vowel_or_not_latin(word):
            continue
        lexicon[word] = zipf - 9 - WORD_COST
    return lexicon


def _word_score(word: str, lang: str) -> float | None:
    """The word's score (log10 frequency minus the word cost), or None when it is not a plausible word."""
    return _lexicon(lang).get(word)


def _has_vowel_or_not_latin(word: str) -> bool:
    if not all(ord(ch) < 0x0250 or 0x1E00 <= ord(ch) < 0x1F00 for ch in word):
        return True
    return any(unicodedata.normalize("NFD", ch)[0] in LATIN_VOWELS for ch in word)


def _score_words(words: Sequence[str], lang: str) -> float:
    total = 0.0
    for word in words:
        if word.isdigit():
            total += DIGITS_SCORE
            continue
        score = _word_score(word, lang)
        total += score if score is not None else UNKNOWN_BASE + UNKNOWN_PER_LETTER * len(word)
    return total


# --- enumeration ----------------------------------------------------------------------------------------------


def _readings(text: str, lang: str, limit: int) -> list[Reading]:
    """Readings of lower-cased text: each run read on its own, then combined best first within the margin."""
    if limit < 1:
        return []
    combined: list[tuple[float, tuple[str, ...]]] = [(0.0, ())]
    for kind, run in _runs(text):
        if kind == "sep":
            continue
        if kind == "seg" and len(run) <= MAX_RUN and _lexicon(lang):
            options = _run_readings(run, lang, limit)
        elif kind == "digit":
            options = [(DIGITS_SCORE, (run,))]
        else:
            options = [(0.0, (run,))]
        merged = [(score + s, words + w) for score, words in combined for s, w in options]
        merged.sort(key=lambda item: -item[0])
        floor = merged[0][0] - PLAUSIBLE_MARGIN
        combined = [item for item in merged[:limit] if item[0] >= floor]
    if combined == [(0.0, ())]:
        return []
    return [Reading(words, round(score, 3)) for score, words in combined]


def _run_readings(run: str, lang: str, limit: int) -> list[tuple[float, tuple[str, ...]]]:
    """The best `limit` ways to cut one run of letters into words, best first, by A* over word positions."""
    if len(run) > LONG_RUN:
        limit = min(limit, LONG_RUN_LIMIT)
    n = len(run)
    lookup = _lexicon(lang).get
    edges: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, min(n, i + MAX_WORD) + 1):
            score = lookup(run[i:j])
            if score is not None:
                edges[i].append((j, score))
    best = _best_to_end(edges, n)
    if best[0] == -math.inf:
        edges = _with_unknown_stretches(edges, n)
        best = _best_to_end(edges, n)
        limit = min(limit, LONG_RUN_LIMIT)
    floor = best[0] - PLAUSIBLE_MARGIN
    results: list[tuple[float, tuple[str, ...]]] = []
    seen: set[tuple[str, ...]] = set()
    # A path is a linked list of cut positions, (last cut, rest), so extending one costs nothing; a counter
    # breaks ties so the heap never compares paths.
    order = count()
    heap: list[tuple[float, int, float, int, tuple]] = [(-best[0], next(order), 0.0, 0, ())]
    steps = 0
    while heap and len(results) < limit and steps < MAX_STEPS:
        steps += 1
        neg_bound, _, score, i, cuts = heapq.heappop(heap)
        if -neg_bound < floor:
            break
        if i == n:
            words = _cut(run, cuts)
            if words not in seen:
                seen.add(words)
                results.append((score, words))
            continue
        for j, word_score in edges[i]:
            rest = best[j]
            if rest == -math.inf:
                continue
            bound = score + word_score + rest
            if bound >= floor:
                heapq.heappush(heap, (-bound, next(order), score + word_score, j, (j, cuts)))
    return results


def _best_to_end(edges: list[list[tuple[int, float]]], n: int) -> list[float]:
    best = [-math.inf] * (n + 1)
    best[n] = 0.0
    for i in range(n - 1, -1, -1):
        for j, score in edges[i]:
            if best[j] != -math.inf and score + best[j] > best[i]:
                best[i] = score + best[j]
    return best


def _with_unknown_stretches(edges: list[list[tuple[int, float]]], n: int) -> list[list[tuple[int, float]]]:
    """Let any stretch be an unknown word, so a run with a brand name or typo still reads somehow."""
    return [
        edges[i] + [(j, UNKNOWN_BASE + UNKNOWN_PER_LETTER * (j - i)) for j in range(i + 1, min(n, i + MAX_WORD) + 1)]
        for i in range(n)
    ]


def _cut(run: str, cuts: tuple) -> tuple[str, ...]:
    ends = []
    while cuts:
        end, cuts = cuts
        ends.append(end)
    words, start = [], 0
    for end in reversed(ends):
        words.append(run[start:end])
        start = end
    return tuple(words)


def _best_words(run: str, lang: str) -> tuple[str, ...]:
    options = _run_readings(run, lang, 1)
    return options[0][1] if options else (run,)
