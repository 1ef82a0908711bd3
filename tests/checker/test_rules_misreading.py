"""The misreading rule on drafts: hashtags, handles and domains that can be read another way, and ones that cannot.

The rule is called directly (with the lexicon pass where a test says so), so the learned model cannot change what
these tests see.
"""

import pytest

from checker.normalize import normalize
from checker.pipeline import language_pipeline
from checker.rules import CheckContext, lexicon_findings, misreading_findings

pytestmark = pytest.mark.django_db


def findings(draft: str):
    return misreading_findings(normalize(draft).text, language_pipeline("en"))


def flagged(draft: str) -> list[tuple[str, str]]:
    """(quoted text, message) of each review-or-block finding of the rule."""
    return [(draft[f.start : f.end], f.message) for f in findings(draft) if f.severity in ("review", "block")]


@pytest.mark.parametrize(
    ("draft", "quoted", "reading"),
    [
        ("Toy swap this Saturday #kidsexchange", "#kidsexchange", "kid sex change"),
        ("Outgrown uniforms? Bring them to the #KidsExchange", "#KidsExchange", "kid sex change"),
        ("Fountain pens at #PenIsland, back-to-school sale", "#PenIsland", "penis land"),
        ("Stationery fans know it: #ThePenIsMightier", "#ThePenIsMightier", "the penis mightier"),
        ("Counselling made simple with @TherapistFinder", "@TherapistFinder", "the rapist finder"),
        ("Meet the team: #ourtherapists", "#ourtherapists", "our the rapists"),
        ("Watch the timelapse at speedofart.com", "speedofart", "speedo fart"),
        ("Live painting tonight #hallofart", "#hallofart", "hallo fart"),
        ("Meet the brewers #meetthesemen", "#meetthesemen", "meet the semen"),
        ("Fresh taps at Freddie's #freddiesale", "#freddiesale", "fred dies ale"),
        ("Half price at Freddie's #FreddiesSale", "#FreddiesSale", "fred dies sale"),
        ("Quiet hour is #KidNapTime", "#KidNapTime", "kidnap time"),
        ("Family portraits #KidsLaughter", "#KidsLaughter", "kid slaughter"),
        ("Our nurses are #heroinaction", "#heroinaction", "heroin action"),
        ("Summer in Bedfordshire #ThisIsLuton", "#ThisIsLuton", "this i slut on"),
        ("Swap dates: follow @kidsexchangeuk", "@kidsexchangeuk", "kid sex change uk"),
        ("Toy swap on Saturday #KIDSEXCHANGE", "#KIDSEXCHANGE", "kid sex change"),
        ("Recycling since 1978 at americanscrapmetal.com", "americanscrapmetal", "americans crap metal"),
        ("Best quarter ever #saleshitrecord", "#saleshitrecord", "sale shit record"),
        ("Italian power tools at @PowerGenItalia", "@PowerGenItalia", "power genitalia"),
    ],
)
def test_a_tag_handle_or_domain_with_a_risky_second_reading_needs_review(draft, quoted, reading):
    assert (quoted, f"“{quoted}” can also be read as “{reading}”.") in flagged(draft)


def test_capitals_excuse_a_drugs_reading_but_not_a_sexual_violent_or_deadly_one():
    """#HeroInAction shows its words; #PenIsland and #KidsLaughter are read lower-cased in search and links."""
    [hero] = findings("Today's hero: #HeroInAction")
    assert (hero.severity, hero.rule) == ("note", "misreading.run_together")
    assert "capitals already show" in hero.suggestion
    [lower] = findings("Today's hero: #heroinaction")
    assert lower.severity == "review"
    for draft in ("Pens at #PenIsland", "Portraits of #KidsLaughter", "Sale at #FreddiesSale", "Ask @ExpertsExchange"):
        assert [f.severity for f in findings(draft)] == ["review"], draft


@pytest.mark.parametrize(
    "draft",
    [
        # place names that hold a risky word
        "Our Scunthorpe store opens at nine #Scunthorpe",
        "Brass band concert tonight in #Penistone",
        "Weekend markets across #Essex and #Sussex",
        "Fossil hunting on the #Wessex coast",
        "Pop-up shop at #MiddlesexUniversity",
        "Lakeside cafes in #Cockermouth and #Clitheroe",
        "Hiking guides for #Cumbria",
        # everyday compounds a naive splitter cuts
        "Happy hour: #cocktailhour starts at 5",
        "Final push before the #deadline",
        "New personal best #deadlift",
        "Skincare from the #deadsea",
        "For the #diehardfans: limited vinyl",
        "Our #peacockblue velvet sofa",
        "Square dance tonight #hoedown",
        "Sweets for the fete: #candiedfruit",
        "Meet our #analyticsteam",
        "Meet Bella, our office #cockapoo",
        "Unisex fits for all #unisexfashion",
        # tags whose second reading is not worth a reviewer's time
        "Learn #newskills this term",
        "Boost your #jobskills with our free course",
        "Winter #hoodiesale: 30% off",
        "Square-toe boots for the #kidsshoes range",
        "Massage guns from #Theragun are back",
        "Bath-time treats: #bathcandle sets",
        "Come and see #homethis weekend",
        "Arsenal v Spurs #arsenalfc",
        # brands and the author's own boundaries
        "Eye tests with #Specsavers",
        "Quiz night at #Wetherspoons",
        "Knitting season is here #MadeWithOurYarn",
        "Brunch plans sorted #SundayFunday",
        "Our first shopfront, 1998 #ThrowbackThursday",
        "Today's look: linen everything #OOTD",
        "#tbt to our first market stall #DIY",
        "Pens and paper from @pen_island",
        "Our stand at pen-island.com",
    ],
)
def test_ordinary_tags_places_and_brands_pass(draft):
    assert flagged(draft) == []


def test_an_initialism_is_read_whole_in_the_authors_own_tag():
    """#ACAB also reads "a cab", but everyone online reads the initialism; the lexicon pass does not know it."""
    [acab] = findings("Cakes baked fresh daily #ACAB")
    assert (acab.category, acab.severity, acab.rule) == ("hate", "review", "misreading.initialism")
    [ffs] = findings("Our flash sale starts now #FFSFriday")
    assert ffs.category == "profanity"
    assert [f.category for f in findings("Weekend flash sale #FFS")] == ["profanity"]
    assert findings("Book #acabride home tonight") == []


def test_a_three_letter_tag_is_read_too():
    assert [f.category for f in findings("Weekend #FFS")] == ["profanity"]
    assert findings("Our favourite #tbt and #diy ideas") == []


def test_a_run_together_tag_that_says_a_risky_term_outright_is_a_topic_finding():
    [nazi] = findings("Spot the typo? Tag a #grammarnazi")
    assert (nazi.category, nazi.severity) == ("hate", "block")
    assert "reads as “grammar nazi”" in nazi.message


def test_second_reading_words_are_not_flagged_in_running_text_or_the_authors_reading():
    pipeline = language_pipeline("en")
    text = "Dead simple: kill time with die-hard fans, cum laude grads and a rooster's cock #diehardfans"
    normalized = normalize(text).text
    found = lexicon_findings(pipeline.nlp(normalized), pipeline, CheckContext()) + misreading_findings(
        normalized, pipeline
    )
    assert [f.severity for f in found] == ["note"]  # "die-hard", a violent idiom on a quiet day


def test_weapon_and_topic_words_outside_the_second_reading_topics_are_not_second_readings():
    """ "gun" in "the ra gun" (#Theragun), "god" in "go d..." would be noise; the author saying them is not."""
    assert flagged("Massage guns from #Theragun are back") == []
    [gun] = findings("Tickets for the #gunshowweekend on sale now")
    assert gun.category == "weapons"


def test_a_tag_is_read_once_per_pipeline():
    pipeline = language_pipeline("en")
    first = misreading_findings("Toy swap #kidsexchange", pipeline)
    assert "kidsexchange" in pipeline.tag_cache
    assert misreading_findings("Another swap #kidsexchange", pipeline)[0].message == first[0].message


def test_capitalised_words_whose_initials_spell_a_flagged_term_are_read_as_those_initials():
    [klub] = findings("Sign your little ones up for the Kids Kreative Klub this summer")
    assert (klub.rule, klub.category, klub.severity) == ("misreading.initials", "misreading", "review")
    assert "KKK" in klub.message
    assert [f.rule for f in findings("All Cakes Are Baked fresh daily")] == ["misreading.initials"]
    assert findings("Meet the New York Jets at the Leeds Arena Store today") == []


@pytest.mark.parametrize(
    ("draft", "named", "initials"),
    [
        ("Meet the Fresh Artisan Roasters Team at the market", "Fresh Artisan Roasters Team", "FART"),
        ("Our Community Recycling And Prevention scheme starts Monday", "Community Recycling And Prevention", "CRAP"),
        ("Everyone is welcome at our Sales Team Development day", "Sales Team Development", "STD"),
        ("Make Avocados Great Again with our brunch boards", "Make Avocados Great Again", "MAGA"),
    ],
)
def test_initials_are_a_second_reading_and_a_sentences_first_word_is_not_part_of_them(draft, named, initials):
    [finding] = findings(draft)

    assert draft[finding.start : finding.end] == named
    assert f"spell “{initials}”" in finding.message


@pytest.mark.parametrize(
    "draft",
    [
        "Armed Forces Day: 15% off for serving members and veterans with ID",  # AfD, a party
        "Try our Dine In Eat menu this weekend",  # die, a word risky only in a second reading
    ],
)
def test_three_initials_that_spell_a_word_only_by_chance_pass(draft):
    assert findings(draft) == []


def test_an_initialism_is_read_in_a_tag_and_in_initials():
    assert [f.rule for f in findings("Registration is open #STD2025")] == ["misreading.initialism"]
    assert [f.rule for f in findings("Book the Summer Tennis Day for juniors")] == ["misreading.initials"]


@pytest.mark.parametrize("lang", ["ar", "he", "zh"])
def test_latin_tags_and_initials_in_a_draft_of_another_script_are_read_as_english(lang):
    pipeline = language_pipeline(lang)
    native = {"ar": "تابعونا", "he": "עקבו אחרינו", "zh": "关注我们"}[lang]

    found = misreading_findings(f"{native} #therapistfinder (Arab Student Support)", pipeline)

    assert sorted(f.rule for f in found) == ["misreading.initials", "misreading.run_together"]
    assert misreading_findings(f"{native} #MadeWithOurYarn", pipeline) == []


def test_latin_tags_in_a_polish_draft_are_left_to_polish():
    assert misreading_findings("Nowa kolekcja #therapistfinder w sklepie", language_pipeline("pl")) == []


def test_every_name_in_a_web_address_is_read_like_a_tag():
    [subdomain] = findings("Recycle old laptops with our partner app: itscrap.example.com")
    assert subdomain.rule == "misreading.run_together"
    assert "its crap" in subdomain.message
    assert [f.rule for f in findings("Shop now at penisland.example.com/pens")] == ["misreading.run_together"]
    assert findings("Details at https://www.example.com/spring-sale or hello@example.com") == []
