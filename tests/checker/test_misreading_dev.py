"""A floor under the misreading rule on our development set (tests/checker/data/misreading_dev.csv).

    GUARD_VAR_DIR=/tmp/var .venv/bin/python -m tests.checker.misreading_dev --misses

prints the numbers and what is missed or falsely flagged. At the time of writing: recall 0.93 (11 of 147 missed,
mostly by design: capitals excuse a drugs reading, "dies" inside "daddies" and "kidnap" as the best reading of
#kidnaptime are not looked for), false-flag rate 0.00 (0 of 170).
"""

import pytest

from checker.pipeline import language_pipeline
from tests.checker.misreading_dev import DEV_SET, measure, rows

pytestmark = pytest.mark.django_db


def test_the_development_set_is_balanced_and_labelled():
    labels = [expected for _, expected in rows(DEV_SET)]
    assert set(labels) == {"flag", "pass"}
    assert labels.count("flag") >= 140
    assert labels.count("pass") >= 140
    assert len({text for text, _ in rows(DEV_SET)}) == len(labels)


def test_the_misreading_rule_keeps_its_recall_and_its_false_flag_rate_on_the_development_set():
    result = measure(DEV_SET, language_pipeline("en"))
    assert result.recall >= 0.88, result.missed
    assert result.false_flag_rate <= 0.02, result.false_flags
