"""Which language a draft is in, cheaply: script first, then a small detector for Latin text."""

import functools
import re

SUPPORTED = ("en", "pl", "ar", "he", "zh")
DEFAULT = "en"

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_HEBREW = re.compile(r"[\u0590-\u05FF]")
_CJK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_POLISH_LETTERS = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
_WORD = re.compile(r"[a-z']+")
_ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "our",
        "your",
        "you",
        "we",
        "is",
        "are",
        "be",
        "this",
        "that",
        "it",
        "its",
    ]
)
_POLISH_FUNCTION_WORDS = frozenset(
    ["i", "w", "z", "na", "do", "nie", "się", "jest", "że", "to", "od", "po", "za", "dla", "jak", "już", "oraz", "czy"]
)


def detect_language(text: str) -> str:
    """The draft's language among SUPPORTED; DEFAULT when a text is too short to tell.

    Scripts decide Arabic, Hebrew and Chinese outright (counted by letters, so a
    Latin hashtag in an Arabic post does not flip it). Latin text is Polish when
    it has Polish letters; plainly English (by its function words) is English;
    what is left, lingua decides between English and Polish (restricted to
    those two: see STACK.md on lingua's cost and one-word texts).
    """
    letters = _LETTER.findall(text)
    if not letters:
        return DEFAULT
    counts = {
        "ar": len(_ARABIC.findall(text)),
        "he": len(_HEBREW.findall(text)),
        "zh": len(_CJK.findall(text)),
    }
    script, count = max(counts.items(), key=lambda item: item[1])
    if count * 3 >= len(letters):
        return script
    if _POLISH_LETTERS.search(text):
        return "pl"
    if len(letters) < 12:
        return DEFAULT
    words = _WORD.findall(text.lower())
    english = sum(word in _ENGLISH_FUNCTION_WORDS for word in words)
    polish = sum(word in _POLISH_FUNCTION_WORDS for word in words)
    if english >= 2 and english > 2 * polish:
        return "en"  # plainly English: skip the detector, the costliest step of a check
    detected = _latin_detector().detect_language_of(text)
    return "pl" if detected is not None and detected.name == "POLISH" else "en"


@functools.cache
def _latin_detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.POLISH).build()
