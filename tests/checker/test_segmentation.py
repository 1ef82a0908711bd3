"""A second reader's view of run-together hashtags: every plausible reading, and the risky ones the author missed."""

from collections.abc import Callable, Iterable, Sequence

import pytest

from checker.segmentation import (
    LONG_RUN,
    LONG_RUN_LIMIT,
    Occurrence,
    Reading,
    casing_disambiguates,
    intended_reading,
    misreadings,
    read_tag,
    readings,
    split_tag,
)


def flags(words: Iterable[str] = (), phrases: Iterable[tuple[str, ...]] = ()) -> Callable[[Sequence[str]], bool]:
    """A stand-in for the checker's rules: a reading is risky when it holds one of the words or phrases."""
    word_set, phrase_list = set(words), list(phrases)

    def is_risky(reading: Sequence[str]) -> bool:
        if word_set.intersection(reading):
            return True
        return any(tuple(reading[i : i + len(phrase)]) == phrase for phrase in phrase_list for i in range(len(reading)))

    return is_risky


# The words a brand-safety reviewer would actually not want a tag to spell out.
REALISTIC = flags(
    {
        "anal", "sex", "rape", "rapist", "dead", "die", "dies", "kill", "nazi", "penis", "ass", "hell", "shit",
        "whore", "cock", "porn", "slut", "bitch", "crap", "piss", "nude", "bomb", "gun", "molestation",
    }
)  # fmt: skip

# "dead" alone would flag the intended "now thatcher is dead" too, and a reading is a misreading only when the
# intended one is innocent: what makes #nowthatcherisdead a blunder is that it announces Cher's death.
FAMOUS = flags({"rapist", "anal", "sex", "penis", "molestation"}, phrases=[("cher", "is", "dead")])


def words_of(found: list[Reading]) -> list[tuple[str, ...]]:
    return [reading.words for reading in found]


@pytest.mark.parametrize(
    ("tag", "risky_reading"),
    [
        ("therapistfinder", ("the", "rapist", "finder")),
        ("susanalbumparty", ("sus", "anal", "bum", "party")),
        ("expertsexchange", ("expert", "sex", "change")),
        ("nowthatcherisdead", ("now", "that", "cher", "is", "dead")),
        ("molestationnursery", ("molestation", "nursery")),
        ("penisland", ("penis", "land")),
    ],
)
def test_the_classic_hashtag_disasters_are_caught(tag: str, risky_reading: tuple[str, ...]) -> None:
    assert risky_reading in words_of(misreadings(tag, is_risky=FAMOUS))


def test_the_nursery_meant_mole_station_and_is_read_as_molestation() -> None:
    assert intended_reading("molestationnursery", is_risky=FAMOUS).words == ("mole", "station", "nursery")
    assert readings("molestationnursery")[0].words == ("molestation", "nursery")


def test_a_tag_that_already_says_dead_is_not_a_misreading() -> None:
    """With "dead" itself risky, "now thatcher is dead" is flagged by the ordinary rules, not as a misreading."""
    assert misreadings("nowthatcherisdead", is_risky=REALISTIC) == []
    assert intended_reading("nowthatcherisdead", is_risky=REALISTIC).words == ("now", "thatcher", "is", "dead")


def test_camel_case_is_still_read_as_one_string_but_the_caller_can_lower_the_severity() -> None:
    assert ("the", "rapist", "finder") in words_of(misreadings("TherapistFinder", is_risky=REALISTIC))
    assert ("penis", "land") in words_of(misreadings("PenIsland", is_risky=REALISTIC))
    assert casing_disambiguates("TherapistFinder")
    assert casing_disambiguates("therapist_finder")
    assert not casing_disambiguates("therapistfinder")
    assert not casing_disambiguates("THERAPISTFINDER")


def test_the_author_camel_case_is_the_intended_reading_even_when_a_risky_one_scores_higher() -> None:
    found = misreadings("PenIsMightier", is_risky=REALISTIC)
    assert intended_reading("PenIsMightier").words == ("pen", "is", "mightier")
    assert found[0].words == ("penis", "mightier")


def test_a_tag_whose_own_reading_is_risky_is_left_to_the_ordinary_rules() -> None:
    assert misreadings("TheRapistFinder", is_risky=REALISTIC) == []


@pytest.mark.parametrize(
    "tag",
    [
        "MadeWithOurYarn", "madewithouryarn", "SundayFunday", "newarrivals", "shoplocal", "summersale",
        "grandopening", "blackfridaydeals", "meetthemakers", "freeshipping", "backtoschool", "cleanbeauty",
        "flashsale", "behindthescenes", "throwbackthursday", "smallbusiness", "holidaygiftguide", "backinstock",
        "petsofinstagram", "farmersmarket", "selfcaresunday", "winetasting", "justlisted", "housewarming",
        "top10tips", "Summer_Sale_2024", "buy1get1",
    ],
)  # fmt: skip
def test_ordinary_marketing_tags_have_no_risky_reading(tag: str) -> None:
    assert misreadings(tag, is_risky=REALISTIC) == []


@pytest.mark.parametrize(
    "tag",
    [
        "grapeharvest", "hellofresh", "classicstyle", "glassware", "passportready", "shellfishfriday", "dietplan",
        "analyticsday", "assistantmanager", "brassband", "massagetherapy", "canalboat", "scrapbooking",
        "grapefruitjuice", "skillshare", "killerqueen", "essexweddings", "sussexwildlife", "indiemusic",
        "cocktailhour", "sextetlive", "analogphotography", "assetmanagement", "embassyevents", "bananabread",
    ],
)  # fmt: skip
def test_a_risky_word_hidden_inside_an_ordinary_word_is_not_a_reading(tag: str) -> None:
    """The Scunthorpe problem: "hell" is in "hello" and "sex" in "essex", but no plausible split shows them."""
    assert misreadings(tag, is_risky=REALISTIC) == []


def test_a_word_is_cut_only_into_real_words_common_enough_to_catch_the_eye() -> None:
    """the|rapist is read; cock|tail (cocktail is commoner) and es|sex (a two-letter piece) are not."""
    assert ("the", "rapist", "finder") in words_of(misreadings("TherapistFinder", is_risky=REALISTIC))
    assert ("fred", "dies", "sale") in words_of(misreadings("FreddiesSale", is_risky=REALISTIC))
    assert ("cock", "tail", "hour") in words_of(readings("cocktailhour", limit=50))
    assert misreadings("cocktailhour", is_risky=REALISTIC) == []
    assert ("es", "sex", "weddings") in words_of(readings("essexweddings", limit=50))
    assert misreadings("essexweddings", is_risky=REALISTIC) == []


def test_moved_word_boundaries_are_caught_in_brand_tags() -> None:
    assert ("whore", "presents", "you") in words_of(misreadings("WhoRepresentsYou", is_risky=REALISTIC))
    assert ("kid", "sex", "change", "day") in words_of(misreadings("KidsExchangeDay", is_risky=REALISTIC))
    assert ("shoe", "shit", "shelves") in words_of(misreadings("ShoesHitShelves", is_risky=REALISTIC))


def test_therapistfinder_has_both_readings_best_first() -> None:
    found = readings("therapistfinder")
    assert found[0].words == ("therapist", "finder")
    assert ("the", "rapist", "finder") in words_of(found)
    assert [reading.score for reading in found] == sorted((reading.score for reading in found), reverse=True)


def test_readings_ignore_the_hash_and_the_capitals_and_respect_the_limit() -> None:
    assert readings("#TherapistFinder") == readings("therapistfinder")
    assert readings("@ExpertsExchange")[0].words == ("experts", "exchange")
    assert len(readings("thisisaverylongtag", limit=2)) == 2
    assert readings("therapistfinder", limit=0) == []


def test_fewer_commoner_words_win() -> None:
    assert readings("madewithouryarn")[0].words == ("made", "with", "our", "yarn")
    assert readings("sundayfunday")[0].words == ("sunday", "funday")
    assert readings("blackfridaydeals")[0].words == ("black", "friday", "deals")


def test_digits_and_underscores_are_boundaries_every_reader_sees() -> None:
    assert readings("top10tips")[0].words == ("top", "10", "tips")
    assert readings("summer_sale2024")[0].words == ("summer", "sale", "2024")
    assert all("10" in reading.words for reading in readings("top10tips"))


def test_an_unknown_brand_name_still_reads_as_a_word() -> None:
    assert readings("xqzvbnsale")[0].words == ("xqzvbn", "sale")


def test_a_very_long_tag_is_read_only_its_best_few_ways() -> None:
    tag = "thisisaverylongtagthatkeepsgoingonandonforeverandeverwithoutstopping"
    assert len(tag) > LONG_RUN
    found = readings(tag)
    assert 1 <= len(found) <= LONG_RUN_LIMIT
    assert found[0].words[7:11] == ("going", "on", "and", "on")


def test_chinese_is_left_whole_for_jieba_and_arabic_and_hebrew_keep_their_underscore_pieces() -> None:
    assert words_of(readings("新店开业")) == [("新店开业",)]
    assert misreadings("新店开业", is_risky=REALISTIC) == []
    assert words_of(readings("HH88特惠"))[0] == ("hh", "88", "特惠")
    assert words_of(readings("اليوم_الوطني")) == [("اليوم", "الوطني")]
    assert split_tag("שבת_שלום") == ["שבת", "שלום"]


def test_polish_tags_are_read_with_polish_words() -> None:
    assert readings("nowakolekcja", lang="pl")[0].words == ("nowa", "kolekcja")
    assert readings("promocjanaweekend", lang="pl")[0].words == ("promocja", "na", "weekend")


@pytest.mark.parametrize(
    ("tag", "pieces"),
    [
        ("MadeWithOurYarn", ["made", "with", "our", "yarn"]),
        ("#SundayFunday", ["sunday", "funday"]),
        ("made_with_our_yarn", ["made", "with", "our", "yarn"]),
        ("summer-sale", ["summer", "sale"]),
        ("top10tips", ["top", "10", "tips"]),
        ("Summer_Sale2024", ["summer", "sale", "2024"]),
        ("NYCSale", ["nyc", "sale"]),
        ("BBCsale", ["bbc", "sale"]),
        ("madewithouryarn", []),
        ("MADEWITHOURYARN", []),
        ("Madewithouryarn", []),
    ],
)
def test_split_tag_follows_the_authors_own_boundaries(tag: str, pieces: list[str]) -> None:
    assert split_tag(tag) == pieces


# --- what counts as showing a risky term ----------------------------------------------------------------------------


def weak(*words: str) -> Callable[[Sequence[str]], list[Occurrence]]:
    """A finder for words that are risky only where a second reading moves the author's boundaries."""

    def find(reading: Sequence[str]) -> list[Occurrence]:
        return [(index, index + 1, False) for index, word in enumerate(reading) if word in words]

    return find


def nothing(words: Sequence[str]) -> bool:
    return False


@pytest.mark.parametrize("tag", ["DadsDeadliftChallenge", "deadlineday", "penistone", "Penistone", "sextetlive"])
def test_a_risky_word_at_the_start_of_a_word_is_its_etymology_not_a_misreading(tag: str) -> None:
    """dead|lift, dead|line, penis|tone, sex|tet: the head of a word is where the word comes from."""
    assert misreadings(tag, is_risky=flags({"dead", "penis", "sex"})) == []


def test_the_tail_of_a_word_still_counts_for_a_strong_term() -> None:
    assert ("the", "rapist", "finder") in words_of(misreadings("therapistfinder", is_risky=flags({"rapist"})))
    assert ("my", "the", "rapist", "says") in words_of(misreadings("mytherapistsays", is_risky=flags({"rapist"})))


def test_a_weak_word_counts_only_where_the_reading_moves_the_authors_boundaries() -> None:
    find = weak("dies", "cock", "dead", "fart", "semen")
    assert ("fred", "dies", "ale") in words_of(misreadings("freddiesale", is_risky=nothing, find=find))
    assert ("speedo", "fart") in words_of(misreadings("speedofart", is_risky=nothing, find=find))
    assert ("meet", "the", "semen") in words_of(misreadings("meetthesemen", is_risky=nothing, find=find))
    for tag in ("sweetcandies", "peacockfeathers", "buddiesforlife", "deadline", "gratefuldead", "diehardfans"):
        assert misreadings(tag, is_risky=nothing, find=find) == [], tag


def test_a_weak_word_inside_a_known_word_of_the_author_needs_a_reading_close_to_theirs() -> None:
    find = weak("crap", "die")
    assert ("americans", "crap", "metal") in words_of(misreadings("americanscrapmetal", is_risky=nothing, find=find))
    assert misreadings("ShopIndie", is_risky=nothing, find=find) == []  # "sho pin die"


def test_a_word_the_list_does_not_know_is_read_in_pieces() -> None:
    """ "freddies" is a name, not a known word: fred|dies is how anyone reads it, capitals or not."""
    assert ("fred", "dies", "sale") in words_of(misreadings("FreddiesSale", is_risky=nothing, find=weak("dies")))


def test_a_weak_word_far_below_the_intended_reading_does_not_count() -> None:
    assert ("hoo", "dies", "ale") in words_of(readings("hoodiesale", limit=20))
    assert misreadings("hoodiesale", is_risky=nothing, find=weak("dies")) == []
    assert misreadings("freddiesale", is_risky=nothing, find=weak("dies")) != []


def test_a_word_listed_as_whole_is_never_cut() -> None:
    risky = flags({"sex"})
    assert ("middle", "sex", "university") in words_of(misreadings("middlesexuniversity", is_risky=risky))
    assert misreadings("middlesexuniversity", is_risky=risky, whole={"middlesex"}) == []
    assert misreadings("MiddlesexCricket", is_risky=risky, whole={"middlesex"}) == []
    assert misreadings("kidsexchange", is_risky=risky, whole={"middlesex"}) != []


@pytest.mark.parametrize(
    ("tag", "term", "reading"),
    [
        ("homethis", "meth", ("ho", "meth", "is")),  # starts on a fragment
        ("comethat", "meth", ("co", "meth", "at")),
        ("bathcandle", "thc", ("ba", "thc", "and", "le")),  # an initialism found mid-string
        ("monthcare", "thc", ("mon", "thc", "are")),
        ("arsenalfc", "arse", ("arse", "nalfc")),  # a stretch that is no word
    ],
)
def test_readings_nobody_falls_into_do_not_count(tag: str, term: str, reading: tuple[str, ...]) -> None:
    assert misreadings(tag, is_risky=flags({term})) == []


def test_common_short_words_and_leftovers_do_not_stop_a_reading() -> None:
    assert ("it", "sex", "citing") in words_of(misreadings("itsexciting", is_risky=flags({"sex"})))
    assert ("women", "sex", "po") in words_of(misreadings("womensexpo", is_risky=flags({"sex"})))
    assert ("this", "i", "slut", "on") in words_of(misreadings("thisisluton", is_risky=flags({"slut"})))


def test_read_tag_gives_the_intended_reading_and_the_terms_that_count() -> None:
    intended, found = read_tag("kidsexchange", is_risky=flags({"sex"}))
    assert intended.words == ("kids", "exchange")
    assert (("kid", "sex", "change"), [(1, 2, True)]) in [(reading.words, terms) for reading, terms in found]
    assert read_tag("", is_risky=nothing) == (Reading((), 0.0), [])
