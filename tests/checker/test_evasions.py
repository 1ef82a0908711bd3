"""Evasions a filter must see through, with findings that still point at what the writer typed."""

import pytest

from checker.services import check_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("draft", "typed"),
    [
        ("Sending love after the m4ss sh00ting", "m4ss sh00ting"),
        ("Sending love after the mass sho\u200boting", "mass sho\u200boting"),
        ("Sending love after the mass shооting", "mass shооting"),  # Cyrillic о
        ("Sending love after the ｍａｓｓ ｓｈｏｏｔｉｎｇ", "ｍａｓｓ ｓｈｏｏｔｉｎｇ"),
    ],
)
def test_a_disguised_term_is_caught_and_the_span_points_at_the_original_characters(draft, typed):
    report = check_text(draft, lang="en")
    spans = [draft[f.start : f.end] for f in report.findings if f.category == "tragedy"]
    assert spans == [typed]


def test_bidi_controls_inside_a_word_do_not_hide_it():
    draft = "Thinking of everyone after the mass sho\u200fot\u202eing downtown"
    report = check_text(draft, lang="en")
    assert report.verdict != "pass"
    assert [draft[f.start : f.end] for f in report.findings if f.category == "tragedy"] == ["mass sho\u200fot\u202eing"]
