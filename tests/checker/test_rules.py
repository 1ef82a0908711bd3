"""Each rule family, as a careful second reader would apply it to real drafts."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from checker.pipeline import language_pipeline
from checker.rules import CheckContext, lexicon_findings
from checker.services import check_text

pytestmark = pytest.mark.django_db


def categories(report) -> set[str]:
    return {finding.category for finding in report.findings}


def quoted(report, category: str) -> list[str]:
    return [report.text[f.start : f.end] for f in report.findings if f.category == category]


@pytest.mark.parametrize(
    ("draft", "category"),
    [
        ("Election day! Whichever candidate you back, our coffee is on us.", "politics"),
        ("Jesus would have loved our loaded fries.", "religion"),
        ("Sending love to everyone affected by the mass shooting downtown.", "tragedy"),
        ("Our new boots survived the earthquake rubble test.", "disaster"),
        ("Stock up on ammo before the range opens.", "weapons"),
        ("Rest in peace, Grandpa Joe. He loved our pies.", "death"),
        ("Our tea cures anxiety in a week.", "health"),
        ("Weekend vibes: 420 specials all day.", "drugs"),
    ],
)
def test_sensitive_topics_in_brand_voice_go_to_review(draft, category):
    report = check_text(draft, lang="en")
    assert category in categories(report)
    assert report.verdict in ("review", "block")


def test_a_promotion_riding_on_a_tragedy_is_blocked():
    report = check_text(
        "Our thoughts are with the victims of the mass shooting. Use code SAFE20 for 20% off!", lang="en"
    )
    assert report.verdict == "block"
    assert "newsjacking" in categories(report)
    finding = next(f for f in report.findings if f.category == "newsjacking")
    assert "profiting" in finding.message
    assert finding.suggestion


def test_a_named_attack_with_an_offer_is_newsjacking():
    report = check_text("Never forget 9/11. Today only: 11% off all sneakers.", lang="en")
    assert report.verdict == "block"
    assert quoted(report, "tragedy") == ["9/11"]


@pytest.mark.parametrize(
    "draft",
    [
        "The Perseids peak on Tuesday night: come and count shooting stars with us from 10pm.",
        "Clay shooting taster sessions every Saturday, ear and eye protection included.",
        "A film crew shooting on Elm Row on Thursday: parking is suspended until 8pm.",
        "Our Reels workshop covers lighting, editing and shooting on your phone.",
        "Make a wish tonight #ShootingStars",
    ],
)
def test_a_topic_word_in_its_everyday_sense_is_not_the_topic(draft):
    assert "tragedy" not in categories(check_text(draft, lang="en"))


def test_the_everyday_sense_excuses_only_the_phrase_it_is_in():
    report = check_text("Our comet lamp is a shooting star of a gift, after the shooting at the mall.", lang="en")

    assert quoted(report, "tragedy") == ["shooting"]
    assert report.findings[0].start == report.text.rindex("shooting")


@pytest.mark.parametrize(
    ("draft", "written"),
    [
        ("We opened our doors on 11 September 2001 and we're still standing!", "11 September 2001"),
        ("On Sept. 11, 2001 our founder opened the first shop.", "Sept. 11, 2001"),
        ("Serving the town since the 11th of September, 2001.", "11th of September, 2001"),
        ("Founded 09/11/2001, and still family run.", "09/11/2001"),
        ("Our first run club met on 2013-04-15: happy anniversary, runners!", "2013-04-15"),
        ("It all began on April 15th, 2013 with one food truck.", "April 15th, 2013"),
    ],
)
def test_the_day_and_year_of_a_tragedy_name_it(draft, written):
    report = check_text(draft, lang="en")

    assert [(f.rule, report.text[f.start : f.end]) for f in report.findings] == [("event.date", written)]
    assert report.findings[0].message.startswith("A day readers remember: ")
    assert report.verdict == "review"


def test_the_date_finding_names_the_event():
    report = check_text("Serving the town since 15 April 2013, one coffee at a time.", lang="en")

    assert "Boston Marathon bombing" in report.findings[0].message


@pytest.mark.parametrize(
    "draft",
    [
        "Our autumn sale ends 11 September. Don't miss it!",
        "We opened our doors on 12 September 2001 and we're still standing!",
        "Founded in 2001, open every day in September.",
    ],
)
def test_a_date_without_the_year_or_another_day_names_no_event(draft):
    assert "event.date" not in {f.rule for f in check_text(draft, lang="en").findings}


def test_an_anniversary_offer_on_the_day_of_an_attack_is_newsjacking():
    report = check_text("We opened on 11 September 2001! Anniversary sale: 20% off everything.", lang="en")

    assert report.verdict == "block"
    assert "newsjacking.promotion_with_tragedy" in {f.rule for f in report.findings}


@pytest.mark.parametrize(
    ("draft", "lang", "written"),
    [
        ("Otworzyliśmy nasz pierwszy sklep 11 września 2001 roku.", "pl", "11 września 2001"),
        ("Z Wami od 11.09.2001!", "pl", "11.09.2001"),
        ("פתחנו את החנות ב-11 בספטמבר 2001", "he", "ב-11 בספטמבר 2001"),
        ("افتتحنا أول فرع لنا في 11 أيلول 2001", "ar", "11 أيلول 2001"),
        ("我们的第一家店于2001年9月11日开业", "zh", "2001年9月11日"),
    ],
)
def test_each_language_writes_the_day_of_a_tragedy_its_own_way(draft, lang, written):
    report = check_text(draft, lang=lang)

    assert ("event.date", written) in [(f.rule, report.text[f.start : f.end]) for f in report.findings]
    assert report.verdict != "pass"


@pytest.mark.parametrize(
    "draft",
    [
        "In memory of Her Majesty, enjoy 20% off all tea sets this week",
        "With everything going on in the Middle East right now, we've extended our sale until Sunday.",
        "The whole world is watching the rescue. Our best-selling head torch is 20% off for 48 hours.",
    ],
)
def test_an_offer_framed_by_an_unnamed_loss_or_crisis_is_newsjacking(draft):
    report = check_text(draft, lang="en")

    assert report.verdict == "block"
    assert "newsjacking" in categories(report)


def test_a_fundraiser_for_a_disaster_appeal_is_not_newsjacking():
    report = check_text(
        "Every penny from Saturday's bake sale goes to the Red Cross earthquake appeal. Hall Street, 10am-2pm.",
        lang="en",
    )

    assert "newsjacking" not in categories(report)
    assert report.verdict != "block"


@pytest.mark.parametrize(
    "draft",
    [
        "Our earthquake sale starts now: everything must go!",
        "Bake sale for the earthquake appeal, and 20% off all cakes this weekend!",
        "Bake sale on Saturday, and our summer sale ends the same day. Thoughts with all hit by the earthquake.",
    ],
)
def test_an_offer_beside_a_fundraiser_still_rides_on_the_disaster(draft):
    report = check_text(draft, lang="en")

    assert report.verdict == "block"
    assert "newsjacking" in categories(report)


def test_a_hebrew_cake_sale_for_the_wounded_is_not_newsjacking_but_a_sale_is():
    fundraiser = check_text("מכירת עוגות בשבת לטובת נפגעי רעידת האדמה, כל ההכנסות לעמותה", lang="he")
    sale = check_text("סייל רעידת אדמה: 30% הנחה על הכל", lang="he")

    assert "newsjacking" not in categories(fundraiser)
    assert "newsjacking" in categories(sale)


def test_the_same_framing_without_an_offer_is_only_a_note():
    report = check_text("In memory of our founder Jean, the shop will close at noon on Friday.", lang="en")

    assert report.verdict == "pass"
    assert [f.rule for f in report.findings] == ["framing.crisis"]


def test_an_insensitive_word_gets_the_considerate_alternative():
    report = check_text("Our prices are crazy low this week", lang="en")
    [finding] = [f for f in report.findings if report.text[f.start : f.end].lower() == "crazy"]
    assert finding.suggestion
    assert "crazy" not in finding.suggestion.lower().split(",")[0]


def test_violent_idioms_are_a_note_on_a_quiet_day_and_a_block_during_a_matching_incident():
    quiet = check_text("This killer deal ends tonight", lang="en")
    assert quiet.verdict == "pass"
    assert [f.severity for f in quiet.findings] == ["note"]

    pipeline = language_pipeline("en")
    doc = pipeline.nlp("This killer deal ends tonight")
    during_shooting = lexicon_findings(doc, pipeline, CheckContext(incident_kinds=frozenset({"violence"})))
    assert [f.severity for f in during_shooting] == ["block"]
    during_flood = lexicon_findings(doc, pipeline, CheckContext(incident_kinds=frozenset({"flood-unrelated"})))
    assert [f.severity for f in during_flood] == ["note"]


def test_a_draft_built_of_several_violent_idioms_goes_to_review_even_on_a_quiet_day():
    report = check_text("Our prices are armed and dangerous 🔫 Locked and loaded deals all weekend.", lang="en")

    assert [(f.rule, f.severity) for f in report.findings] == [
        ("idiom.violent", "note"),
        ("idiom.violent", "note"),
        ("idiom.stacked", "review"),
    ]
    assert report.verdict == "review"


def test_an_idiom_is_not_a_tragedy_the_newsjacking_rule_pairs_with_an_offer():
    report = check_text("Our prices are armed and dangerous, locked and loaded: 20% off all weekend", lang="en")

    assert "newsjacking" not in categories(report)
    assert report.verdict == "review"


@pytest.mark.parametrize(
    "draft",
    [
        "Nail gun, glue gun and heat gun: all 20% off this weekend",  # forms of one entry
        "Staple gun and caulking gun hire from £15 a day",
        "Killer heels, killer price: the Ava courts are £39 this week",
    ],
)
def test_forms_of_one_idiom_do_not_stack(draft):
    report = check_text(draft, lang="en")

    assert {f.rule for f in report.findings} == {"idiom.violent"}
    assert report.verdict == "pass"


@pytest.mark.parametrize("tag", ["#therapistfinder", "#expertsexchange", "#susanalbumparty"])
def test_run_together_tags_with_a_second_reading_are_flagged(tag):
    report = check_text(f"Find your people with {tag} this weekend", lang="en")
    assert "misreading" in categories(report)
    assert quoted(report, "misreading") == [tag]
    assert report.verdict == "review"


@pytest.mark.parametrize(
    "draft",
    [
        "Knitting season is here #MadeWithOurYarn",
        "Behind the scenes of today's photo shoot, fuelled by a shot of espresso",
        "Our Scunthorpe store opens at nine on Saturday",
        "The bank holiday party starts at noon: cake for everyone #NewArrivals",
        "Capital city pop-up this Friday #ShopLocal",
    ],
)
def test_ordinary_posts_that_share_words_with_risky_ones_pass(draft):
    report = check_text(draft, lang="en")
    assert report.verdict == "pass", report.findings


def test_an_anniversary_on_the_slot_is_flagged_and_a_promotion_on_it_needs_review():
    slot = datetime(2027, 9, 11, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    report = check_text("Flash sale: 30% off everything today!", lang="en", scheduled_at=slot)
    assert "sensitive-date" in categories(report)
    assert report.verdict in ("review", "block")
    calm = check_text("Flash sale: 30% off everything today!", lang="en", scheduled_at=slot.replace(month=9, day=14))
    assert "sensitive-date" not in categories(calm)


def test_a_regional_day_applies_only_to_an_audience_in_that_region(settings):
    memorial_day = datetime(2027, 5, 31, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    draft = "Long weekend sale: 25% off tents!"

    settings.CHECKER_AUDIENCE_REGIONS = []
    assert "sensitive-date" in categories(check_text(draft, lang="en", scheduled_at=memorial_day))
    settings.CHECKER_AUDIENCE_REGIONS = ["PL"]
    assert "sensitive-date" not in categories(check_text(draft, lang="en", scheduled_at=memorial_day))
    settings.CHECKER_AUDIENCE_REGIONS = ["PL", "US"]
    assert "sensitive-date" in categories(check_text(draft, lang="en", scheduled_at=memorial_day))
