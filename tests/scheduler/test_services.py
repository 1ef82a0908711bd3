"""Who may move a post where: the calendar's transitions as a marketer and a reviewer live them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from scheduler import services
from scheduler.models import Delivery, Post
from tests.factories import make_channel, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def tomorrow():
    return timezone.now() + timedelta(days=1)


def test_a_marketer_drafts_a_post_for_two_channels_and_schedules_it(marketer, outbox_channel, tomorrow):
    newsletter = make_channel("newsletter", kind="email", recipients=["list@example.test"])
    post = services.create_post(
        author=marketer,
        text="Nowa kolekcja jesienna już w sklepach",
        scheduled_at=tomorrow,
        channels=[outbox_channel, newsletter],
        timezone_name="Europe/Warsaw",
        language="pl",
    )
    assert post.status == Post.Status.DRAFT
    assert {d.channel.slug for d in post.deliveries.all()} == {"outbox", "newsletter"}

    services.schedule_post(post=post, by=marketer)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.local_scheduled_at.utcoffset() in {timedelta(hours=1), timedelta(hours=2)}


def test_a_post_without_channels_or_with_a_bad_timezone_is_refused(marketer, outbox_channel, tomorrow):
    with pytest.raises(ValidationError, match="at least one channel"):
        services.create_post(author=marketer, text="Hello", scheduled_at=tomorrow, channels=[])
    with pytest.raises(ValidationError, match="time zone"):
        services.create_post(
            author=marketer, text="Hello", scheduled_at=tomorrow, channels=[outbox_channel], timezone_name="Mars/Base"
        )
    assert not Post.objects.exists()


def test_a_slot_in_the_past_cannot_be_scheduled(marketer, outbox_channel):
    post = make_post(author=marketer, channels=[outbox_channel], status=Post.Status.DRAFT)
    with pytest.raises(ValidationError, match="already passed"):
        services.schedule_post(post=post, by=marketer)


def test_a_post_that_needs_review_goes_to_the_queue_and_only_another_person_may_approve_it(
    marketer, reviewer, outbox_channel, tomorrow
):
    post = make_post(
        author=reviewer,
        channels=[outbox_channel],
        status=Post.Status.DRAFT,
        scheduled_at=tomorrow,
        verdict=Post.Verdict.REVIEW,
    )
    reviewer.user_permissions.add(*marketer.groups.get().permissions.all())
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)
    services.schedule_post(post=post, by=reviewer)
    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW

    with pytest.raises(PermissionDenied, match="other than its author"):
        services.approve_post(post=post, by=reviewer)
    with pytest.raises(PermissionDenied):
        services.approve_post(post=post, by=marketer)


def test_a_reviewer_approves_or_rejects_with_a_note(marketer, reviewer, outbox_channel, tomorrow):
    approved = make_post(
        author=marketer, channels=[outbox_channel], status=Post.Status.IN_REVIEW, scheduled_at=tomorrow
    )
    rejected = make_post(
        author=marketer, channels=[outbox_channel], status=Post.Status.IN_REVIEW, scheduled_at=tomorrow
    )

    services.approve_post(post=approved, by=reviewer, note="fine")
    with pytest.raises(ValidationError, match="Say why"):
        services.reject_post(post=rejected, by=reviewer, note="  ")
    services.reject_post(post=rejected, by=reviewer, note="Too close to the anniversary")

    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert approved.status == Post.Status.SCHEDULED
    assert rejected.status == Post.Status.REJECTED
    assert rejected.status_reason == "Too close to the anniversary"


def test_pausing_holds_a_post_and_resuming_an_old_slot_needs_a_new_one(marketer, reviewer, outbox_channel, settings):
    post = make_post(author=marketer, channels=[outbox_channel], scheduled_at=timezone.now() + timedelta(minutes=1))
    services.pause_post(post=post, by=marketer, reason="storm warning")
    post.refresh_from_db()
    assert post.status == Post.Status.PAUSED
    assert post.status_reason == "storm warning"

    with pytest.raises(PermissionDenied):
        services.resume_post(post=post, by=marketer)

    Post.objects.filter(pk=post.pk).update(scheduled_at=timezone.now() - timedelta(hours=2))
    with pytest.raises(ValidationError, match="give it a new slot"):
        services.resume_post(post=post, by=reviewer)

    new_slot = timezone.now() + timedelta(hours=3)
    services.resume_post(post=post, by=reviewer, new_slot=new_slot)
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.scheduled_at == new_slot


def test_a_missed_post_gets_a_new_slot_and_its_deliveries_go_back_to_pending(marketer, crisis_lead, outbox_channel):
    post = make_post(author=marketer, channels=[outbox_channel], status=Post.Status.MISSED)
    post.deliveries.update(state=Delivery.State.MISSED)

    services.resume_post(post=post, by=crisis_lead, new_slot=timezone.now() + timedelta(hours=1))

    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert list(post.deliveries.values_list("state", flat=True)) == [Delivery.State.PENDING]


def test_marketers_cancel_their_own_posts_but_not_someone_elses(marketer, other_marketer, outbox_channel, tomorrow):
    mine = make_post(author=marketer, channels=[outbox_channel], scheduled_at=tomorrow)
    theirs = make_post(author=other_marketer, channels=[outbox_channel], scheduled_at=tomorrow)

    services.cancel_post(post=mine, by=marketer)
    with pytest.raises(PermissionDenied):
        services.cancel_post(post=theirs, by=marketer)

    mine.refresh_from_db()
    assert mine.status == Post.Status.CANCELLED
    assert mine.deliveries.get().state == Delivery.State.CANCELLED


def test_a_post_that_is_going_out_cannot_be_edited(marketer, outbox_channel):
    post = make_post(author=marketer, channels=[outbox_channel], status=Post.Status.PUBLISHING)
    with pytest.raises(services.TransitionError, match="publishing"):
        services.update_post(post=post, by=marketer, text="changed at the last second")


def test_changing_channels_keeps_what_was_sent(marketer, outbox_channel, tomorrow):
    chat = make_channel("chat", kind="webhook", url="http://127.0.0.1:9/hook")
    post = make_post(
        author=marketer, channels=[outbox_channel, chat], status=Post.Status.SCHEDULED, scheduled_at=tomorrow
    )
    services.update_post(post=post, by=marketer, channels=[outbox_channel])
    assert [d.channel.slug for d in post.deliveries.all()] == ["outbox"]


def test_rewording_a_post_that_was_approved_in_review_sends_it_back_to_review(marketer, reviewer, outbox_channel):
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        scheduled_at=timezone.now() + timedelta(days=1),
        verdict=Post.Verdict.REVIEW,
        status=Post.Status.IN_REVIEW,
    )
    services.approve_post(post=post, by=reviewer)

    services.update_post(post=post, by=marketer, text="A different text than the one approved")

    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW
    assert post.status_reason == "text changed after approval"


def test_a_post_whose_slot_has_long_passed_cannot_be_approved(marketer, reviewer, outbox_channel):
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        scheduled_at=timezone.now() - timedelta(hours=3),
        status=Post.Status.IN_REVIEW,
    )
    with pytest.raises(ValidationError, match="new slot"):
        services.approve_post(post=post, by=reviewer)
