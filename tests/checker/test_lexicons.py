"""The lexicon files: every one loads and validates, each language is big enough,
ordinary brand words stay out of the topic lists, and the calendar knows its days.

No database: these read the shipped TOML files (and small ones written to tmp_path).
"""

from datetime import date
from pathlib import Path

import pytest
import spacy

from checker.lexicon import (
    IAB_SENSITIVE_TOPICS,
    LEXICON_DIR,
    MISREADING_FILE,
    TOPIC_CATEGORIES,
    LexiconError,
    SensitiveDate,
    available_languages,
    load_lexicon,
    load_misreading,
    load_sensitive_dates,
)

LANGUAGES = ["ar", "en", "he", "pl", "zh"]
SPECIAL_FILES = {"insensitive.toml", "idioms.toml", "promotion.toml", "events.toml"}

# Words a brand writes every day. None of them (nor their English lemma) may be a
# topic term, or ordinary posts would be held for review: the Scunthorpe problem
# at the level of the data.
ORDINARY_BRAND_WORDS = [
    "shoot",
    "shoots",
    "photo shoot",
    "shot",
    "shots",
    "espresso shot",
    "party",
    "launch party",
    "launch",
    "drop",
    "new drop",
    "execute",
    "execution",
    "capital",
    "bank",
    "bank holiday",
    "fire",
    "fired",
    "fired up",
    "blast",
    "had a blast",
    "killer",
    "kill",
    "killing",
    "dead",
    "die",
    "dying to",
    "vote",
    "campaign",
    "candidate",
    "president",
    "crush",
    "crushed it",
    "smash",
    "hit",
    "bomb",
    "explosive",
    "storm",
    "flood",
    "flooded",
    "heatwave",
    "blizzard",
    "avalanche",
    "landslide",
    "meltdown",
    "epicentre",
    "devastated",
    "slay",
    "slew",
    "rip",
    "ripped",
    "cured",
    "cure",
    "shot glass",
    "shooter",
    "high",
    "higher",
    "pot",
    "joint",
    "coke",
    "crack",
    "trip",
    "acid",
    "weed",
    "stoned",
    "nude",
    "naked",
    "regime",
    "coup",
    "conservative",
    "liberal",
    "woke",
    "party time",
    "magazine",
    "bullet",
    "bullet points",
    "arsenal",
    "trigger",
    "armed",
    "massage gun",
    "glue gun",
    "tribe",
    "christian",
    "god",
    "holy",
    "heaven",
    "angel",
    "devil",
    "sin",
    "bless",
    "grave",
    "memorial",
    "passing",
    "battered",
    "assault course",
    "sick",
    "viral",
    "contagious",
    "plague",
    "cancer",
    "aids",
]

SMALL_LANGUAGE_MINIMUM = 15
ENGLISH_MINIMUM = 40


@pytest.fixture(scope="module")
def english_lemma():
    """The checker's English lemmas: spaCy's lookup table, applied to lower-cased words."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize()
    return lambda word: " ".join(token.lemma_ for token in nlp(word.lower()))


def topic_terms(lang: str, category: str) -> set[str]:
    """Distinct listed words of one topic file, inflected forms counted once."""
    return {entry.base for entry in load_lexicon(lang).entries if entry.source == f"{lang}/{category}.toml"}


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


TOPIC_FILE = """
category = "politics"
rule = "topic.politics"
severity = "review"
iab = "Debated Sensitive Social Issues"
iab_risk = "medium"
message = "Politics."
suggestion = "Leave it out."
terms = ["election"]
"""


def test_the_five_languages_are_folders_and_each_loads():
    assert available_languages() == LANGUAGES
    for lang in LANGUAGES:
        lexicon = load_lexicon(lang)
        assert lexicon.lang == lang
        assert lexicon.entries
        assert lexicon.promotion_terms
        assert lexicon.promotion_patterns
        assert lexicon.events


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_every_topic_file_and_the_special_files(lang):
    files = {path.name for path in (LEXICON_DIR / lang).glob("*.toml")}
    optional = {MISREADING_FILE} if lang == "en" else set()  # the misreading rule reads English tags only
    assert files == {f"{category}.toml" for category in TOPIC_CATEGORIES} | SPECIAL_FILES | optional


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_complete_and_uses_known_values(lang):
    for entry in load_lexicon(lang).entries:
        assert entry.term == entry.term.lower() == entry.term.strip() != ""
        assert entry.category in TOPIC_CATEGORIES
        assert entry.severity in ("note", "review", "block")
        assert entry.iab in IAB_SENSITIVE_TOPICS or entry.iab == ""
        assert entry.iab_risk in ("floor", "high", "medium", "low")
        assert "" not in (entry.rule, entry.message, entry.suggestion)


def test_english_topic_lexicons_are_thorough():
    for category in TOPIC_CATEGORIES:
        assert len(topic_terms("en", category)) >= ENGLISH_MINIMUM, category


def test_english_special_files_meet_their_sizes():
    english = load_lexicon("en")
    insensitive = [e for e in english.entries if e.source == "en/insensitive.toml"]
    assert len({e.base for e in insensitive}) >= 60
    assert len({e.suggestion for e in insensitive}) >= 60, "each kind of wording has its own alternative"
    assert len({e.base for e in english.idioms}) >= 30
    assert len(english.promotion_terms) >= 40
    assert len(english.promotion_patterns) >= 8
    assert len(english.events) >= 40


@pytest.mark.parametrize(
    ("fundraisers", "error"),
    [
        ('["charity raffle"]', r"fundraiser 'charity raffle' holds no promotion term, so it excuses nothing"),
        ('["Bake sale"]', r"fundraiser 'Bake sale' must be non-empty lower case"),
        ('["bake sale", "bake sale"]', r"a fundraiser is listed twice"),
    ],
)
def test_a_fundraiser_mistake_in_the_promotion_file_is_reported(tmp_path, fundraisers, error):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE)
    write(tmp_path / "en", "promotion.toml", f'terms = ["sale"]\nfundraisers = {fundraisers}\n')
    with pytest.raises(LexiconError, match=error):
        load_lexicon("en", tmp_path)


@pytest.mark.parametrize(
    ("everyday", "error"),
    [
        ('["polling station"]', r"everyday phrase 'polling station' holds no term of this file, so it excuses nothing"),
        ('["Election Night"]', r"everyday phrase 'Election Night' must be non-empty lower case"),
        ('["election night", "election night"]', r"an everyday phrase is listed twice"),
    ],
)
def test_an_everyday_phrase_mistake_in_a_topic_file_is_reported(tmp_path, everyday, error):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE.replace("terms =", f"everyday = {everyday}\nterms ="))
    with pytest.raises(LexiconError, match=error):
        load_lexicon("en", tmp_path)


def test_everyday_phrases_load_from_the_topic_files():
    assert {"shooting star", "clay shooting"} <= set(load_lexicon("en").everyday)


def test_each_language_writes_an_events_day_and_year_in_its_own_forms():
    attacks = next(event for event in load_lexicon("en").events if event.name == "September 11 attacks")
    written = {lang: set(load_lexicon(lang).dates.written(attacks.month_day, attacks.year)) for lang in LANGUAGES}

    assert {"11 september 2001", "sept 11, 2001", "11th of september 2001", "09/11/2001", "2001-09-11"} <= written["en"]
    assert {"11 września 2001", "11.09.2001"} <= written["pl"]
    assert {"11 בספטמבר 2001", "ב-11 בספטמבר 2001"} <= written["he"]
    assert {"11 سبتمبر 2001", "11 أيلول 2001"} <= written["ar"]
    assert "2001年9月11日" in written["zh"]
    assert not any("2001" not in phrase for phrases in written.values() for phrase in phrases)


@pytest.mark.parametrize(
    ("dates", "error"),
    [
        (
            'formats = ["{day} {month_name}"]\nmonths = ' + str([f"m{n}" for n in range(12)]),
            r"must hold a day, a month",
        ),
        ('formats = ["{day} {weekday} {year}"]', r"unknown placeholder\(s\) weekday"),
        ('formats = ["{ordinal} {month} {year}"]', r"uses \{ordinal\}: list the 31 `ordinals`"),
        ('formats = ["{day} {month_name} {year}"]', r"uses \{month_name\}: list the 12 `months`"),
        ('formats = ["{day}.{month}.{year}"]\nmonths = ["january"]', r"months: expected a list of 12 items"),
        ("formats = []", r"list at least one format"),
    ],
)
def test_a_date_writing_mistake_in_the_events_file_is_reported(tmp_path, dates, error):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE)
    write(tmp_path / "en", "events.toml", f"[dates]\n{dates}\n")
    with pytest.raises(LexiconError, match=error):
        load_lexicon("en", tmp_path)


@pytest.mark.parametrize("lang", ["pl", "ar", "he", "zh"])
def test_other_languages_cover_every_topic(lang):
    for category in TOPIC_CATEGORIES:
        assert len(topic_terms(lang, category)) >= SMALL_LANGUAGE_MINIMUM, (lang, category)
    lexicon = load_lexicon(lang)
    assert lexicon.idioms
    assert lexicon.events
    assert lexicon.promotion_terms


def test_no_ordinary_brand_word_is_an_english_topic_term(english_lemma):
    english = load_lexicon("en")
    topic = {entry.term for entry in english.entries if entry.source in {f"en/{c}.toml" for c in TOPIC_CATEGORIES}}
    defused = {entry.term for entry in english.idioms}  # a longer idiom match wins over a topic word inside it

    def reaches_a_topic_term(phrase: str) -> bool:
        if phrase in topic or english_lemma(phrase) in topic:
            return True
        words = phrase.split()
        return phrase not in defused and any(w in topic or english_lemma(w) in topic for w in words)

    assert [phrase for phrase in ORDINARY_BRAND_WORDS if reaches_a_topic_term(phrase)] == []


def test_words_whose_base_form_is_too_broad_are_listed_narrowly(english_lemma):
    """'shooting' lemmatises to 'shoot', so the lexicon lists 'shooting' itself and never 'shoot'."""
    english = {entry.term: entry for entry in load_lexicon("en").entries}
    assert english_lemma("shooting") == "shoot"
    assert english["shooting"].category == "tragedy"
    assert "shoot" not in english
    assert english_lemma("dying") == "dye"
    assert english["dying"].category == "death"


def test_a_slur_blocks_and_everyday_ableist_wording_suggests_a_kinder_word():
    english = {entry.term: entry for entry in load_lexicon("en").entries}
    assert english["faggot"].severity == "block"
    assert english["faggot"].category == "hate"
    assert english["faggot"].iab_risk == "floor"
    crazy = english["crazy"]
    assert crazy.severity == "note"
    assert "unbelievable" in crazy.suggestion


def test_idioms_are_notes_that_name_the_incidents_that_raise_them():
    english = load_lexicon("en")
    assert all(entry.severity == "note" for entry in english.idioms)
    by_term = {entry.term: entry for entry in english.idioms}
    for idiom in ("killer deal", "fire sale", "to die for", "blow-out", "a riot of colour", "crash course"):
        assert idiom in by_term, idiom
    assert "disaster" in by_term["fire sale"].incident_kinds
    assert "violence" in by_term["killer deal"].incident_kinds


def test_promotion_patterns_find_offers_but_not_product_facts():
    patterns = load_lexicon("en").promotion_patterns

    def promotional(text: str) -> bool:
        return any(pattern.search(text) for pattern in patterns)

    assert promotional("Summer sale: 30% off everything")
    assert promotional("Use code SUN30 at checkout")
    assert promotional("Buy one, get one free")
    assert not promotional("Made from 100% organic cotton")
    assert not promotional("Our dress code is smart casual")


def test_polish_forms_are_matched_separately_and_grouped_under_their_base_form():
    polish = {entry.term: entry for entry in load_lexicon("pl").entries}
    for form in ("zamach", "zamachu", "zamachem", "zamachów"):
        assert polish[form].base == "zamach"
        assert polish[form].category == "tragedy"
    assert "polityka" not in polish, "also 'policy' (polityka prywatności)"


def test_chinese_lists_simplified_and_traditional_forms():
    chinese = {entry.term: entry for entry in load_lexicon("zh").entries}
    assert chinese["选举"].category == chinese["選舉"].category == "politics"
    assert chinese["選舉"].base == "选举"
    assert chinese["恐怖袭击"].severity == chinese["恐怖襲擊"].severity == "block"


def test_events_name_their_date_and_the_phrases_posts_use():
    events = {event.name: event for event in load_lexicon("en").events}
    attacks = events["September 11 attacks"]
    assert {"9/11", "nine eleven"} <= set(attacks.aliases)
    assert (attacks.month_day, attacks.year, attacks.category) == ("09-11", 2001, "tragedy")
    assert attacks.anniversary(2026) == date(2026, 9, 11)
    assert events["Tiananmen Square protests and massacre"].category == "politics"
    assert events["Grenfell Tower fire"].category == "disaster"


def by_name(name: str) -> SensitiveDate:
    return next(day for day in load_sensitive_dates() if day.name == name)


def test_a_fixed_anniversary_occurs_on_its_day_every_year():
    anniversary = by_name("Anniversary of the 11 September 2001 attacks")
    assert anniversary.occurs_on(date(2026, 9, 11))
    assert anniversary.occurs_on(date(2031, 9, 11))
    assert not anniversary.occurs_on(date(2026, 9, 12))


def test_memorial_day_is_the_last_monday_of_may():
    memorial_day = by_name("Memorial Day")
    assert memorial_day.occurs_on(date(2026, 5, 25))
    assert memorial_day.occurs_on(date(2027, 5, 31))
    assert not memorial_day.occurs_on(date(2026, 5, 18))
    assert not memorial_day.occurs_on(date(2027, 5, 24))


def test_a_fifth_weekday_occurs_only_in_months_that_have_one():
    def fifth_monday_of(month: str) -> SensitiveDate:
        return SensitiveDate(
            name="x", category="death", severity="note", message="m", suggestion="s", when=f"fifth-monday-of-{month}"
        )

    assert fifth_monday_of("march").occurs_on(date(2026, 3, 30))
    assert not any(fifth_monday_of("february").occurs_on(date(2026, 2, day)) for day in range(1, 29))


def test_a_day_that_moves_with_the_hebrew_calendar_is_listed_per_year():
    yom_hashoah = by_name("Yom HaShoah (Holocaust Remembrance Day in Israel)")
    assert yom_hashoah.occurs_on(date(2027, 5, 4))
    assert yom_hashoah.occurs_on(date(2026, 4, 14))
    assert not yom_hashoah.occurs_on(date(2027, 5, 5))


def test_the_calendar_has_the_anniversaries_the_brand_must_not_miss():
    on = {
        (day.month, day.day): [d.name for d in load_sensitive_dates() if d.occurs_on(day)]
        for day in (
            date(2026, 1, 27),
            date(2026, 8, 6),
            date(2026, 8, 9),
            date(2026, 11, 11),
            date(2026, 4, 10),
            date(2026, 10, 7),
            date(2026, 12, 26),
            date(2026, 3, 11),
            date(2026, 4, 15),
            date(2026, 6, 14),
            date(2026, 3, 15),
            date(2026, 5, 22),
            date(2026, 6, 12),
            date(2026, 12, 14),
            date(2026, 10, 1),
            date(2026, 8, 4),
        )
    }
    assert all(on.values()), [key for key, names in on.items() if not names]


def test_a_malformed_file_is_reported_with_its_name(tmp_path):
    write(tmp_path / "en", "politics.toml", 'category = "politics"\nterms = ["election"\n')
    with pytest.raises(LexiconError, match=r"politics\.toml: not valid TOML"):
        load_lexicon("en", tmp_path)


def test_an_unknown_severity_is_reported_with_the_file_and_the_value(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE.replace('"review"', '"urgent"'))
    with pytest.raises(LexiconError, match=r"en/politics\.toml: .*severity 'urgent' is not one of note, review, block"):
        load_lexicon("en", tmp_path)


def test_an_unknown_category_or_risk_tier_is_reported(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE.replace('category = "politics"', 'category = "gossip"'))
    with pytest.raises(LexiconError, match=r"category 'gossip'"):
        load_lexicon("en", tmp_path)
    write(tmp_path / "pl", "politics.toml", TOPIC_FILE.replace('iab_risk = "medium"', 'iab_risk = "severe"'))
    with pytest.raises(LexiconError, match=r"pl/politics\.toml: .*iab_risk 'severe'"):
        load_lexicon("pl", tmp_path)


def test_a_term_listed_under_two_categories_is_reported_with_both_files(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE.replace('"election"', '"coup"'))
    write(
        tmp_path / "en",
        "violence.toml",
        TOPIC_FILE.replace('"politics"', '"violence"')
        .replace('"topic.politics"', '"topic.violence"')
        .replace('"election"', '"coup"'),
    )
    with pytest.raises(
        LexiconError, match=r"en/politics\.toml and en/violence\.toml: term 'coup'.*'politics' and 'violence'"
    ):
        load_lexicon("en", tmp_path)


def test_an_empty_term_is_reported(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE.replace('["election"]', '["election", ""]'))
    with pytest.raises(LexiconError, match=r"en/politics\.toml: .*empty"):
        load_lexicon("en", tmp_path)


def test_an_insensitive_entry_without_its_own_suggestion_is_reported(tmp_path):
    write(
        tmp_path / "en",
        "insensitive.toml",
        'rule = "wording.insensitive"\nseverity = "note"\niab = ""\niab_risk = "low"\ncategory = "hate"\n'
        'suggestion = "Be kind."\n[[entries]]\nterm = "lame"\nmessage = "Ableist."\n',
    )
    with pytest.raises(LexiconError, match=r"en/insensitive\.toml: .*'lame'.*own suggestion"):
        load_lexicon("en", tmp_path)


def test_a_calendar_rule_it_cannot_read_is_reported(tmp_path):
    write(
        tmp_path,
        "sensitive_dates.toml",
        '[[dates]]\nname = "Memorial Day"\nwhen = "last-monday-in-may"\ncategory = "death"\nseverity = "review"\n'
        'message = "m"\nsuggestion = "s"\n',
    )
    with pytest.raises(LexiconError, match=r"sensitive_dates\.toml: .*'Memorial Day'.*'last-monday-in-may'"):
        load_sensitive_dates(tmp_path)


def test_a_small_lexicon_in_another_folder_loads(tmp_path):
    write(tmp_path / "xx", "politics.toml", TOPIC_FILE)
    assert available_languages(tmp_path) == ["xx"]
    [entry] = load_lexicon("xx", tmp_path).entries
    assert (entry.term, entry.base, entry.category, entry.source) == (
        "election",
        "election",
        "politics",
        "xx/politics.toml",
    )


# --- misreading.toml ------------------------------------------------------------------------------------------------

MISREADING = """
rule = "misreading.run_together"
severity = "review"
message = "A second reading."
suggestion = "Capitalise."
iab_risk = "high"
whole = ["middlesex"]

[[entries]]
category = "death"
terms = ["dead", ["die", "dies"]]
"""


def test_english_misreading_words_load_apart_from_the_words_matched_in_running_text():
    misreading = load_misreading("en")
    hidden = {entry.term: entry for entry in misreading.hidden}
    assert {"cock", "cum", "dead", "dies", "fart", "poo", "kidnap"} <= set(hidden)
    assert hidden["dies"].base == "die"
    assert hidden["cum"].category == "sexual"
    assert all(entry.rule == "misreading.run_together" and entry.message for entry in misreading.hidden)
    assert {entry.term for entry in misreading.tag_terms} >= {"ffs", "acab"}
    assert {"middlesex", "wessex", "unisex"} <= misreading.whole
    running_text = {entry.term: entry for entry in load_lexicon("en").entries}
    both = set(running_text) & set(hidden)
    assert both == {"crap"}, 'a second-reading word is not flagged in a sentence ("crap" is a note there)'
    assert running_text["crap"].severity == "note"
    assert load_misreading("pl") == load_misreading("pl").__class__()


def test_a_misreading_word_that_a_topic_file_already_flags_is_reported(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE)
    write(tmp_path / "en", MISREADING_FILE, MISREADING.replace('"dead"', '"election"'))
    with pytest.raises(LexiconError, match=r"en/misreading\.toml: term 'election' is already flagged by en/politics"):
        load_misreading("en", tmp_path)


def test_a_topic_note_may_be_a_misreading_word(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE.replace('severity = "review"', 'severity = "note"'))
    write(tmp_path / "en", MISREADING_FILE, MISREADING.replace('"dead"', '"election"'))
    assert "election" in {entry.term for entry in load_misreading("en", tmp_path).hidden}
    assert "election" in {entry.term for entry in load_lexicon("en", tmp_path).entries}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (('"dead"', '"drop dead"'), r"term 'drop dead' must be one word of letters"),
        (('["die", "dies"]', '["die", "die"]'), r"a form is listed twice"),
        (('whole = ["middlesex"]', 'whole = ["Middlesex"]'), r"whole word 'Middlesex' must be one lower-case word"),
        (('category = "death"', 'category = "death"\nany_reading = "yes"'), r"any_reading must be true or false"),
        (('category = "death"', 'category = "morbid"'), r"category 'morbid'"),
        (('rule = "misreading.run_together"', 'rules = "x"'), r"unknown key\(s\) rules"),
    ],
)
def test_a_misreading_file_mistake_is_reported_with_its_name(tmp_path, change, error):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE)
    write(tmp_path / "en", MISREADING_FILE, MISREADING.replace(*change))
    with pytest.raises(LexiconError, match=error):
        load_misreading("en", tmp_path)


def test_the_misreading_file_is_not_read_as_a_topic_file(tmp_path):
    write(tmp_path / "en", "politics.toml", TOPIC_FILE)
    write(tmp_path / "en", MISREADING_FILE, MISREADING)
    assert {entry.term for entry in load_lexicon("en", tmp_path).entries} == {"election"}
    initialism = MISREADING + '\n[[entries]]\ncategory = "hate"\nany_reading = true\nterms = ["acab"]\n'
    write(tmp_path / "pl", "politics.toml", TOPIC_FILE)
    write(tmp_path / "pl", MISREADING_FILE, initialism)
    loaded = load_misreading("pl", tmp_path)
    assert [entry.term for entry in loaded.tag_terms] == ["acab"]
    assert [entry.term for entry in loaded.hidden] == ["dead", "die", "dies"]
