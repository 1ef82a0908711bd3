"""Every plausible reading of a run-together hashtag or handle, for the misreading rule.

A best-split segmenter reads ``therapistfinder`` as "therapist finder" and stops, so it
never sees "the rapist finder". A careful second reader sees both: this module lists
every way to cut a tag into real words (wordfreq's word list for the language), ranked
by how plausible the words are, and `misreadings` keeps the ones that show a risky term
the author did not write.

What counts as showing a term (`misreadings`, `read_tag`): a term that crosses the author's
word boundaries always counts (penis|land in #penisland, anal in sus|anal|bum|party); a term
inside one of the author's words counts only if the rule flags it everywhere (a strong
term) and it is not the start of that word: the|rapist is read in "therapist", but
dead|line, penis|tone and cock|tail are the words' own etymology, and "dies" in "candies"
is nobody's reading. A reading has to be one a reader falls into: real words (no
"arse|nalfc"), not starting on a fragment ("ho|meth|is" in #homethis), and no initialism
found mid-string ("mon|thc|at" in #monthcat).

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
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from itertools import accumulate, count, pairwise

# A word's log10 score is zipf - 9; each word also costs this much, so a split has to
# buy its extra word with commoner words.
WORD_COST = 1.0
# Readings further than this below the best are not plausible. Wide on purpose: the
# classic misreadings are far less likely than the intended split (sus|anal|bum|party
# scores 8.5 below susan|album|party) and still leap out at readers; what keeps silly
# splits out is that every piece must be a real word (MIN_ZIPF) and REFINE_*.
PLAUSIBLE_MARGIN = 10.0
# A reading that only cuts a word of the intended reading into pieces (therapist ->
# the|rapist) has to stay this close to it: readers break a familiar word only when its
# pieces are much commoner than the word.
REFINE_MARGIN = 4.5
# ... and every new piece must have at least this many letters: nobody reads "essex"
# as es|sex or "indie" as in|die.
REFINE_MIN_PIECE = 3
# A word that is risky only in a second reading ("dies", not a flagging term) counts in a reading no further than
# this below the intended one: "fred dies ale" in #freddiesale, not "hoo dies ale" in #hoodiesale.
HIDDEN_MARGIN = 6.5
# Readers take a second reading from its start: a two-letter word before the risky term must be a common one ("it",
# "my", "am": zipf 5.5 and up). Leftovers after it do not stop anyone ("women sex po" in #womensexpo).
SHORT_WORD_MIN_ZIPF = 5.5
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


# A risky term in a reading: the words [first, last) it covers, and whether it is strong (a term the ordinary rules
# flag: looked for inside the author's words too, "the|rapist") or a word risky only where the reading moves the
# author's word boundaries ("fred dies ale" in #freddiesale, never "dies" in "candies").
Occurrence = tuple[int, int, bool]
Finder = Callable[[Sequence[str]], Sequence[Occurrence]]


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


def misreadings(
    tag: str,
    *,
    is_risky: Callable[[Sequence[str]], bool],
    lang: str = "en",
    find: Finder | None = None,
    whole: Collection[str] = frozenset(),
) -> list[Reading]:
    """Plausible readings that show a risky term the intended reading does not.

    The intended reading is the author's CamelCase split when there is one; otherwise the best reading that
    `is_risky` does not flag (for "molestationnursery" the author meant mole|station|nursery). If the intended
    reading is itself flagged, the tag says the risky thing outright: that is for the ordinary rules, run over
    `intended_reading`, not a misreading, so [] is returned.

    `find` lists the risky terms of a reading (see `Occurrence`); by default every term `is_risky` flags is strong.
    A term counts when it is not the author's own word in the same place, and either moves the author's word
    boundaries, or is strong and lies inside one known word of the author's without starting it: the head of a
    word is its etymology (dead|line, penis|tone, cock|tail), the tail can be an accident readers cannot unsee
    (the|rapist). A word the list does not know (a name: "freddies") is read in pieces like any run of letters.
    A weak term counts only within HIDDEN_MARGIN of the intended reading; no term counts after a rare two-letter
    word, as an initialism without vowels, or in a reading with a stretch that is no word.

    A reading that only cuts the intended words into pieces must stay within REFINE_MARGIN of it, with no piece
    shorter than REFINE_MIN_PIECE letters, and no reading cuts a word listed in `whole` ("middlesex").
    """
    return [reading for reading, _ in read_tag(tag, is_risky=is_risky, lang=lang, find=find, whole=whole)[1]]


def read_tag(
    tag: str,
    *,
    is_risky: Callable[[Sequence[str]], bool],
    lang: str = "en",
    find: Finder | None = None,
    whole: Collection[str] = frozenset(),
) -> tuple[Reading, list[tuple[Reading, list[Occurrence]]]]:
    """`intended_reading` and `misreadings` in one pass, each misreading with the risky terms that count in it."""
    pool = _readings(_clean(tag).lower(), lang, MISREADING_POOL)
    if not pool:
        return Reading((), 0.0), []
    intended = _intended(tag, pool, is_risky, lang)
    if intended is None:
        return pool[0], []
    if is_risky(intended.words):
        return intended, []
    find = find or _finder(is_risky)
    found = []
    for reading in pool:
        if reading.words == intended.words or not _plausible_against(reading, intended, whole):
            continue
        revealed = _revealed(reading, intended, find, lang)
        if revealed:
            found.append((reading, revealed))
    return intended, found


def intended_reading(tag: str, *, lang: str = "en", is_risky: Callable[[Sequence[str]], bool] | None = None) -> Reading:
    """What the author most likely meant: their CamelCase split, else the best (innocent, if `is_risky`) reading."""
    pool = _readings(_clean(tag).lower(), lang, MISREADING_POOL)
    if not pool:
        return Reading((), 0.0)
    intended = _intended(tag, pool, is_risky or (lambda words: False), lang)
    return intended if intended is not None else pool[0]


def _finder(is_risky: Callable[[Sequence[str]], bool]) -> Finder:
    """Occurrences for a plain yes/no rule: each shortest flagged run of up to four words, all strong."""

    def find(words: Sequence[str]) -> list[Occurrence]:
        found = []
        for first in range(len(words)):
            for last in range(first + 1, min(len(words), first + 4) + 1):
                if is_risky(words[first:last]):
                    if not is_risky(words[first + 1 : last]):  # else the term starts further on
                        found.append((first, last, True))
                    break
        return found

    return find


def _revealed(reading: Reading, intended: Reading, find: Finder, lang: str) -> list[Occurrence]:
    """The risky terms of `reading` that the author did not write (see `misreadings` for what counts)."""
    offsets = list(accumulate((len(word) for word in reading.words), initial=0))
    cuts = set(offsets)
    bounds = list(accumulate((len(word) for word in intended.words), initial=0))
    own = set(pairwise(bounds))
    for word, span in zip(reading.words, pairwise(offsets), strict=True):
        if span not in own and not word.isdigit() and _word_score(word, lang) is None:
            return []  # a stretch that is no word ("arse|nalfc"): not a reading anyone falls into
    counted = []
    for first, last, strong in find(reading.words):
        if all((offsets[k], offsets[k + 1]) in own for k in range(first, last)):
            continue  # the author's own words, in the same place
        if not strong and reading.score < intended.score - HIDDEN_MARGIN:
            continue
        if not all(_has_vowel_or_not_latin(word) for word in reading.words[first:last]):
            continue  # an initialism ("thc" in "mon|thc|at") is read only where the author set it apart
        if any(not _common_short(word, lang) for word in reading.words[:first]):
            continue  # nobody starts reading #homethis as "ho meth is"
        start, end = offsets[first], offsets[last]
        host = bisect_right(bounds, start) - 1  # the author's word the term starts in
        host_start, host_end = bounds[host], bounds[host + 1]
        inside_known = end <= host_end and _word_score(intended.words[host], lang) is not None
        if not strong and inside_known and reading.score < intended.score - REFINE_MARGIN:
            continue  # "americans crap metal" is read at once; "sho pin die" in #ShopIndie needs three odd words
        cut_only = inside_known and host_start in cuts and host_end in cuts
        if cut_only and (not strong or start == host_start):
            continue  # a known word cut into pieces: a strong term only, and never as its head
        counted.append((first, last, strong))
    return counted


def _intended(tag: str, pool: list[Reading], is_risky: Callable[[Sequence[str]], bool], lang: str) -> Reading | None:
    text = _clean(tag)
    words = tuple(split_tag(text, lang=lang))
    if words and _is_mixed_case(text):
        return Reading(words, _score_words(words, lang))
    return next(
        (reading for reading in pool if not is_risky(reading.words) and _plausible_against(reading, pool[0])), None
    )


def _plausible_against(reading: Reading, reference: Reading, whole: Collection[str] = frozenset()) -> bool:
    """Whether someone who knows `reference` could still read `reading`.

    Moving or dropping boundaries is always possible in a run-together tag. Only cutting words of the reference
    into pieces is limited: the pieces must be words of REFINE_MIN_PIECE letters or more, and together no more
    than REFINE_MARGIN below the word they cut; a word in `whole` is never cut ("middlesex").
    """
    reference_spans = _spans(reference.words)
    spans = _spans(reading.words)
    if whole:
        ends = _ends(spans)
        for (start, end), word in zip(sorted(reference_spans), reference.words, strict=True):
            if word in whole and any(start < cut < end for cut in ends):
                return False
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


def _common_short(word: str, lang: str) -> bool:
    """False for a two-letter word that is not a common one (an abbreviation or a fragment: "ho", "co", "ex")."""
    if len(word) != 2:
        return True
    score = _word_score(word, lang)
    return score is not None and score + WORD_COST + 9 >= SHORT_WORD_MIN_ZIPF


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
