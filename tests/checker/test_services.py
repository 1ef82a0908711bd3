"""check_texts: where the learned score speaks, and what its finding tells the writer."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from checker.report import CATEGORIES, Finding
from checker.risk_model import load_risk_model
from checker.services import check_for_channels, check_text, check_texts, idiom_rules_on, without_idioms
from scheduler.models import Channel

pytestmark = pytest.mark.django_db

# No lexicon term, idiom, tag or date in these: only the model can have an opinion on them.
UNFLAGGED_BY_RULES = "Our new gummies reset your metabolism while you sleep, the pounds just fall off"
PLAIN = "Our Leeds store opens at nine on Saturday with fresh bread and coffee"


def test_below_its_threshold_the_model_adds_no_finding(settings):
    settings.CHECKER_MODEL_REVIEW_SCORE = 1.0

    report = check_text(UNFLAGGED_BY_RULES)

    assert report.findings == []
    assert report.verdict == "pass"
    assert 0.0 <= report.score < 1.0


def test_a_model_flag_names_the_kind_of_risk_and_how_to_fix_it(settings):
    settings.CHECKER_MODEL_REVIEW_SCORE = 0.001

    report = check_text(UNFLAGGED_BY_RULES)

    [finding] = report.findings
    assert report.verdict == "review"
    assert finding.rule == "model.resembles_risky"
    assert finding.category in CATEGORIES
    assert finding.category == load_risk_model().likely_categories([UNFLAGGED_BY_RULES])[0][0]
    assert f"{report.score:.2f}" in finding.message
    assert finding.suggestion
    assert (finding.start, finding.end) == (0, len(UNFLAGGED_BY_RULES))


def test_a_diet_claim_reads_as_a_health_risk():
    assert load_risk_model().likely_categories([UNFLAGGED_BY_RULES])[0][0] == "health"


def test_the_model_stays_silent_where_a_rule_sent_the_draft_to_review(settings):
    settings.CHECKER_MODEL_REVIEW_SCORE = 0.001

    report = check_text("Election day! Whichever candidate you back, our coffee is on us.")

    assert report.verdict == "review"
    assert "model.resembles_risky" not in [f.rule for f in report.findings]


def test_a_note_does_not_silence_the_model(settings):
    settings.CHECKER_MODEL_REVIEW_SCORE = 0.001

    report = check_text("In memory of our founder Jean, the shop will close at noon on Friday.")

    assert [f.rule for f in report.findings] == ["framing.crisis", "model.resembles_risky"]
    assert report.verdict == "review"


def test_an_idioms_quiet_day_note_stands_against_a_flag_the_idiom_earns(settings):
    draft = "Huge savings this weekend, a real killer deal on garden chairs"
    with_idiom, without_it = load_risk_model().score([draft, draft.replace("killer deal", " ")])
    assert without_it < with_idiom
    settings.CHECKER_MODEL_REVIEW_SCORE = (with_idiom + without_it) / 2

    report = check_text(draft)

    assert [(f.rule, f.severity) for f in report.findings] == [("idiom.violent", "note")]
    assert report.verdict == "pass"


def test_a_flag_the_rest_of_the_draft_earns_stands_beside_an_idioms_note(settings):
    draft = "Huge savings this weekend, a real killer deal on garden chairs"
    settings.CHECKER_MODEL_REVIEW_SCORE = min(load_risk_model().score([draft.replace("killer deal", " ")])[0], 0.99)

    report = check_text(draft)

    assert [(f.rule, f.severity) for f in report.findings] == [
        ("idiom.violent", "note"),
        ("model.resembles_risky", "review"),
    ]


def test_without_idioms_blanks_each_idiom_and_nothing_else():
    draft = "Killer deals on fire pits: drop a bomb on your garden, not a hint of war."
    idioms = [
        Finding("idiom.violent", "weapons", "note", 0, 12, "A figure of speech.", "Drop it."),
        Finding("idiom.violent", "weapons", "note", 27, 38, "A figure of speech.", "Drop it."),
    ]
    war = Finding("topic.violence", "violence", "note", 69, 72, "A mention.", "Check it.")

    assert without_idioms(draft, [war, *idioms]) == "  on fire pits:   on your garden, not a hint of war."


def test_an_idioms_note_does_not_stand_against_the_model_about_another_kind_of_risk():
    report = check_text("It vibrates, it thrusts, and she'll never want to put it down 😏 Our new massage gun.")

    assert [(f.rule, f.category, f.severity) for f in report.findings] == [
        ("idiom.violent", "weapons", "note"),
        ("model.resembles_risky", "sexual", "review"),
    ]
    assert report.verdict == "review"


@pytest.mark.parametrize(
    ("likely", "overruled"),
    [(("weapons",), True), (("sexual", "tragedy"), True), ((), True), (("sexual",), False), (("drugs", "hate"), False)],
)
def test_an_idiom_rules_only_on_violent_and_morbid_readings(likely, overruled):
    idiom = Finding("idiom.violent", "weapons", "note", 0, 5, "A figure of speech.", "Drop it.")
    topic = Finding("topic.religion", "religion", "note", 6, 9, "A mention.", "Check it.")

    assert idiom_rules_on([idiom, topic], likely) is overruled
    assert idiom_rules_on([topic], likely) is False


def test_the_model_does_not_judge_drafts_of_three_words(settings):
    settings.CHECKER_MODEL_REVIEW_SCORE = 0.001

    assert check_text("Doors open soon").findings == []


def test_each_draft_of_a_batch_is_judged_on_its_own(settings):
    risky_score, plain_score = load_risk_model().score([UNFLAGGED_BY_RULES, PLAIN])
    assert plain_score < risky_score
    settings.CHECKER_MODEL_REVIEW_SCORE = (risky_score + plain_score) / 2

    flagged, plain = check_texts([UNFLAGGED_BY_RULES, PLAIN])

    assert [f.rule for f in flagged.findings] == ["model.resembles_risky"]
    assert plain.findings == []


def test_a_post_for_several_audiences_keeps_every_finding_and_drops_a_contradicted_model_flag(settings):
    settings.CHECKER_AUDIENCE_REGIONS = []
    settings.CHECKER_MODEL_REVIEW_SCORE = 0.001
    memorial_day = datetime(2027, 5, 31, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    polish, american = (
        Channel(slug="pl", settings={"regions": ["PL"]}),
        Channel(slug="us", settings={"regions": ["US"]}),
    )
    draft = "Long weekend sale: 25% off tents and camping chairs!"

    for_poland = check_for_channels(draft, channels=[polish], scheduled_at=memorial_day, lang="en")
    for_both = check_for_channels(draft, channels=[polish, american], scheduled_at=memorial_day, lang="en")

    assert [f.rule for f in for_poland.findings] == ["model.resembles_risky"]
    assert {f.category for f in for_both.findings} == {"sensitive-date"}
    assert for_both.verdict != "pass"
    assert check_for_channels(draft, lang="en") == check_text(draft, lang="en")


FUNERAL_HOURS = "Our funeral directors' office reopens Tuesday at 9am."


def test_a_plain_topic_mention_is_a_note_when_the_model_reads_the_draft_as_ordinary(settings):
    settings.CHECKER_MODEL_CLEAR_SCORE = 0.0
    flagged = check_text(FUNERAL_HOURS, lang="en")
    settings.CHECKER_MODEL_CLEAR_SCORE = 1.0
    cleared = check_text(FUNERAL_HOURS, lang="en")

    assert flagged.verdict == "review"
    assert [(f.category, f.severity) for f in flagged.findings] == [("death", "review")]
    assert cleared.verdict == "pass"
    assert [(f.category, f.severity) for f in cleared.findings] == [("death", "note")]
    assert "plain information" in cleared.findings[0].message


def test_a_draft_too_short_for_the_model_keeps_its_topic_finding_whatever_the_score(settings):
    """Under MODEL_MIN_WORDS words the score is noise: it neither flags a draft nor clears one."""
    settings.CHECKER_MODEL_CLEAR_SCORE = 1.0

    report = check_text("Shooting downtown tonight", lang="en")

    assert report.verdict == "review"
    assert [(f.category, f.severity) for f in report.findings] == [("tragedy", "review")]


@pytest.mark.parametrize(
    ("draft", "category"),
    [
        ("This damn sale is the best one yet", "profanity"),
        ("Never forget 9/11. Today only: 11% off all sneakers.", "newsjacking"),
        ("New in: presidential history books, including the greatest of all time. MAGA 2028!", "politics"),
        ("Polls open at 7: vote labour for a fairer deal on rents", "politics"),
        ("Our autumn walking socks are back. Not sold at the mass shooting memorial, obviously.", "tragedy"),
    ],
)
def test_profanity_hate_tragedies_partisan_slogans_and_newsjacking_are_never_cleared(settings, draft, category):
    settings.CHECKER_MODEL_CLEAR_SCORE = 1.0

    report = check_text(draft, lang="en")

    assert report.verdict != "pass"
    assert any(f.category == category and f.severity != "note" for f in report.findings)
