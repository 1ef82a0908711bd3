"""A draft that hides a word from the matchers is read as the word, and findings still point at what was typed."""

import random

import pytest

from checker.normalize import normalize


def typed_as(draft: str, word: str) -> str:
    """The characters of `draft` that the checker reads as `word` (fails if it does not read `word` at all)."""
    normalized = normalize(draft)
    start = normalized.text.index(word)
    begin, end = normalized.original_span(start, start + len(word))
    return draft[begin:end]


def assert_unchanged(draft: str) -> None:
    normalized = normalize(draft)
    assert normalized.text == draft
    assert normalized.offsets == tuple(range(len(draft) + 1))
    assert all(normalized.original_span(i, i + 1) == (i, i + 1) for i in range(len(draft)))


def test_zero_width_spaces_inside_a_word_are_read_through_and_highlighted_with_the_word():
    draft = "Big k\u200bi\u200bll deal"

    assert normalize(draft).text == "Big kill deal"
    assert typed_as(draft, "kill") == "k\u200bi\u200bll"
    assert typed_as(draft, "deal") == "deal"


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",  # zero-width space
        "\u200c",  # zero-width non-joiner
        "\u200d",  # zero-width joiner
        "\u2060",  # word joiner
        "\ufeff",  # byte order mark
        "\u00ad",  # soft hyphen
        "\u200e",  # left-to-right mark
        "\u200f",  # right-to-left mark
        "\u061c",  # Arabic letter mark
        "\u202a",  # left-to-right embedding
        "\u202e",  # right-to-left override
        "\u2066",  # left-to-right isolate
        "\u2069",  # pop directional isolate
        "\ufe00",  # variation selector 1
        "\ufe0f",  # variation selector 16
        "\U000e0041",  # tag letter A
    ],
)
def test_each_invisible_character_hiding_inside_a_word_is_removed(invisible):
    draft = f"so ki{invisible}ll it"

    assert normalize(draft).text == "so kill it"
    assert typed_as(draft, "kill") == f"ki{invisible}ll"


def test_an_invisible_character_after_a_word_is_not_part_of_its_highlight():
    assert typed_as("kill\u200b deal", "kill") == "kill"


def test_full_width_letters_read_as_ascii():
    draft = "a ｋｉｌｌｅｒ deal"

    assert normalize(draft).text == "a killer deal"
    assert typed_as(draft, "killer") == "ｋｉｌｌｅｒ"


def test_a_ligature_expands_and_both_letters_point_at_it():
    normalized = normalize("ﬁre sale")

    assert normalized.text == "fire sale"
    assert normalized.original_span(0, 1) == (0, 1)
    assert normalized.original_span(1, 2) == (0, 1)
    assert normalized.original_span(0, 4) == (0, 3)
    assert normalized.original_span(5, 9) == (4, 8)


def test_mathematical_bold_and_small_capitals_and_squared_letters_read_as_letters():
    assert typed_as("so 𝐤𝐢𝐥𝐥 it", "kill") == "𝐤𝐢𝐥𝐥"
    assert typed_as("so ᴋɪʟʟ it", "kill") == "ᴋɪʟʟ"
    assert typed_as("so 🅺🅸🅻🅻 it", "KILL") == "🅺🅸🅻🅻"


def test_strike_through_marks_on_latin_letters_are_dropped_and_highlighted_with_the_letters():
    draft = "a k\u0336i\u0336l\u0336l\u0336 deal"

    assert normalize(draft).text == "a kill deal"
    assert typed_as(draft, "kill") == "k\u0336i\u0336l\u0336l\u0336"


def test_a_decomposed_accent_is_composed_and_polish_letters_stay():
    normalized = normalize("cafe\u0301 open")

    assert normalized.text == "café open"
    assert normalized.original_span(3, 4) == (3, 5)
    assert_unchanged("Zażółć gęślą jaźń, promocja -20% do niedzieli")


def test_a_cyrillic_i_inside_an_english_word_is_folded():
    draft = "Big kіll deal"  # the "і" is CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I

    assert normalize(draft).text == "Big kill deal"
    assert typed_as(draft, "kill") == "kіll"


def test_a_word_spelt_only_with_look_alikes_is_folded_in_an_english_draft():
    draft = "Hot ѕех tonight"  # DZE, IE, HA

    assert normalize(draft).text == "Hot sex tonight"


def test_upper_case_cyrillic_and_greek_look_alikes_fold_inside_latin_words():
    assert normalize("КILL the price").text == "KILL the price"
    assert normalize("a Κiller deal").text == "a Killer deal"  # GREEK CAPITAL LETTER KAPPA


@pytest.mark.parametrize(
    "draft",
    [
        "Привет, как дела",
        "Убрать сор в парке",  # every letter of "сор" has a Latin look-alike: still Russian
        "Привіт і до зустрічі",  # Ukrainian "і" on its own
        "Καλημέρα κόσμε, ναι",
        "Купите iPhone сейчас",
    ],
)
def test_russian_ukrainian_and_greek_text_is_left_alone(draft):
    assert_unchanged(draft)


def test_arabic_loses_only_the_right_to_left_mark():
    draft = "مرحبا\u200f بالعالم"

    normalized = normalize(draft)

    assert normalized.text == "مرحبا بالعالم"
    assert typed_as(draft, "بالعالم") == "بالعالم"
    assert typed_as(draft, "مرحبا") == "مرحبا"


def test_arabic_stretching_stroke_is_read_through():
    draft = "لا تقتـــل"

    assert normalize(draft).text == "لا تقتل"
    assert typed_as(draft, "تقتل") == "تقتـــل"


@pytest.mark.parametrize(
    "draft",
    [
        "مرحبا بالعالم، تخفيضات نهاية الأسبوع",
        "שלום עולם, מבצע סוף שבוע: 20% הנחה",
        "我们的新品今天上市，欢迎选购！",
        "我們的新品今天上市，歡迎選購！",
        "红、黄、蓝三种颜色",
        "新款跑鞋周五上午10点正式发售 👟 #新品发布",
        "خصم50% على كل شيء",
        "מבצע10 אחוז",
    ],
)
def test_arabic_hebrew_and_chinese_are_unchanged(draft):
    assert_unchanged(draft)


def test_emoji_sequences_keep_their_joiners_selectors_and_tags():
    england = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"

    assert_unchanged(f"Launch day 🎉🚀 ❤️ 👩\u200d💻 👨\u200d👩\u200d👧 👍🏽 1️⃣ 🏳️\u200d🌈 {england}")


@pytest.mark.parametrize(
    "draft",
    [
        "20% off until 2026",
        "B2B and 4K TV",
        "Open 24/7, 4x4 rentals, 3D printing, 5G, 10k run, 1080p video",
        "the 1st, 2nd, 3rd and 4th of May at 3pm, back to the 90s",
        "mp3 player, Galaxy A55, win10, covid19, Web3, H5N1, h1n1, a11y, i18n, gr8",
        "$AAPL is up, US$5 off, price $19.99",
        "Hi! Great!thanks, Sale!Buy now",
        "follow @mike and @postguard, mail me@example.com or see https://example.com/k1ll",
        "Hi @jen_m, @mia.glow and @BBC, ask @小王 too",
        "Scunthorpe United",
        "e.g. on 12.05.2026 at 10:30, i.e. version 1.2.3",
    ],
)
def test_numbers_codes_handles_and_ordinary_words_are_not_leetspeak(draft):
    assert_unchanged(draft)


@pytest.mark.parametrize(
    ("draft", "read_as"),
    [
        ("k1ll", "kill"),
        ("sh1t", "shit"),
        ("@ss", "ass"),
        ("$ale", "sale"),
        ("k!ll", "kill"),
        ("b00bs", "boobs"),
        ("ki11er", "killer"),
        ("5hit", "shit"),
        ("a$$", "ass"),
        ("@$$hole", "asshole"),
        ("s3x", "sex"),
        ("k1ll3r5", "killers"),
        ("K1LL", "KILL"),
    ],
)
def test_leetspeak_inside_a_word_is_read_as_letters(draft, read_as):
    sentence = f"a {draft} deal"

    assert normalize(sentence).text == f"a {read_as} deal"
    assert typed_as(sentence, read_as) == draft


def test_a_hashtag_or_handle_with_leetspeak_keeps_its_hash_or_at_sign():
    assert normalize("#k1ll").text == "#kill"
    assert normalize("follow @k1ller_deals").text == "follow @killer_deals"
    assert normalize("@ss，").text == "ass，"


@pytest.mark.parametrize(
    ("draft", "read_as"),
    [
        ("k.i.l.l", "kill"),
        ("k-i-l-l", "kill"),
        ("k i l l", "kill"),
        ("f*u*c*k", "fuck"),
        ("k . i . l . l", "kill"),
        ("k-1-l-l", "kill"),
    ],
)
def test_letters_spaced_apart_are_joined_and_highlighted_as_typed(draft, read_as):
    sentence = f"what a {draft} offer"

    assert normalize(sentence).text == f"what a {read_as} offer"
    assert typed_as(sentence, read_as) == draft


def test_an_article_before_spaced_letters_stays_a_word_of_its_own():
    assert normalize("such a b i t c h").text == "such a bitch"
    assert normalize("you a s s").text == "you ass"


def test_abbreviations_join_but_short_ones_stay():
    assert normalize("Made in the U.S.A. since 1990").text == "Made in the USA. since 1990"
    assert_unchanged("e.g. a.m. U.K. A-Z")


@pytest.mark.parametrize(
    ("draft", "read_as"),
    [("kiiiill", "kill"), ("killlll", "kill"), ("shiiiit", "shit"), ("hellllo", "hello"), ("sooooo", "soo")],
)
def test_stretched_letters_shrink_and_the_highlight_covers_the_whole_stretch(draft, read_as):
    sentence = f"{draft} deal"

    assert normalize(sentence).text == f"{read_as} deal"
    assert typed_as(sentence, read_as) == draft


@pytest.mark.parametrize(
    "draft",
    ["KKK", "Join the #KKKnittingClub", "hugs xxx", "World War III and Henry VIII", "zzz", "visit www.example.com"],
)
def test_repeated_letters_that_mean_something_stay(draft):
    assert_unchanged(draft)


def test_evasions_combine_in_one_draft():
    draft = "This k1ll3r deal is to d1e for: ｆｉｒｅ sale, k\u200bi\u200bll the competition, sooooo good"

    normalized = normalize(draft)

    assert normalized.text == "This killer deal is to die for: fire sale, kill the competition, soo good"
    assert typed_as(draft, "killer") == "k1ll3r"
    assert typed_as(draft, "fire sale") == "ｆｉｒｅ sale"
    assert typed_as(draft, "kill the") == "k\u200bi\u200bll the"


def test_empty_draft():
    normalized = normalize("")

    assert normalized.text == ""
    assert normalized.offsets == (0,)
    assert normalized.original_span(0, 0) == (0, 0)


def test_a_span_outside_the_text_is_refused():
    with pytest.raises(ValueError, match="outside"):
        normalize("kill").original_span(2, 5)


ROUND_TRIP_DRAFTS = [
    "Big k\u200bi\u200bll deal",
    "ﬁre sale ｋｉｌｌ 𝐤𝐢𝐥𝐥 café",
    "k.i.l.l f*u*c*k k i l l, kiiiill killlll",
    "a k1ll3r deal @ss $ale k!ll U.S.A.",
    "مرحبا\u200f بالعالم لا تقتـــل",
    "Big kіll deal, Hot ѕех",
    "Launch 🎉 ❤️ 👩\u200d💻 k\u0336i\u0336l\u0336l\u0336 ｶﾞ e\u0301",
    "我们的新品今天上市，欢迎选购！",
    "20% off until 2026, B2B and 4K TV",
]


@pytest.mark.parametrize("draft", ROUND_TRIP_DRAFTS)
def test_every_span_maps_back_inside_the_draft_and_in_order(draft):
    normalized = normalize(draft)
    n = len(normalized.text)
    rng = random.Random(draft)
    spans = [(i, i + 1) for i in range(n)]
    spans += [tuple(sorted((rng.randint(0, n), rng.randint(0, n)))) for _ in range(300)]

    assert len(normalized.offsets) == n + 1
    assert normalized.offsets[-1] == len(draft)
    for start, end in spans:
        begin, stop = normalized.original_span(start, end)
        assert 0 <= begin <= stop <= len(draft)
        assert (stop > begin) == (end > start)
    for start, end in spans:
        for later_start, later_end in spans:
            if start <= later_start and end <= later_end and start < end and later_start < later_end:
                begin, stop = normalized.original_span(start, end)
                later_begin, later_stop = normalized.original_span(later_start, later_end)
                assert begin <= later_begin
                assert stop <= later_stop


def test_the_same_draft_always_normalises_the_same_way():
    draft = ROUND_TRIP_DRAFTS[3]

    assert normalize(draft) == normalize(draft)
