"""A draft in each supported language is read by its own lexicon, and the language is detected when not given."""

import pytest

from checker.languages import detect_language
from checker.services import check_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("draft", "lang"),
    [
        ("Nowa kolekcja jesienna już w sklepach!", "pl"),
        ("New autumn range in store now, come and see it", "en"),
        ("وصلت تشكيلة الخريف الجديدة إلى متاجرنا", "ar"),
        ("הקולקציה החדשה לסתיו הגיעה לחנויות", "he"),
        ("秋季新品今天上市，欢迎选购", "zh"),
        ("秋季新品今天上市，歡迎選購", "zh"),
    ],
)
def test_the_language_is_detected_from_the_draft(draft, lang):
    assert detect_language(draft) == lang
    assert check_text(draft).lang == lang


@pytest.mark.parametrize(
    ("ordinary", "risky"),
    [
        ("Nowa kolekcja jesienna już w sklepach!", "W rocznicę zamachu: 20% zniżki na wszystko!"),
        ("وصلت تشكيلة الخريف الجديدة إلى متاجرنا", "تضامننا مع ضحايا التفجير، واستخدموا كود خصم 20%"),
        ("הקולקציה החדשה לסתיו הגיעה לחנויות", "לזכר קורבנות הפיגוע: 20% הנחה על הכול"),
        ("秋季新品今天上市，欢迎选购", "纪念地震遇难者，全场八折优惠"),
        ("秋季新品今天上市，歡迎選購", "紀念地震遇難者，全場八折優惠"),
    ],
)
def test_each_language_passes_an_ordinary_draft_and_flags_a_risky_one(ordinary, risky):
    assert check_text(ordinary).verdict == "pass"
    flagged = check_text(risky)
    assert flagged.verdict in ("review", "block")
    assert flagged.findings


def test_a_one_word_post_falls_back_to_english():
    assert detect_language("OK") == "en"
    assert detect_language("🎉🎉") == "en"


@pytest.mark.parametrize("draft", ["全新 SB 系列护眼台灯上市", "这价格TMD太低了", "nmsl 这也太便宜了吧"])
def test_chinese_swearing_abbreviated_in_latin_letters_is_profanity(draft):
    report = check_text(draft, lang="zh")

    assert "profanity" in {f.category for f in report.findings}
    assert report.verdict == "review"


def test_hebrew_fireworks_are_fired_without_being_a_shooting(settings):
    """Hebrew says fireworks are "fired" (ירי זיקוקים); the word alone still means a shooting."""
    settings.CHECKER_MODEL_CLEAR_SCORE = 0  # the lexicon alone: a low learned score may otherwise make it a note
    fireworks = check_text("ירי זיקוקים בערב יום העצמאות מתבצע רק בידי מפעיל מורשה", lang="he")
    shooting = check_text("ירי בקניון הערב", lang="he")

    assert fireworks.verdict == "pass"
    assert {f.rule for f in fireworks.findings} == {"idiom.violent"}
    assert shooting.verdict == "review"
    assert "tragedy" in {f.category for f in shooting.findings}
