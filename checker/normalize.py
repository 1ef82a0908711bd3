"""Undo the tricks that make a risky word unreadable to a matcher, while remembering where every character came from.

`normalize(text)` returns a `NormalizedText`: the matchers read `.text`, and a finding's span in it is mapped back
to the draft the marketer wrote with `.original_span`, so the admin highlights the characters they typed.

The steps, in order (each keeps the offset map exact):

1. Invisible characters are removed: zero-width space, non-joiner and joiner (U+200B-U+200D), word joiner and
   invisible operators (U+2060-U+2064), BOM (U+FEFF), soft hyphen, combining grapheme joiner, bidi marks and
   embeddings (U+200E, U+200F, U+061C, U+202A-U+202E, U+2066-U+2069), deprecated format controls, Hangul and Khmer
   fillers, Mongolian selectors, variation selectors, tag characters, and the Arabic tatweel (a stretching stroke
   that lengthens a word without changing it). Arabic and Hebrew keep every letter and mark. ZWNJ carries meaning
   in Persian, Urdu and some Indic scripts, none of which we read, so it goes everywhere. Kept, so emoji stay
   intact (harmless to matching either way, and the text stays a faithful copy): a ZWJ between two pictographs
   (family and profession sequences), a variation selector after a pictograph or before a keycap mark, and the
   tag characters of a subdivision flag.
2. Unicode NFKC, applied per starter and its combining marks so each output character points at the code points
   it came from ("ﬁre": both "f" and "i" point at the ligature; "ｋｉｌｌ" becomes "kill"). Full-width punctuation
   and the ideographic space are exempt: that is how Chinese is written, and no word hides behind a comma.
   Combining marks still hanging on an ASCII letter after this and step 3 (strike-through, "zalgo" stacks) are
   dropped, since no English letter needs them; precomposed letters such as Polish "ą" are untouched.
3. Look-alike letters are folded to Latin. Small capitals, dotless i, script g and the negative squared and
   circled letters NFKC leaves alone are always folded (they are Latin). Cyrillic, Greek and Armenian look-alikes
   are folded only inside a word whose other letters are all Latin ("kіll"), or in a word made only of look-alikes
   when the draft is Latin text with no genuine Cyrillic, Greek or Armenian letter elsewhere ("Hot ѕех"), so
   "Привет, как дела", Greek words and a brand with a Russian ending ("iPhoneом") stay as written.
4. Letters spaced apart by one repeated separator are joined: at least three single letters or digits, at least
   two of them letters and more letters than digits, separated by the same gap every time (". ", "-", "*", " ",
   ...): "k.i.l.l", "f*u*c*k", "k i l l". "U.S.A." becomes "USA."; "e.g.", dates, times and version numbers do
   not qualify, nor do Han, kana and Hangul, where one character is a word ("红、黄、蓝" is a list). A leading
   "a", "A" or "I" followed by four or more spaced letters stays a word ("such a b i t c h" reads "such a bitch",
   while "a s s" reads "ass"); the price is "a s s h o l e", read as "a sshole".
5. Leetspeak is folded inside Latin words that mix letters with 0 1 3 4 5 7 @ $ ! (0>o, 1>i, "11">ll, 3>e, 4>a, 5>s,
   7>t, @>a, $>s, !>i). 8 is left alone: "gr8" and "h8" mean "ate", not "b". A word is left as it is when it
   holds any other digit (B2B, i18n, 2nd, 90s), is a number with a unit or ordinal (10k, 4K, 5g, 3pm, 1st, 4th,
   1080p), is an upper-case code whose letters stand alone (H5N1, 3D, W3C, S3X too: the price of keeping codes),
   is a known numeronym (a11y, l10n, h1n1), or sits inside a URL or e-mail address. Within a word: a run of one
   or two digits between letters folds ("k1ll", "b00bs"); a single leading digit folds when at least two letters
   follow ("5hit"); a single trailing digit folds only when something else in the word folded ("k1ll3r5", but
   not "mp3", "a55" or "win10"); "@", "$" and "!" between letters fold when at most three letters precede them
   ("b@stard", "k!ll", but not "Sale!Buy" or "great!thanks"), "!" only before a lower-case letter; "$$" folds at
   the end ("a$$"); a leading "$" folds unless it is a cashtag ($AAPL). "@name" is a handle when the name is
   longer than three characters, holds "_", "." or a non-ASCII letter, or is in capitals ("@jen_m", "@BBC",
   "@小王"): its "@" stays and only leetspeak inside the name folds ("@k1ller_deals" > "@killer_deals"). Otherwise
   a leading "@" is a letter ("@ss" > "ass", "@$$hole" > "asshole": no handle holds "$").
   Folded letters take upper case when the word is all upper case ("K1LL" > "KILL").
6. A run of three or more identical ASCII letters shrinks to two, or to one for letters English rarely doubles
   (a h i j q u v y): "kiiiill" > "kill", "shiiit" > "shit", "hellllo" > "hello", "sooo" > "soo". Matchers
   lemmatise lower-cased words, so the folded word must be the dictionary one. Left alone: k, x and w ("KKK",
   "xxx", "www" carry meaning as runs), a capital run inside a mixed-case word ("#KKKnittingClub", "#AAAGames"),
   words of one repeated letter ("zzz"), Roman numerals ("VIII"), URLs. The kept letters cover the whole run in
   the original, so a highlight spans "killlll", not "kill".

Case is kept: the matchers lower-case. A draft with nothing to fold, ASCII or ASCII but for emoji and symbols,
costs a few regular-expression scans and gets an identity offset map.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["NormalizedText", "normalize"]


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A draft as the matchers read it, with the way back to the characters the author typed.

    `offsets[i]` is where normalised character i starts in `original` (`offsets[len(text)] == len(original)`);
    `ends[i]` is where it stops, needed because a removed invisible or a ligature breaks "next start = this end".
    `ends` is None when the text came through unchanged (then each character ends where the next begins).
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    @property
    def offsets(self) -> tuple[int, ...]:
        """Start of each normalised character in `original`, plus its length; `starts` is None when unchanged."""
        return self.starts if self.starts is not None else tuple(range(len(self.text) + 1))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` back to the smallest covering span of `original`."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the normalised text of length {len(self.text)}")
        if self.starts is None:
            return start, end
        if start == end:
            return self.starts[start], self.starts[start]
        if self.ends is None:
            return self.starts[start], self.starts[end]
        return self.starts[start], self.ends[end - 1]


class _Work:
    """The text being rewritten plus, once a step changes its length, each character's original [start, end)."""

    __slots__ = ("text", "starts", "ends")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] | None = None
        self.ends: list[int] | None = None

    def _materialise(self) -> tuple[list[int], list[int]]:
        if self.starts is None or self.ends is None:
            self.starts = list(range(len(self.text)))
            self.ends = list(range(1, len(self.text) + 1))
        return self.starts, self.ends

    def extend_end(self, index: int, to: int) -> None:
        """Let character `index` cover up to (and including) character `to`, before `to` is dropped."""
        _, ends = self._materialise()
        ends[index] = ends[to]

    def drop(self, spans: list[tuple[int, int]]) -> None:
        """Delete the sorted, disjoint [i, j) spans."""
        if not spans:
            return
        starts, ends = self._materialise()
        text = self.text
        pieces: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        previous = 0
        for i, j in spans:
            pieces.append(text[previous:i])
            new_starts += starts[previous:i]
            new_ends += ends[previous:i]
            previous = j
        pieces.append(text[previous:])
        new_starts += starts[previous:]
        new_ends += ends[previous:]
        self.text = "".join(pieces)
        self.starts, self.ends = new_starts, new_ends

    def substitute(self, edits: list[tuple[int, str]]) -> None:
        """Replace text at sorted positions with strings of the same length: offsets do not move."""
        if not edits:
            return
        text = self.text
        pieces: list[str] = []
        previous = 0
        for i, replacement in edits:
            pieces.append(text[previous:i])
            pieces.append(replacement)
            previous = i + len(replacement)
        pieces.append(text[previous:])
        self.text = "".join(pieces)

    def result(self, original: str) -> NormalizedText:
        if self.starts is None or self.ends is None:
            return _normalized(original, self.text, None, None)
        return _normalized(original, self.text, (*self.starts, len(original)), tuple(self.ends))


# The setters of NormalizedText's slots, which write a field without going through the frozen `__setattr__`.
_new_object = object.__new__
_set_original = NormalizedText.original.__set__
_set_text = NormalizedText.text.__set__
_set_starts = NormalizedText.starts.__set__
_set_ends = NormalizedText.ends.__set__


def _normalized(
    original: str, text: str, starts: tuple[int, ...] | None, ends: tuple[int, ...] | None
) -> NormalizedText:
    """`NormalizedText(original, text, starts, ends)` at half the cost of its `__init__` (`object.__setattr__`)."""
    result = _new_object(NormalizedText)
    _set_original(result, original)
    _set_text(result, text)
    _set_starts(result, starts)
    _set_ends(result, ends)
    return result


# Step 1: invisible characters.


def _class_body(ranges: Iterable[tuple[int, int]]) -> str:
    """The inside of a regex character class for inclusive code point ranges."""
    return "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)


def _ranges(chars: Iterable[str]) -> list[tuple[int, int]]:
    """`chars` as runs of consecutive code points: a class listing hundreds of single characters is slow to test."""
    runs: list[tuple[int, int]] = []
    for code in sorted(map(ord, chars)):
        if runs and runs[-1][1] == code - 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


def _char_class(ranges: tuple[tuple[int, int], ...]) -> tuple[re.Pattern[str], frozenset[str]]:
    """A regex character class and the same characters as a set, for a quick `isdisjoint` before any regex."""
    chars = frozenset(chr(c) for low, high in ranges for c in range(low, high + 1))
    return re.compile(f"[{_class_body(ranges)}]"), chars


_INVISIBLE, _INVISIBLE_CHARS = _char_class(
    (
        (0x00AD, 0x00AD),
        (0x034F, 0x034F),
        (0x061C, 0x061C),
        (0x0640, 0x0640),
        (0x115F, 0x1160),
        (0x17B4, 0x17B5),
        (0x180B, 0x180F),
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x206F),
        (0x3164, 0x3164),
        (0xFE00, 0xFE0F),
        (0xFEFF, 0xFEFF),
        (0xFFA0, 0xFFA0),
        (0xE0000, 0xE007F),
        (0xE0100, 0xE01EF),
    )
)
_ZWJ = "\u200d"
_KEYCAP = "\u20e3"
_BLACK_FLAG = "\U0001f3f4"
_PICTOGRAPH_RANGES = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x25A0, 0x25FF),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x1F000, 0x1F0FF),
    (0x1F18E, 0x1F19A),
    (0x1F300, 0x1FAFF),
)


def _is_pictograph(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _PICTOGRAPH_RANGES)


def _keeps_invisible(text: str, i: int) -> bool:
    """The few invisibles that hold an emoji together."""
    char = text[i]
    if char == _ZWJ:
        before = i - 1
        if before >= 0 and text[before] == "\ufe0f":
            before -= 1
        return before >= 0 and i + 1 < len(text) and _is_pictograph(text[before]) and _is_pictograph(text[i + 1])
    if char in "\ufe0e\ufe0f":
        return (i > 0 and _is_pictograph(text[i - 1])) or (i + 1 < len(text) and text[i + 1] == _KEYCAP)
    if "\U000e0020" <= char <= "\U000e007f":
        j = i - 1
        while j >= 0 and "\U000e0020" <= text[j] <= "\U000e007f":
            j -= 1
        return j >= 0 and text[j] == _BLACK_FLAG
    return False


def _remove_invisibles(work: _Work) -> None:
    text = work.text
    spans: list[tuple[int, int]] = []
    for match in _INVISIBLE.finditer(text):
        i = match.start()
        if _keeps_invisible(text, i):
            continue
        if spans and spans[-1][1] == i:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    work.drop(spans)


# Step 2: NFKC, one starter and its marks at a time.

_NFKC_EXEMPT = frozenset(
    [chr(c) for c in range(0xFF01, 0xFF61) if not chr(c).isalnum()]
    + [chr(c) for c in range(0xFFE0, 0xFFE7)]
    + ["\u3000"]
)
_NFKC_EXEMPT_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(_NFKC_EXEMPT)) + "]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_NON_ASCII_CHAR = re.compile(r"[^\x00-\x7f]")
# Starters that canonical composition can still merge into the character before them (from the Unicode
# decomposition data: second halves of two-part decompositions with combining class 0), plus Hangul vowels and
# finals, which compose algorithmically.
_COMPOSES_BACKWARDS = frozenset(
    "\u09be\u09d7\u0b3e\u0b56\u0b57\u0bbe\u0bd7\u0cc2\u0cd5\u0cd6\u0d3e\u0d57\u0dcf\u0ddf\u0fb5\u0fb7\u102e\u1b35"
    "\U00011127\U0001133e\U00011357\U000114b0\U000114ba\U000114bd\U000115af\U00011930"
    + "".join(chr(c) for c in range(0x1161, 0x1176))
    + "".join(chr(c) for c in range(0x11A8, 0x11C3))
)


@lru_cache(maxsize=4096)
def _starts_cluster(char: str) -> bool:
    """Whether NFKC cannot merge `char` into what precedes it, so normalising up to here is final."""
    first = unicodedata.normalize("NFKD", char)[:1] or char
    return unicodedata.combining(first) == 0 and first not in _COMPOSES_BACKWARDS


@lru_cache(maxsize=4096)
def _nfkc_char(char: str) -> str:
    return char if char in _NFKC_EXEMPT else unicodedata.normalize("NFKC", char)


@lru_cache(maxsize=4096)
def _is_dirty(char: str) -> bool:
    """Whether NFKC may change the cluster around this (non-ASCII) character."""
    return _nfkc_char(char) != char or not _starts_cluster(char)


def _nfkc(work: _Work, chars: frozenset[str]) -> None:
    """Normalise only the clusters that change or hold marks; everything between is copied in slices."""
    text = work.text
    if unicodedata.is_normalized("NFKC", text):
        return
    if not chars.isdisjoint(_NFKC_EXEMPT) and unicodedata.is_normalized("NFKC", _NFKC_EXEMPT_RE.sub(" ", text)):
        return
    starts, ends = work._materialise()
    pieces: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    n = len(text)
    done = 0
    for i in [k for run in _NON_ASCII.finditer(text) for k in range(*run.span()) if _is_dirty(text[k])]:
        if i < done:
            continue
        first = i
        while first > done and not _starts_cluster(text[first]):
            first -= 1
        stop = i + 1
        while stop < n and not _starts_cluster(text[stop]):
            stop += 1
        pieces.append(text[done:first])
        new_starts += starts[done:first]
        new_ends += ends[done:first]
        cluster = text[first:stop]
        out = _nfkc_char(cluster) if stop == first + 1 else unicodedata.normalize("NFKC", cluster)
        pieces.append(out)
        if out == cluster:
            new_starts += starts[first:stop]
            new_ends += ends[first:stop]
        else:
            new_starts += [starts[first]] * len(out)
            new_ends += [ends[stop - 1]] * len(out)
        done = stop
    pieces.append(text[done:])
    new_starts += starts[done:]
    new_ends += ends[done:]
    work.text = "".join(pieces)
    work.starts, work.ends = new_starts, new_ends


_MARKS, _MARK_CHARS = _char_class(
    (
        (0x0300, 0x036F),
        (0x0483, 0x0489),
        (0x1AB0, 0x1AFF),
        (0x1DC0, 0x1DFF),
        (0x20D0, 0x20DC),
        (0x20DE, 0x20FF),
        (0xFE20, 0xFE2F),
    )
)
_MARKS_ON_ASCII = re.compile(f"(?<=[A-Za-z]){_MARKS.pattern}+")


def _drop_marks_on_ascii(work: _Work) -> None:
    spans = [match.span() for match in _MARKS_ON_ASCII.finditer(work.text)]
    for i, j in spans:
        work.extend_end(i - 1, j - 1)
    work.drop(spans)


# Step 3: look-alike letters.


def _by_name(pairs: dict[str, str]) -> dict[str, str]:
    return {unicodedata.lookup(name): latin for name, latin in pairs.items()}


_ALWAYS_LATIN = _by_name(
    {
        **{f"LATIN LETTER SMALL CAPITAL {c}": c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWYZ"},
        "LATIN SMALL LETTER DOTLESS I": "i",
        "LATIN SMALL LETTER DOTLESS J": "j",
        "LATIN SMALL LETTER SCRIPT G": "g",
        "LATIN SMALL LETTER ALPHA": "a",
        **{f"NEGATIVE CIRCLED LATIN CAPITAL LETTER {c}": c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{f"NEGATIVE SQUARED LATIN CAPITAL LETTER {c}": c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    }
)
_LOOKALIKES = _by_name(
    {
        "CYRILLIC SMALL LETTER A": "a",
        "CYRILLIC SMALL LETTER IE": "e",
        "CYRILLIC SMALL LETTER O": "o",
        "CYRILLIC SMALL LETTER ER": "p",
        "CYRILLIC SMALL LETTER ES": "c",
        "CYRILLIC SMALL LETTER U": "y",
        "CYRILLIC SMALL LETTER HA": "x",
        "CYRILLIC SMALL LETTER KA": "k",
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I": "i",
        "CYRILLIC SMALL LETTER JE": "j",
        "CYRILLIC SMALL LETTER DZE": "s",
        "CYRILLIC SMALL LETTER KOMI DE": "d",
        "CYRILLIC SMALL LETTER QA": "q",
        "CYRILLIC SMALL LETTER WE": "w",
        "CYRILLIC SMALL LETTER SHHA": "h",
        "CYRILLIC SMALL LETTER PALOCHKA": "l",
        "CYRILLIC SMALL LETTER STRAIGHT U": "y",
        "CYRILLIC CAPITAL LETTER A": "A",
        "CYRILLIC CAPITAL LETTER VE": "B",
        "CYRILLIC CAPITAL LETTER IE": "E",
        "CYRILLIC CAPITAL LETTER KA": "K",
        "CYRILLIC CAPITAL LETTER EM": "M",
        "CYRILLIC CAPITAL LETTER EN": "H",
        "CYRILLIC CAPITAL LETTER O": "O",
        "CYRILLIC CAPITAL LETTER ER": "P",
        "CYRILLIC CAPITAL LETTER ES": "C",
        "CYRILLIC CAPITAL LETTER TE": "T",
        "CYRILLIC CAPITAL LETTER HA": "X",
        "CYRILLIC CAPITAL LETTER U": "Y",
        "CYRILLIC CAPITAL LETTER STRAIGHT U": "Y",
        "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I": "I",
        "CYRILLIC CAPITAL LETTER JE": "J",
        "CYRILLIC CAPITAL LETTER DZE": "S",
        "CYRILLIC CAPITAL LETTER KOMI DE": "D",
        "CYRILLIC CAPITAL LETTER QA": "Q",
        "CYRILLIC CAPITAL LETTER WE": "W",
        "CYRILLIC CAPITAL LETTER SHHA": "H",
        "CYRILLIC LETTER PALOCHKA": "I",
        "GREEK SMALL LETTER ALPHA": "a",
        "GREEK SMALL LETTER EPSILON": "e",
        "GREEK SMALL LETTER GAMMA": "y",
        "GREEK SMALL LETTER ETA": "n",
        "GREEK SMALL LETTER IOTA": "i",
        "GREEK SMALL LETTER KAPPA": "k",
        "GREEK SMALL LETTER NU": "v",
        "GREEK SMALL LETTER OMICRON": "o",
        "GREEK SMALL LETTER RHO": "p",
        "GREEK SMALL LETTER TAU": "t",
        "GREEK SMALL LETTER UPSILON": "u",
        "GREEK SMALL LETTER CHI": "x",
        "GREEK SMALL LETTER OMEGA": "w",
        "GREEK CAPITAL LETTER ALPHA": "A",
        "GREEK CAPITAL LETTER BETA": "B",
        "GREEK CAPITAL LETTER EPSILON": "E",
        "GREEK CAPITAL LETTER ZETA": "Z",
        "GREEK CAPITAL LETTER ETA": "H",
        "GREEK CAPITAL LETTER IOTA": "I",
        "GREEK CAPITAL LETTER KAPPA": "K",
        "GREEK CAPITAL LETTER MU": "M",
        "GREEK CAPITAL LETTER NU": "N",
        "GREEK CAPITAL LETTER OMICRON": "O",
        "GREEK CAPITAL LETTER RHO": "P",
        "GREEK CAPITAL LETTER TAU": "T",
        "GREEK CAPITAL LETTER UPSILON": "Y",
        "GREEK CAPITAL LETTER CHI": "X",
        "ARMENIAN SMALL LETTER OH": "o",
        "ARMENIAN SMALL LETTER SEH": "u",
        "ARMENIAN SMALL LETTER HO": "h",
        "ARMENIAN SMALL LETTER VO": "n",
    }
)
_ALWAYS_TABLE = str.maketrans(_ALWAYS_LATIN)
_LOOKALIKE_TABLE = str.maketrans(_LOOKALIKES)
_ALWAYS_CHARS = frozenset(_ALWAYS_LATIN)
_LOOKALIKE_CHARS = frozenset(_LOOKALIKES)
_WORD = re.compile(r"\w+")
_FOREIGN_LETTER = re.compile("[\u0370-\u03ff\u0400-\u052f\u0531-\u058f\u1f00-\u1fff]")


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and (char < "\u0250" or "\u1e00" <= char <= "\u1eff")


def _fold_lookalikes(work: _Work, chars: frozenset[str]) -> None:
    text = work.text
    if not chars.isdisjoint(_ALWAYS_CHARS):
        text = work.text = text.translate(_ALWAYS_TABLE)
    if chars.isdisjoint(_LOOKALIKE_CHARS):
        return
    latin_draft: bool | None = None
    edits: list[tuple[int, str]] = []
    for match in _WORD.finditer(text):
        word = match.group()
        if _LOOKALIKE_CHARS.isdisjoint(word) or not all(
            c in _LOOKALIKES or _is_latin_letter(c) for c in word if c.isalpha()
        ):
            continue
        if not any(_is_latin_letter(c) for c in word):
            if latin_draft is None:
                latin_draft = any(_is_latin_letter(c) for c in text) and not any(
                    c.isalpha() and c not in _LOOKALIKES for c in _FOREIGN_LETTER.findall(text)
                )
            if not latin_draft:
                continue
        edits.append((match.start(), word.translate(_LOOKALIKE_TABLE)))
    work.substitute(edits)


# Step 4: letters spaced apart.

_SPACED = re.compile(r"(?<!\w)[^\W_](?P<gap> ?[^\w\s] ?| +)[^\W_](?:(?P=gap)[^\W_])+(?!\w)")
# A cheap necessary condition, searched first so that ordinary text skips the exact pattern: three one-character
# words in a row (`_may_fold` has a faster one for text whose word characters are all ASCII).
_MAYBE_SPACED = re.compile(r"\b\w\W+\w\W+\w\b")


def _is_ideograph(char: str) -> bool:
    """Han, kana and Hangul: one character is a word there, and a list of them is no evasion."""
    return (
        "\u2e80" <= char <= "\u9fff"
        or "\uac00" <= char <= "\ud7af"
        or "\uf900" <= char <= "\ufaff"
        or char >= "\U00020000"
    )


def _join_spaced_letters(work: _Work) -> None:
    spans: list[tuple[int, int]] = []
    for match in _SPACED.finditer(work.text):
        step = len(match.group("gap")) + 1
        items = match.group()[::step]
        letters = sum(c.isalpha() for c in items)
        if letters < 2 or len(items) - letters >= letters or any(_is_ideograph(c) for c in items):
            continue
        first = match.start()
        if not match.group("gap").strip() and items[0] in "aAI" and len(items) > 4:
            first += step  # "such a b i t c h": the article stays a word of its own
        spans += [(i + 1, i + step) for i in range(first, match.end() - 1, step)]
    work.drop(spans)


# Step 5: leetspeak.

_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
# Every fold needs a leet run followed by a letter ("sh!t", "@ss") or "$$" after one ("a$$"): only such runs are
# looked at, so prices, times and exclamation marks cost the pre-test and nothing more.
# Spelled with a leading single class (not "[...]+") so the engine jumps from one candidate character to the next.
_LEET_CANDIDATES = re.compile(r"[0-9@$!][0-9@$!]*(?=[^\W\d_])")
_DOUBLE_DOLLAR_AFTER_LETTER = re.compile(r"(?<=[^\W\d_])\$\$")
_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_UNIT_SUFFIX = (
    r"(?:[a-z]|st|nd|rd|th|am|pm|hr|hrs|min|mins|sec|secs|ms|kg|km|cm|mm|ml|mg|gb|mb|kb|tb|hz|khz|mhz|ghz|fps|mp|"
    r"px|pt|pc|pcs|yr|yrs|mo|mos|wk|wks|wd|xl|oz|lb|lbs|ft|mph|kph|kmh|kw|kwh|mah|nm)"
)
_UNIT = re.compile(rf"\d+{_UNIT_SUFFIX}")


def _not_words(text: str) -> list[tuple[int, int]]:
    """Spans of URLs and e-mail addresses, which are not words to fold."""
    if "@" not in text and "/" not in text and "www" not in text:
        return []
    return [match.span() for match in _NOT_WORDS.finditer(text)]


_NUMERONYMS = frozenset({"a11y", "l10n", "g11n", "m17n", "p13n", "w3c", "h1n1", "h5n1", "h7n9", "c3po"})


def _runs(token: str) -> list[tuple[bool, int, int]] | None:
    """Split a token into (is_letters, start, end) runs; None if it holds a digit that is not leetspeak.

    Only Latin words are read for leetspeak: "上午10点" is ten o'clock, and Arabic or Hebrew next to a number is
    a price or a date.
    """
    runs: list[tuple[bool, int, int]] = []
    for i, char in enumerate(token):
        is_letter = _is_latin_letter(char)
        if (not is_letter and char not in _LEET) or (char.isalpha() and not is_letter):
            return None
        if runs and runs[-1][0] == is_letter:
            runs[-1] = (is_letter, runs[-1][1], i + 1)
        else:
            runs.append((is_letter, i, i + 1))
    return runs


def _leet_run(token: str, runs: list[tuple[bool, int, int]], k: int) -> bool:
    """Whether the non-letter run `runs[k]` stands for letters (the trailing-digit rule is the caller's)."""
    _, i, j = runs[k]
    chunk = token[i:j]
    if k == 0:
        if chunk.isdigit():
            return len(chunk) == 1 and runs[1][2] - runs[1][1] >= 2
        if not set(chunk) <= {"@", "$"}:
            return False
        if chunk == "$":
            body = token[j:]
            return not (body.isalpha() and body.isupper() and len(body) <= 5)
        return "$" in chunk or len(token) - 1 <= 3
    if k == len(runs) - 1:
        return chunk == "$$"
    if chunk.isdigit():
        return len(chunk) <= 2
    if len(chunk) > 2 or runs[k - 1][2] - runs[k - 1][1] > 3:
        return False
    if "!" in chunk:
        return chunk == "!" and token[j].islower()
    return True


@lru_cache(maxsize=8192)
def _fold_leet_token(token: str) -> str | None:
    """The token with its leetspeak folded, or None if it is a number, a code or an ordinary word."""
    letters = [c for c in token if c.isalpha()]
    if not letters:
        return None
    lowered = token.lower()
    if lowered in _NUMERONYMS or _UNIT.fullmatch(lowered):
        return None
    runs = _runs(token)
    if runs is None or len(runs) == 1:
        return None
    letter_runs = [j - i for is_letter, i, j in runs if is_letter]
    upper = all(c.isupper() for c in letters)
    if upper and max(letter_runs) == 1:
        return None
    folded = {k for k in range(len(runs)) if not runs[k][0] and _leet_run(token, runs, k)}
    last = len(runs) - 1
    if not runs[last][0] and last not in folded:
        _, i, j = runs[last]
        if j - i == 1 and token[i].isdigit() and folded - {0}:
            folded.add(last)
    if folded and token[0] == "@" and set(token[: runs[0][2]]) <= {"@", "$"}:
        folded.add(0)
    if not folded:
        return None
    chars = list(token)
    for k in folded:
        _, i, j = runs[k]
        chunk = token[i:j]
        replacement = "ll" if chunk == "11" else "".join(_LEET[c] for c in chunk)
        chars[i:j] = replacement.upper() if upper else replacement
    return "".join(chars)


# "@" followed by a name that is longer than three characters, holds "_" or "." or a non-ASCII letter, or is in
# capitals ("@BBC"): a handle, not "@" standing for "a".
_HANDLE = re.compile(r"@(?=[^\W_]*[_.][^\W_]|[^\W_]{4}|[^\W_]*[^\W\x00-\x7f]|[A-Z0-9]+\b)")


# The rest of a token from where a leet run ends: letters, digits, "@", "$" and "!", one search instead of a loop
# over the characters of a handle. `\w` also takes "_", which ends a token.
_TOKEN_REST = re.compile(r"[\w@$!]*")


def _fold_leet(work: _Work) -> None:
    text = work.text
    skip: list[tuple[int, int]] | None = None
    edits: list[tuple[int, str]] = []
    end = 0
    candidates = _LEET_CANDIDATES.finditer(text)
    if "$$" in text:
        candidates = sorted((*candidates, *_DOUBLE_DOLLAR_AFTER_LETTER.finditer(text)), key=lambda m: m.start())
    for match in candidates:
        start, stop = match.span()
        if start < end or not (
            (start > 0 and _is_latin_letter(text[start - 1])) or (stop < len(text) and _is_latin_letter(text[stop]))
        ):
            continue
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "@$!"):
            start -= 1
        rest = _TOKEN_REST.match(text, stop).group()
        end = stop + (underscore if (underscore := rest.find("_")) >= 0 else len(rest))
        # The name of a handle may hide leetspeak, its "@" is no letter.
        first = start + 1 if _HANDLE.match(text, start) else start
        folded = _fold_leet_token(text[first:end])
        if folded is None:
            continue  # most tokens, so URLs and e-mail addresses are only looked for once one would fold
        if skip is None:
            skip = _not_words(text)
        if not any(i < end and start < j for i, j in skip):
            edits.append((first, folded))
    work.substitute(edits)


# Step 6: stretched words.

_TRIPLE = re.compile(r"([A-Za-z])\1\1+")
_ROMAN = re.compile(r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.IGNORECASE)
_SINGLE_IN_ENGLISH = frozenset("ahijquvyAHIJQUVY")
_NEVER_SHRUNK = frozenset("kxwKXW")


def _shrink_stretched(work: _Work) -> None:
    text = work.text
    skip = _not_words(text)
    spans: list[tuple[int, int]] = []
    for match in _TRIPLE.finditer(text):
        start, end = match.span()
        letter = match.group(1)
        if letter in _NEVER_SHRUNK or any(i < end and start < j for i, j in skip):
            continue
        word_start, word_end = start, end
        while word_start > 0 and text[word_start - 1].isascii() and text[word_start - 1].isalpha():
            word_start -= 1
        while word_end < len(text) and text[word_end].isascii() and text[word_end].isalpha():
            word_end += 1
        word = text[word_start:word_end]
        if len(set(word.lower())) == 1 or _ROMAN.fullmatch(word) or (letter.isupper() and not word.isupper()):
            continue
        keep = 1 if letter in _SINGLE_IN_ENGLISH else 2
        spans.append((start + keep, end))
    for i, j in spans:
        work.extend_end(i - 1, j - 1)
    work.drop(spans)


# The pre-tests of steps 4-6 read the UTF-8 bytes of a text whose word characters are all ASCII, translated to one
# letter per class: a search for a literal is several times quicker than one for classes of characters. Bytes from
# 0x80 (the non-ASCII characters) are neither word characters nor letters.
_WORD_BYTES = bytes(ord("a") if chr(b).isalnum() or chr(b) == "_" else ord(" ") for b in range(128)) + b" " * 128
_LEET_BYTES = (
    bytes(ord("a") if chr(b).isalpha() else ord("1") if chr(b) in "0123456789@$!" else ord(" ") for b in range(128))
    + b" " * 128
)
# Three one-character words in a row, in b" " + the text translated by `_WORD_BYTES`.
_THREE_SINGLE_WORDS = re.compile(rb" a  *a +a(?!a)")
# A leet character before a letter, in the text translated by `_LEET_BYTES`: what `_LEET_CANDIDATES` finds. (A regex,
# as `in` on bytes costs more than this search.)
_LEET_BEFORE_LETTER = re.compile(rb"1a")
# The same, at the start of a run as `_LEET_CANDIDATES.finditer` reads it, but not where a token starts that
# `_fold_leet_token` leaves alone whatever is around it: a number with a unit ("5pm", "10th", "100k") or "@" and four
# or more letters (a handle). Most drafts `_LEET_BEFORE_LETTER` lets through hold only such tokens. ASCII, like the
# `_BYTES` tables; the leading class keeps the engine's quick skip to candidate characters.
_TOKEN_CHAR = r"(?:[^\W_]|[@$!])"
_LEET_TO_READ = re.compile(
    rf"[0-9@$!](?<![0-9@$!].)(?!(?<!{_TOKEN_CHAR}.)(?i:(?<=\d)\d*{_UNIT_SUFFIX}|(?<=@)[a-z]{{4,}}+)(?!{_TOKEN_CHAR}))"
    r"[0-9@$!]*(?=[^\W\d_])",
    re.ASCII,
)
_TWO_ZEROS = re.compile(rb"\0\0")


def _may_fold(text: str, ascii_words: bool) -> tuple[bool, bool, bool]:
    """Whether steps 4, 5 and 6 each may find something in `text`; for most drafts none does.

    `ascii_words`: no non-ASCII character of the text is a word character, so `\\w` and `\\b` read it as ASCII.
    """
    data = text.encode("utf-8", "surrogatepass")
    if ascii_words:
        spaced = _THREE_SINGLE_WORDS.search(b" " + data.translate(_WORD_BYTES)) is not None
        leet = (
            _LEET_BEFORE_LETTER.search(data.translate(_LEET_BYTES)) is not None
            and _LEET_TO_READ.search(text) is not None
        )
    else:
        spaced = _MAYBE_SPACED.search(text) is not None
        leet = _LEET_CANDIDATES.search(text) is not None
    # Byte i of x ^ (x >> 8) is zero where bytes i and i + 1 are equal, so two zero bytes in a row are three equal
    # bytes in a row, as in any run of three identical ASCII letters: half the cost of a regex with a backreference,
    # and most drafts have none, so they skip `_TRIPLE`.
    x = int.from_bytes(data, "little")
    repeats = (x ^ (x >> 8)).to_bytes(len(data), "little")
    stretched = _TWO_ZEROS.search(repeats) is not None and _TRIPLE.search(text) is not None
    return spaced, leet or ("$" in text and "$$" in text), stretched  # one "$" is a quicker search than two


def _fold_words(work: _Work, ascii_words: bool, spaced: bool, leet: bool, stretched: bool) -> None:
    """Steps 4-6, each only when `_may_fold` found something for it to do in `work.text` as it is now.

    The pre-tests read the whole draft, so they are run once; a step that changes the text has the later steps
    tested again ("k 1 l l" only shows leetspeak once joined).
    """
    if spaced:
        before = work.text
        _join_spaced_letters(work)
        if work.text is not before:
            _, leet, stretched = _may_fold(work.text, ascii_words)
    if leet:
        before = work.text
        _fold_leet(work)
        if work.text is not before:
            stretched = _may_fold(work.text, ascii_words)[2]
    if stretched:
        _shrink_stretched(work)


# A non-ASCII character that steps 1-3 act on, or a non-ASCII word character (with none, `\w` reads the text as
# ASCII): an invisible, a mark or a look-alike, except a variation selector after a pictograph and a joiner between
# two, which step 1 keeps. A draft without one that is already in NFKC leaves steps 1-3 nothing to do.
_EMOJI_GLUE = "\ufe0e\ufe0f" + _ZWJ
_ACTED_ON = _INVISIBLE_CHARS.difference(_EMOJI_GLUE) | _MARK_CHARS | _ALWAYS_CHARS | _LOOKALIKE_CHARS
_PICTOGRAPH = f"[{_class_body(_PICTOGRAPH_RANGES)}]"
_GLUE_OUT_OF_PLACE = (
    f"(?<=[\ufe0e\ufe0f])(?<!{_PICTOGRAPH}[\ufe0e\ufe0f])"
    f"|(?<={_ZWJ})(?:(?<!{_PICTOGRAPH}{_ZWJ})(?<!{_PICTOGRAPH}\ufe0f{_ZWJ})|(?!{_PICTOGRAPH}))"
)
# The leading class lets the engine skip from one non-ASCII character to the next.
_FOR_STEPS_1_TO_3 = re.compile(f"[^\\x00-\\x7f](?:(?<=[\\w{_class_body(_ranges(_ACTED_ON))}])|{_GLUE_OUT_OF_PLACE})")


def _is_inert(char: str) -> bool:
    """Whether steps 1-3 leave `char` alone wherever it stands and it keeps a text in NFKC (quick check "yes")."""
    return (
        not char.isalnum()
        and char not in _ACTED_ON
        and char not in _EMOJI_GLUE
        and unicodedata.is_normalized("NFKC", char)
        and unicodedata.combining(char) == 0
        and char not in _COMPOSES_BACKWARDS
    )


# The symbols, punctuation and pictographs of those blocks that are inert: most drafts have no other non-ASCII
# character, and one search for any other (or emoji glue out of place) spares them `_FOR_STEPS_1_TO_3` and NFKC.
_INERT_BLOCKS = ((0x00A0, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7), (0x2000, 0x2BFF), (0x1F000, 0x1FAFF))
_INERT = _class_body(_ranges(c for low, high in _INERT_BLOCKS for c in map(chr, range(low, high + 1)) if _is_inert(c)))
_NOT_INERT = re.compile(f"[^\\x00-\\x7f](?:(?<![{_INERT}\ufe0e\ufe0f{_ZWJ}])|{_GLUE_OUT_OF_PLACE})")


def normalize(text: str) -> NormalizedText:
    """Fold the evasions described in the module docstring; the result maps every character back to `text`."""
    if (
        not text.isascii()
        and _NOT_INERT.search(text)
        and (_FOR_STEPS_1_TO_3.search(text) or not unicodedata.is_normalized("NFKC", text))
    ):
        return _normalize_non_ascii(text)
    spaced, leet, stretched = _may_fold(text, ascii_words=True)
    if not (spaced or leet or stretched):
        # Most drafts, ASCII or ASCII but for an emoji or two: nothing to fold, and no per-character map.
        return _normalized(text, text, None, None)
    work = _Work(text)
    _fold_words(work, True, spaced, leet, stretched)
    return work.result(text)


def _normalize_non_ascii(text: str) -> NormalizedText:
    """All six steps, for a draft with a character that steps 1-3 may change."""
    work = _Work(text)
    # Every character steps 1-3 look for is non-ASCII: the set of those is a fraction of the cost of the set of all.
    chars = frozenset(_NON_ASCII_CHAR.findall(text))
    if not chars.isdisjoint(_INVISIBLE_CHARS):
        _remove_invisibles(work)
    _nfkc(work, chars)
    if work.text != text:
        chars = frozenset(_NON_ASCII_CHAR.findall(work.text))
    _fold_lookalikes(work, chars)
    if not chars.isdisjoint(_MARK_CHARS):
        _drop_marks_on_ascii(work)
    # Folding look-alikes and dropping marks only remove non-ASCII characters or make them ASCII: `chars` still holds
    # every non-ASCII character left. With no word character among them, `\w` and `\b` read the text as ASCII.
    ascii_words = not any(char.isalnum() for char in chars)
    _fold_words(work, ascii_words, *_may_fold(work.text, ascii_words))
    return work.result(text)
