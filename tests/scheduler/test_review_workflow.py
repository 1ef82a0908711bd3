"""The pre-flight gate as a marketer and a reviewer meet it: pass, review, block, override, re-check."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from scheduler import services
from scheduler.models import Post, ReviewDecision
from tests.factories import make_channel

pytestmark = pytest.mark.django_db

ORDINARY = "Our autumn walking socks are back in every size."
POLITICAL = "Election day! Whichever candidate you back, our coffee is on us."
NEWSJACKING = "Our thoughts are with the victims of the mass shooting. Use code SAFE20 for 20% off!"


@pytest.fixture
def draft(marketer, outbox_channel):
    def write(text: str) -> Post:
        return services.create_post(
            author=marketer,
            text=text,
            scheduled_at=timezone.now() + timedelta(days=2),
            channels=[outbox_channel],
            language="en",
        )

    return write


def test_an_ordinary_draft_passes_and_its_author_schedules_it(draft, marketer):
    post = draft(ORDINARY)
    assert post.verdict == Post.Verdict.PASS
    assert post.findings == []
    assert post.checked_at is not None

    services.schedule_post(post=post, by=marketer)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED


def test_a_flagged_draft_waits_for_a_reviewer_who_is_not_its_author(draft, marketer, reviewer):
    post = draft(POLITICAL)
    assert post.verdict == Post.Verdict.REVIEW
    assert {f["category"] for f in post.findings} == {"politics"}

    services.schedule_post(post=post, by=marketer)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    with pytest.raises(PermissionDenied):
        services.approve_post(post=post, by=marketer)

    services.approve_post(post=post, by=reviewer, note="Neutral get-out-the-vote post, fine.")
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    decision = ReviewDecision.objects.get(post=post)
    assert (decision.reviewer, decision.decision, decision.verdict_seen) == (reviewer, "approved", "review")
    assert decision.text_seen == POLITICAL


def test_a_blocked_draft_needs_a_written_override_reason(draft, marketer, reviewer):
    post = draft(NEWSJACKING)
    assert post.verdict == Post.Verdict.BLOCK
    services.schedule_post(post=post, by=marketer)

    with pytest.raises(ValidationError, match="override"):
        services.approve_post(post=post, by=reviewer)
    services.approve_post(post=post, by=reviewer, override_reason="Charity code: proceeds go to the victims' fund.")

    decision = ReviewDecision.objects.get(post=post)
    assert decision.decision == ReviewDecision.Decision.OVERRIDDEN
    assert "victims' fund" in decision.note


def test_editing_an_approved_post_into_something_worse_takes_it_back_to_review(draft, marketer):
    post = draft(ORDINARY)
    services.schedule_post(post=post, by=marketer)

    services.update_post(post=post, by=marketer, text=ORDINARY + " Not sold at the mass shooting memorial, obviously.")

    post.refresh_from_db()
    assert post.verdict != Post.Verdict.PASS
    assert post.status == Post.Status.IN_REVIEW
    assert "worsened" in post.status_reason


def test_moving_a_promotion_onto_a_sensitive_date_is_re_checked(draft, marketer):
    post = draft("Flash sale: 30% off every jacket today!")
    services.schedule_post(post=post, by=marketer)
    anniversary = timezone.now().replace(year=timezone.now().year + 1, month=9, day=11, hour=13)

    services.update_post(post=post, by=marketer, scheduled_at=anniversary)

    post.refresh_from_db()
    assert "sensitive-date" in {f["category"] for f in post.findings}
    assert post.status == Post.Status.IN_REVIEW


def test_a_rejected_post_keeps_the_reviewers_reason(draft, marketer, reviewer):
    post = draft(POLITICAL)
    services.schedule_post(post=post, by=marketer)
    services.reject_post(post=post, by=reviewer, note="We stay out of elections.")

    post.refresh_from_db()
    assert post.status == Post.Status.REJECTED
    assert ReviewDecision.objects.get(post=post).decision == ReviewDecision.Decision.REJECTED


def test_a_draft_in_any_script_or_with_invisible_characters_is_checked_and_kept(draft):
    text = "Zażółć gęślą jaźń \u200b— مرحبا — 你好 — \u202eevil\u202c"
    post = draft(text)
    post.refresh_from_db()
    assert post.text == text
    assert post.checked_at is not None


MEMORIAL_DAY_2027 = datetime(2027, 5, 31, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
LONG_WEEKEND_SALE = "Long weekend sale: 25% off tents and camping chairs!"


@pytest.fixture
def audiences(settings):
    """A Polish and an American account, with no organisation-wide region setting."""
    settings.CHECKER_AUDIENCE_REGIONS = []
    return make_channel("pl-outbox", regions=["PL"]), make_channel("us-outbox", regions=["US"])


@pytest.fixture
def memorial_day_sale(marketer):
    def write(channels) -> Post:
        return services.create_post(
            author=marketer, text=LONG_WEEKEND_SALE, scheduled_at=MEMORIAL_DAY_2027, channels=channels, language="en"
        )

    return write


def test_each_channels_audience_is_part_of_the_check(audiences, memorial_day_sale):
    polish, american = audiences

    for_poland = memorial_day_sale([polish])
    for_both = memorial_day_sale([polish, american])

    assert for_poland.verdict == Post.Verdict.PASS
    assert for_both.verdict != Post.Verdict.PASS
    assert "sensitive-date" in {f["category"] for f in for_both.findings}


def test_adding_a_channel_with_another_audience_re_checks_the_post(audiences, memorial_day_sale, marketer):
    polish, american = audiences
    post = memorial_day_sale([polish])
    services.schedule_post(post=post, by=marketer)

    services.update_post(post=post, by=marketer, channels=[polish, american])

    post.refresh_from_db()
    assert "sensitive-date" in {f["category"] for f in post.findings}
    assert post.status == Post.Status.IN_REVIEW
