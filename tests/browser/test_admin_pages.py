"""The calendar and the kill-switch as people click through them in a real browser."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from guard.models import GLOBAL_SCOPE, KillSwitch
from scheduler.models import Post
from tests.factories import make_post

pytestmark = pytest.mark.browser

SCHEDULED_GREEN = "rgb(220, 252, 231)"


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}{reverse('admin:login')}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"pw-{username}")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('admin:index')}")


def test_a_marketer_finds_the_demo_post_on_the_month_calendar_and_opens_it(
    live_server, page: Page, marketer, reviewer, outbox_channel
):
    slot = (timezone.now() + timedelta(days=2)).replace(hour=10, minute=15, second=0, microsecond=0)
    demo = make_post(
        author=marketer, channels=[outbox_channel], text="Autumn range launch: 20% off this weekend", scheduled_at=slot
    )
    neighbours = [
        (3, 9, Post.Status.DRAFT, "Draft: newsletter teaser"),
        (6, 14, Post.Status.IN_REVIEW, "Giveaway rules (needs review)"),
        (9, 8, Post.Status.PAUSED, "Storm-season umbrella promo"),
        (12, 18, Post.Status.MISSED, "Flash sale that missed its slot"),
        (16, 11, Post.Status.PUBLISHED, "Welcome to our new store"),
        (20, 16, Post.Status.FAILED, "Webhook post that failed"),
        (24, 12, Post.Status.CANCELLED, "Cancelled: old campaign"),
        (27, 10, Post.Status.REJECTED, "Rejected: risky pun"),
    ]
    for day, hour, status, text in neighbours:
        make_post(
            author=reviewer if status == Post.Status.IN_REVIEW else marketer,
            channels=[outbox_channel],
            text=text,
            status=status,
            scheduled_at=slot.replace(day=day, hour=hour),
        )
    log_in(page, live_server, "maria")

    page.get_by_role("navigation", name="Postguard").get_by_role("link", name="Calendar").click()
    expect(page.locator("table.pg-month")).to_be_visible()
    page.goto(f"{live_server.url}{reverse('admin:scheduler_post_calendar')}?view=month&date={slot:%Y-%m-%d}&tz=UTC")

    chip = page.locator(f'td[data-day="{slot:%Y-%m-%d}"] a.pg-chip[data-post="{demo.pk}"]')
    expect(chip).to_contain_text("10:15")
    expect(chip).to_contain_text("Autumn range launch")
    assert chip.evaluate("element => getComputedStyle(element).backgroundColor") == SCHEDULED_GREEN
    expect(page.locator("#pg-cal-heading")).to_contain_text(f"{slot:%B %Y}")
    page.screenshot(path="/tmp/calendar.png", full_page=True)

    chip.click()

    expect(page).to_have_url(re.compile(rf"/admin/scheduler/post/{demo.pk}/change/$"))
    expect(page.locator("#id_text")).to_have_value(demo.text)


def test_a_crisis_lead_halts_every_channel_from_the_header_and_releases_it(live_server, page: Page, crisis_lead):
    log_in(page, live_server, "carlos")

    page.get_by_role("link", name="Halt all channels").click()
    page.get_by_label("Reason").fill("Shooting at the Riverside mall: hold every post")
    page.get_by_label(re.compile("I understand this stops every send")).check()
    page.get_by_role("button", name="Halt publishing").click()

    banner = page.locator("#halt-banner")
    expect(banner).to_contain_text("Publishing halted: all channels")
    expect(banner).to_contain_text("Shooting at the Riverside mall")
    expect(banner).to_contain_text("by carlos")
    assert banner.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(185, 28, 28)"
    expect(page.get_by_role("link", name="Halt all channels")).to_have_count(0)
    page.screenshot(path="/tmp/halted.png")

    banner.get_by_role("link", name="Release").click()
    page.get_by_label("Reason").fill("Police confirmed the all-clear")
    page.get_by_label(re.compile("I understand this resumes every send")).check()
    page.get_by_role("button", name="Release and resume publishing").click()

    expect(page.locator("#halt-banner")).to_have_count(0)
    expect(page.locator(".messagelist")).to_contain_text("Released all channels")
    expect(page.get_by_role("link", name="Halt all channels")).to_be_visible()
    assert not KillSwitch.objects.get(scope=GLOBAL_SCOPE).engaged
