"""The content calendar in the admin, as marketers, reviewers and crisis leads use it."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from scheduler.models import Delivery, Post
from scheduler.publishing import publish_due
from tests.factories import make_channel, make_post

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
CHANGELIST = "admin:scheduler_post_changelist"
CALENDAR = "admin:scheduler_post_calendar"


@pytest.fixture
def clock():
    """Calendar logic depends on the date: pin it (June, so Warsaw is UTC+2)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chat_channel(db):
    return make_channel("team-chat", kind="webhook", url="http://127.0.0.1:9/hook", payload_style="slack")


def day_cell(response, day: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<td data-day="{day}"[^>]*>(.*?)</td>', html, re.S)
    assert match, f"no calendar cell for {day}"
    return match.group(1)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def run_action(client, action: str, posts, **extra):
    data = {"action": action, "_selected_action": [post.pk for post in posts], **extra}
    if "post" not in extra:
        data["index"] = 0
    return client.post(reverse(CHANGELIST), data)


def offered_actions(client) -> set[str]:
    response = client.get(reverse(CHANGELIST))
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


@pytest.mark.django_db
def test_marketer_adds_a_post_in_warsaw_time_finds_it_on_the_calendar_and_schedules_it(
    client, marketer, outbox_channel, chat_channel, clock
):
    client.force_login(marketer)

    response = client.post(
        reverse("admin:scheduler_post_add"),
        {
            "text": "Summer sale starts on Tuesday",
            "channels": [outbox_channel.pk, chat_channel.pk],
            "scheduled_at_0": "2025-06-10",
            "scheduled_at_1": "09:30",
            "timezone": "Europe/Warsaw",
            "language": "en",
            "campaign": "summer",
            "tags": "sale",
        },
    )

    assert response.status_code == 302
    post = Post.objects.get()
    assert post.author == marketer
    assert post.status == Post.Status.DRAFT
    assert post.scheduled_at == datetime(2025, 6, 10, 7, 30, tzinfo=UTC)
    assert sorted(post.deliveries.values_list("channel__slug", flat=True)) == ["outbox", "team-chat"]
    assert set(post.deliveries.values_list("state", flat=True)) == {Delivery.State.PENDING}

    edit = client.get(reverse("admin:scheduler_post_change", args=[post.pk])).content.decode()
    assert 'value="09:30:00"' in edit  # the slot is shown in the post's zone...
    assert "2025-06-10 07:30 UTC" in edit  # ...with UTC beside it

    month = client.get(reverse(CALENDAR), {"view": "month", "date": "2025-06-10", "tz": "Europe/Warsaw"})
    cell = day_cell(month, "2025-06-10")
    assert "09:30" in cell
    assert "Summer sale starts on Tuesday" in cell
    assert "pg-status-draft" in cell
    assert reverse("admin:scheduler_post_change", args=[post.pk]) in cell
    in_utc = client.get(reverse(CALENDAR), {"view": "month", "date": "2025-06-10", "tz": "UTC"})
    assert "07:30" in day_cell(in_utc, "2025-06-10")

    week = client.get(reverse(CALENDAR), {"view": "week", "date": "2025-06-12", "tz": "Europe/Warsaw"})
    assert "09:30" in day_cell(week, "2025-06-10")
    assert "Summer sale" not in day_cell(week, "2025-06-11")

    run_action(client, "schedule_posts", [post])
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    month = client.get(reverse(CALENDAR), {"date": "2025-06-10", "tz": "Europe/Warsaw"})
    assert "pg-status-scheduled" in day_cell(month, "2025-06-10")


@pytest.mark.django_db
def test_a_late_evening_utc_post_falls_on_the_next_day_in_warsaw(client, marketer, outbox_channel, clock):
    make_post(
        author=marketer, channels=[outbox_channel], text="Night owl deal", scheduled_at=NOW.replace(day=10, hour=23)
    )
    client.force_login(marketer)

    warsaw = client.get(reverse(CALENDAR), {"date": "2025-06-10", "tz": "Europe/Warsaw"})
    utc = client.get(reverse(CALENDAR), {"date": "2025-06-10", "tz": "UTC"})

    assert "Night owl deal" not in day_cell(warsaw, "2025-06-10")
    assert "01:00" in day_cell(warsaw, "2025-06-11")
    assert "23:00" in day_cell(utc, "2025-06-10")


@pytest.mark.django_db
def test_month_grid_starts_on_monday_and_an_unknown_zone_falls_back_with_a_message(client, marketer, clock):
    client.force_login(marketer)

    response = client.get(reverse(CALENDAR), {"date": "2025-06-15", "tz": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert response.context["zone"] == "UTC"
    assert any("Mars/Olympus_Mons" in text for text in texts(response))
    first_week = response.context["weeks"][0]
    assert first_week[0].day.isoformat() == "2025-05-26"  # June 2025 starts on a Sunday
    assert first_week[0].day.weekday() == 0
    add_links = day_cell(response, "2025-06-15")
    assert "scheduled_at=2025-06-15T09%3A00" in add_links


@pytest.mark.django_db
def test_the_calendar_add_link_prefills_the_slot_in_the_calendar_zone(client, marketer, clock):
    client.force_login(marketer)

    form = client.get(
        reverse("admin:scheduler_post_add"), {"scheduled_at": "2025-06-15T09:00", "timezone": "Asia/Tokyo"}
    )

    html = form.content.decode()
    assert 'value="2025-06-15"' in html
    assert 'value="09:00:00"' in html
    assert '<option value="Asia/Tokyo" selected>' in html


@pytest.mark.django_db
def test_a_marketer_is_not_offered_approval_and_a_forged_approval_changes_nothing(
    client, marketer, other_marketer, outbox_channel, clock
):
    post = make_post(
        author=other_marketer,
        channels=[outbox_channel],
        status=Post.Status.IN_REVIEW,
        verdict=Post.Verdict.REVIEW,
        scheduled_at=NOW + timedelta(days=1),
    )
    client.force_login(marketer)

    assert "approve_posts" not in offered_actions(client)
    assert "schedule_posts" in offered_actions(client)
    run_action(client, "approve_posts", [post])

    post.refresh_from_db()
    assert post.status == Post.Status.IN_REVIEW


@pytest.mark.django_db
def test_a_reviewer_cannot_approve_their_own_post_but_can_approve_a_colleagues(
    client, reviewer, marketer, outbox_channel, clock
):
    own = make_post(author=reviewer, channels=[outbox_channel], text="My own take", status=Post.Status.IN_REVIEW)
    colleagues = make_post(author=marketer, channels=[outbox_channel], text="Maria's", status=Post.Status.IN_REVIEW)
    client.force_login(reviewer)

    response = run_action(client, "approve_posts", [own, colleagues])

    assert any("A post needs a reviewer other than its author." in text for text in texts(response))
    own.refresh_from_db()
    colleagues.refresh_from_db()
    assert own.status == Post.Status.IN_REVIEW
    assert colleagues.status == Post.Status.SCHEDULED


@pytest.mark.django_db
def test_pause_asks_for_a_reason_and_resume_puts_the_post_back(client, reviewer, marketer, outbox_channel, clock):
    post = make_post(author=marketer, channels=[outbox_channel], scheduled_at=NOW + timedelta(hours=3))
    client.force_login(reviewer)

    page = run_action(client, "pause_posts", [post])
    assert page.status_code == 200
    assert "reason" in page.context["form"].fields
    refused = run_action(client, "pause_posts", [post], post="yes", reason="   ")
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"]
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED

    run_action(client, "pause_posts", [post], post="yes", reason="Storm warning in the region")
    post.refresh_from_db()
    assert post.status == Post.Status.PAUSED
    assert post.status_reason == "Storm warning in the region"

    run_action(client, "resume_posts", [post])
    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.scheduled_at == NOW + timedelta(hours=3)


@pytest.mark.django_db
def test_resuming_a_post_whose_slot_passed_demands_a_new_future_slot(client, reviewer, marketer, outbox_channel, clock):
    post = make_post(
        author=marketer,
        channels=[outbox_channel],
        status=Post.Status.PAUSED,
        scheduled_at=NOW - timedelta(hours=2),
        timezone="Europe/Warsaw",
    )
    client.force_login(reviewer)

    page = run_action(client, "resume_posts", [post])
    assert page.status_code == 200
    assert "new_slot" in page.context["form"].fields
    assert page.context["form"].initial["timezone"] == "Europe/Warsaw"
    past = run_action(client, "resume_posts", [post], post="yes", new_slot="2025-06-01T18:00", timezone="Europe/Warsaw")
    assert any("already passed" in text for text in texts(past))
    post.refresh_from_db()
    assert post.status == Post.Status.PAUSED

    run_action(client, "resume_posts", [post], post="yes", new_slot="2025-06-05T18:00", timezone="Europe/Warsaw")

    post.refresh_from_db()
    assert post.status == Post.Status.SCHEDULED
    assert post.scheduled_at == datetime(2025, 6, 5, 16, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_change_the_service_refuses_comes_back_as_a_form_error(client, marketer, outbox_channel, chat_channel, clock):
    post = make_post(
        author=marketer,
        channels=[outbox_channel, chat_channel],
        status=Post.Status.PAUSED,
        scheduled_at=NOW + timedelta(days=1),
    )
    post.deliveries.filter(channel=outbox_channel).update(state=Delivery.State.SENT)
    client.force_login(marketer)

    response = client.post(
        reverse("admin:scheduler_post_change", args=[post.pk]),
        {
            "text": "Dropping the outbox now",
            "channels": [chat_channel.pk],
            "scheduled_at_0": "2025-06-03",
            "scheduled_at_1": "10:00",
            "timezone": "UTC",
            "deliveries-TOTAL_FORMS": "0",
            "deliveries-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "already has a sent delivery" in str(response.context["adminform"].form.non_field_errors())
    post.refresh_from_db()
    assert post.text != "Dropping the outbox now"
    assert post.deliveries.count() == 2


@pytest.mark.django_db
def test_the_missed_and_needs_attention_shortcuts(client, marketer, outbox_channel, clock):
    missed = make_post(author=marketer, channels=[outbox_channel], text="Missed one", status=Post.Status.MISSED)
    stuck = make_post(author=marketer, channels=[outbox_channel], text="Stuck one", status=Post.Status.FAILED)
    stuck.deliveries.update(state=Delivery.State.UNKNOWN)
    make_post(author=marketer, channels=[outbox_channel], text="Fine one")
    client.force_login(marketer)

    missed_list = client.get(reverse(CHANGELIST), {"attention": "missed"})
    attention_list = client.get(reverse(CHANGELIST), {"attention": "deliveries"})

    assert [p.pk for p in missed_list.context["cl"].result_list] == [missed.pk]
    assert [p.pk for p in attention_list.context["cl"].result_list] == [stuck.pk]
    assert reverse(CALENDAR) in missed_list.content.decode()


@pytest.fixture
def unknown_delivery(marketer, outbox_channel, clock):
    post = make_post(author=marketer, channels=[outbox_channel], status=Post.Status.FAILED)
    post.deliveries.update(
        state=Delivery.State.UNKNOWN,
        attempts=1,
        claimed_at=NOW - timedelta(minutes=20),
        claimed_by="worker-1",
        last_error="worker worker-1 stopped mid-send",
    )
    return post.deliveries.get()


def settle(client, action: str, delivery: Delivery):
    return client.post(
        reverse("admin:scheduler_delivery_changelist"),
        {"action": action, "_selected_action": [delivery.pk], "index": 0},
    )


@pytest.mark.django_db
def test_a_crisis_lead_marks_an_unknown_delivery_as_sent(client, crisis_lead, marketer, unknown_delivery):
    client.force_login(marketer)
    settle(client, "mark_sent", unknown_delivery)
    unknown_delivery.refresh_from_db()
    assert unknown_delivery.state == Delivery.State.UNKNOWN

    client.force_login(crisis_lead)
    settle(client, "mark_sent", unknown_delivery)

    unknown_delivery.refresh_from_db()
    assert unknown_delivery.state == Delivery.State.SENT
    assert unknown_delivery.sent_at == NOW - timedelta(minutes=20)
    assert "carlos" in unknown_delivery.last_error
    assert unknown_delivery.post.status == Post.Status.PUBLISHED


@pytest.mark.django_db
def test_an_unknown_delivery_that_did_not_arrive_is_resent_with_the_same_key(
    client, crisis_lead, unknown_delivery, outbox_channel
):
    key = unknown_delivery.idempotency_key
    client.force_login(crisis_lead)

    settle(client, "mark_for_resend", unknown_delivery)

    unknown_delivery.refresh_from_db()
    assert unknown_delivery.state == Delivery.State.PENDING
    assert unknown_delivery.attempts == 1
    assert unknown_delivery.post.status == Post.Status.SCHEDULED
    assert publish_due().sent == 1
    with open(outbox_channel.settings["path"], encoding="utf-8") as outbox:
        [line] = [json.loads(row) for row in outbox]
    assert line["idempotency_key"] == str(key)


@pytest.mark.django_db
def test_only_unknown_deliveries_can_be_settled(client, crisis_lead, marketer, outbox_channel, clock):
    post = make_post(author=marketer, channels=[outbox_channel], scheduled_at=NOW + timedelta(hours=1))
    delivery = post.deliveries.get()
    client.force_login(crisis_lead)

    response = settle(client, "mark_sent", delivery)

    assert any("unknown" in text for text in texts(response))
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING


@pytest.mark.django_db
def test_a_reviewer_reads_a_post_in_its_own_zone_and_a_published_post_is_read_only(
    client, reviewer, marketer, outbox_channel, clock
):
    in_review = make_post(
        author=marketer,
        channels=[outbox_channel],
        status=Post.Status.IN_REVIEW,
        scheduled_at=datetime(2025, 6, 10, 7, 30, tzinfo=UTC),
        timezone="Europe/Warsaw",
    )
    published = make_post(author=marketer, channels=[outbox_channel], status=Post.Status.PUBLISHED)

    client.force_login(reviewer)
    review_page = client.get(reverse("admin:scheduler_post_change", args=[in_review.pk]))
    calendar = client.get(reverse(CALENDAR), {"date": "2025-06-10", "tz": "Europe/Warsaw"})
    client.force_login(marketer)
    published_page = client.get(reverse("admin:scheduler_post_change", args=[published.pk]))

    assert review_page.status_code == 200
    assert review_page.context["has_change_permission"] is False
    assert "2025-06-10 09:30 Europe/Warsaw" in review_page.content.decode()
    assert "2025-06-10 07:30 UTC" in review_page.content.decode()
    assert "pg-add" not in day_cell(calendar, "2025-06-10")  # reviewers cannot add posts
    assert published_page.status_code == 200
    assert published_page.context["has_change_permission"] is False


@pytest.mark.django_db
def test_the_calendar_and_the_kill_switch_page_lead_back_to_their_lists(client, crisis_lead):
    client.force_login(crisis_lead)

    calendar = client.get(reverse("admin:scheduler_post_calendar")).content.decode()
    killswitch = client.get(reverse("admin:guard_killswitch_engage")).content.decode()

    assert f'href="{reverse("admin:scheduler_post_changelist")}"' in calendar
    assert f'href="{reverse("admin:guard_killswitch_changelist")}"' in killswitch
    assert f'href="{reverse("admin:index")}"' in calendar
