"""Which language a draft is in, cheaply: script first, then a small detector for Latin text."""

import functools
import re

SUPPORTED = ("en", "pl", "ar", "he", "zh")
DEFAULT = "en"

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_HEBREW = re.compile(r"[\u0590-\u05FF]")
_OTHER_SCRIPTS = re.compile(
    r"[\u0590-\u05FF\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]"
)
_CJK = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_POLISH_LETTERS = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
_WORD = re.compile(r"[a-z']+")
_FEWEST_LETTERS = 12
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
        "new",
        "now",
        "all",
        "get",
        "just",
        "up",
        "out",
        "off",
        "more",
        "here",
        "today",
        "my",
        "us",
        "can",
        "will",
        "not",
        "what",
        "when",
        "how",
        "if",
        "as",
        "was",
        "has",
        "have",
        "every",
        "don't",
        "it's",
        "we're",
        "you're",
    ]
)
_POLISH_FUNCTION_WORDS = frozenset(
    [
        "i",
        "w",
        "z",
        "na",
        "do",
        "nie",
        "się",
        "sie",
        "jest",
        "że",
        "ze",
        "to",
        "od",
        "po",
        "za",
        "dla",
        "jak",
        "już",
        "juz",
        "oraz",
        "czy",
        "tylko",
        "bo",
        "ale",
        "tak",
    ]
)


def detect_language(text: str) -> str:
    """The draft's language among SUPPORTED; DEFAULT when a text is too short to tell.

    Scripts decide Arabic, Hebrew and Chinese outright (counted by letters, so a
    Latin hashtag in an Arabic post does not flip it). Latin text is Polish when
    it has Polish letters; plainly English (by its function words) is English;
    what is left, lingua decides between English and Polish (restricted to
    those two: see STACK.md on lingua's cost and one-word texts).
    """
    if not _OTHER_SCRIPTS.search(text):
        # Most drafts: Latin letters only (emoji and "£" aside), so there are no scripts to count.
        return "pl" if _POLISH_LETTERS.search(text) else _latin_language(text)
    letters = _LETTER.findall(text)
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
    return _latin_language(text)


def _latin_language(text: str) -> str:
    words = _WORD.findall(text.lower())
    english = sum(map(_ENGLISH_FUNCTION_WORDS.__contains__, words))
    polish = sum(map(_POLISH_FUNCTION_WORDS.__contains__, words))
    # Plainly English: skip the detector, the costliest step of a check. Polish typed without its letters
    # still has its own function words ("na", "się", "jest" -> "sie"), so one English word and no Polish one
    # is enough.
    if english > 2 * polish and (english >= 2 or polish == 0 and english == 1):
        return "en"
    if len(_NOT_LETTERS.sub("", text)) < _FEWEST_LETTERS:
        return DEFAULT
    detected = _latin_detector().detect_language_of(text)
    return "pl" if detected is not None and detected.name == "POLISH" else "en"


@functools.cache
def _latin_detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.POLISH).build()
